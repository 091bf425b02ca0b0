"""Our own small dialogs — inform, confirm, ask, save/open a file, choose a folder — in our words,
bilingual wherever the region is.

Qt's stock dialogs speak Qt's own translations, and Qt has none for Tibetan: a QMessageBox shows
"Yes"/"No", a QFileDialog "Look in:", "File name:", "Save", "Cancel" and asks "… already exists. Do
you want to replace it?" in English. These helpers build the same dialogs with every visible text
from our catalogs: message boxes with our own buttons, an input dialog with our OK/Cancel, and a
non-native QFileDialog (``DontUseNativeDialog``: a native one cannot be relabelled) whose labels
and buttons are set through ``setLabelText`` for every ``DialogLabel``, whose tool buttons carry our
tooltips and whose overwrite question is our own ``confirm``. QPrintDialog cannot be relabelled at
all (its pages are private widgets in Qt's words, and it offers every paper size there is): the
printer dialog here is our own (``choose_printer``) and sets the QPrinter as QPrintDialog did.

In a region whose policy pack lists several languages (Lhasa: Tibetan, then Chinese) each text is
shown in both, as the form labels are (``UiLanguage.form_languages``): a button reads
"བོད་ཡིག / 中文", a message has the Tibetan paragraph above the Chinese. Elsewhere (Lianyungang) only
the UI language.

A text is a :class:`Msg` (a message id with its parameters, rendered in each language), or a plain
``str`` already in the UI language (a detail from elsewhere, a file name).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QPageSize
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.lang import UiLanguage

BUTTON_SEP = " / "
TEXT_SEP = "\n"


@dataclass(frozen=True)
class Msg:
    """A message id and its parameters; a parameter may itself be a Msg (rendered in the same
    language)."""

    msgid: str
    params: dict[str, object] = field(default_factory=dict)

    def render(self, lang: str) -> str:
        from desktop.catalog_cache import gettext

        params = {k: v.render(lang) if isinstance(v, Msg) else v for k, v in self.params.items()}
        return gettext(self.msgid, lang, **params)


def msg(msgid: str, /, **params: object) -> Msg:
    return Msg(msgid, params)


Text = Msg | str


def languages(ui: UiLanguage) -> tuple[str, ...]:
    """The languages a dialog speaks: the region's (Tibetan, then Chinese in Lhasa), else the UI's."""
    return ui.form_languages()


def texts(ui: UiLanguage, text: Text, sep: str = TEXT_SEP) -> str:
    if isinstance(text, str):
        return text
    return sep.join(dict.fromkeys(text.render(lang) for lang in languages(ui)))


def button_text(ui: UiLanguage, msgid: str) -> str:
    return texts(ui, msg(msgid), BUTTON_SEP)


def name_filter(ui: UiLanguage, text: Text) -> str:
    """A file-type filter: the descriptions in each language, the one pattern once
    ("PDF ཡིག་ཆ། / PDF 文件 (*.pdf)"), so Qt still reads the pattern."""
    if isinstance(text, str):
        return text
    rendered = [text.render(lang) for lang in languages(ui)]
    pattern = rendered[0][rendered[0].rfind("(") :] if "(" in rendered[0] else ""
    descriptions = [r[: r.rfind("(")].strip() if pattern and "(" in r else r.strip() for r in rendered]
    return f"{BUTTON_SEP.join(dict.fromkeys(descriptions))} {pattern}".strip()


def fit_buttons(dialog: QWidget) -> None:
    """Every push button at least as large as its text needs: Qt's dialogs size some buttons for
    their English words (the file dialog's Save), which would clip "ཉར་ཚགས། / 保存"."""
    for button in dialog.findChildren(QPushButton):
        button.setMinimumSize(button.sizeHint())


# --- message boxes -------------------------------------------------------------------------------

Icon = Literal["information", "warning", "critical", "question"]
#: a button's role, for callers that build their own question (they never name the stock dialog)
Role = QMessageBox.ButtonRole
_ICONS = {
    "information": QMessageBox.Icon.Information,
    "warning": QMessageBox.Icon.Warning,
    "critical": QMessageBox.Icon.Critical,
    "question": QMessageBox.Icon.Question,
}


def message_box(
    parent: QWidget | None,
    ui: UiLanguage,
    title: Text,
    body: Text,
    buttons: tuple[tuple[str, QMessageBox.ButtonRole], ...],
    icon: Icon = "information",
) -> QMessageBox:
    """A QMessageBox with our title, text and buttons (each named ``dialog_<last part of msgid>``);
    the first button is the default."""
    from PySide6.QtCore import Qt

    box = QMessageBox(parent)
    box.setObjectName("dialog_message")
    box.setIcon(_ICONS[icon])
    box.setWindowTitle(texts(ui, title, BUTTON_SEP))
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(texts(ui, body))
    made = []
    for msgid, role in buttons:
        button = box.addButton(button_text(ui, msgid), role)
        button.setObjectName(_button_name(msgid))
        made.append(button)
    box.setDefaultButton(made[0])
    if len(made) > 1:
        box.setEscapeButton(made[-1])
    fit_buttons(box)
    return box


def _button_name(msgid: str) -> str:
    return f"dialog_{msgid.rsplit('.', 1)[-1]}"


def inform(
    parent: QWidget | None, ui: UiLanguage, title: Text, body: Text, icon: Icon = "information"
) -> None:
    box = message_box(parent, ui, title, body, (("ui.dialog.ok", QMessageBox.ButtonRole.AcceptRole),), icon)
    box.exec()


def confirm_box(
    parent: QWidget | None,
    ui: UiLanguage,
    title: Text,
    body: Text,
    yes: str = "ui.dialog.yes",
    no: str = "ui.dialog.no",
) -> QMessageBox:
    return message_box(
        parent,
        ui,
        title,
        body,
        ((yes, QMessageBox.ButtonRole.YesRole), (no, QMessageBox.ButtonRole.NoRole)),
        "question",
    )


def confirm(
    parent: QWidget | None,
    ui: UiLanguage,
    title: Text,
    body: Text,
    yes: str = "ui.dialog.yes",
    no: str = "ui.dialog.no",
) -> bool:
    """True when the clerk chose ``yes``."""
    box = confirm_box(parent, ui, title, body, yes, no)
    box.exec()
    clicked: QAbstractButton | None = box.clickedButton()
    return clicked is not None and clicked.objectName() == _button_name(yes)


# --- asking for a line of text ---------------------------------------------------------------------


def input_dialog(
    parent: QWidget | None, ui: UiLanguage, title: Text, label: Text, value: str = ""
) -> QInputDialog:
    dialog = QInputDialog(parent)
    dialog.setObjectName("dialog_input")
    dialog.setInputMode(QInputDialog.InputMode.TextInput)
    dialog.setWindowTitle(texts(ui, title, BUTTON_SEP))
    dialog.setLabelText(texts(ui, label))
    dialog.setTextValue(value)
    dialog.setOkButtonText(button_text(ui, "ui.dialog.ok"))
    dialog.setCancelButtonText(button_text(ui, "ui.dialog.cancel"))
    fit_buttons(dialog)
    return dialog


def ask(parent: QWidget | None, ui: UiLanguage, title: Text, label: Text, value: str = "") -> str | None:
    """The line the clerk typed, or None when cancelled."""
    dialog = input_dialog(parent, ui, title, label, value)
    return dialog.textValue() if dialog.exec() else None


# --- files and folders ---------------------------------------------------------------------------

FileMode = Literal["save", "open", "folder"]
_ACCEPT = {"save": "ui.dialog.save", "open": "ui.dialog.open", "folder": "ui.dialog.choose"}
# the tool buttons of Qt's own (non-native) file dialog, by object name
_TOOL_TIPS = {
    "backButton": "ui.dialog.back",
    "forwardButton": "ui.dialog.forward",
    "toParentButton": "ui.dialog.parent_folder",
    "newFolderButton": "ui.dialog.new_folder",
    "listModeButton": "ui.dialog.list_view",
    "detailModeButton": "ui.dialog.detail_view",
}


def file_dialog(
    parent: QWidget | None,
    ui: UiLanguage,
    title: Text,
    mode: FileMode,
    directory: str = "",
    filter_text: Text = "",
) -> QFileDialog:
    """Qt's own file dialog with every label, button and tooltip in our words."""
    dialog = QFileDialog(parent, texts(ui, title, BUTTON_SEP), directory)
    dialog.setObjectName("dialog_file")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setViewMode(QFileDialog.ViewMode.List)  # the detail view's column heads are Qt's words
    if mode == "save":
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setOption(QFileDialog.Option.DontConfirmOverwrite, True)  # asked by save_file, in our words
    elif mode == "open":
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    else:
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    if filter_text:
        dialog.setNameFilter(name_filter(ui, filter_text))
    # the side bar's default first place is Qt's "Computer": the home folder and the one offered instead
    places = dict.fromkeys(str(p) for p in (Path.home(), Path(directory or Path.home())))
    dialog.setSidebarUrls([QUrl.fromLocalFile(p) for p in places])
    label = QFileDialog.DialogLabel
    dialog.setLabelText(label.LookIn, button_text(ui, "ui.dialog.look_in"))
    dialog.setLabelText(
        label.FileName, button_text(ui, "ui.dialog.folder" if mode == "folder" else "ui.dialog.file_name")
    )
    dialog.setLabelText(label.FileType, button_text(ui, "ui.dialog.file_type"))
    dialog.setLabelText(label.Accept, button_text(ui, _ACCEPT[mode]))
    dialog.setLabelText(label.Reject, button_text(ui, "ui.dialog.cancel"))
    for name, msgid in _TOOL_TIPS.items():
        button = dialog.findChild(QToolButton, name)
        if button is not None:
            button.setToolTip(button_text(ui, msgid))
    _keep_our_accept_text(dialog, ui)
    fit_buttons(dialog)
    return dialog


def _keep_our_accept_text(dialog: QFileDialog, ui: UiLanguage) -> None:
    """Qt relabels the accept button "&Open" (in English) while a folder is selected in a save
    dialog, whatever ``setLabelText`` said; put our word back after each of its updates."""
    ours = {"open": button_text(ui, "ui.dialog.open"), "save": button_text(ui, "ui.dialog.save")}

    def fix() -> None:
        for button in dialog.findChildren(QPushButton):
            word = button.text().replace("&", "").lower()
            if word in ours:
                button.setText(ours[word])
                button.setMinimumSize(button.sizeHint())

    def relabel(*_args: object) -> None:
        QTimer.singleShot(0, dialog, fix)  # after Qt's own update of the button

    dialog.currentChanged.connect(relabel)
    edit = dialog.findChild(QLineEdit, "fileNameEdit")
    if edit is not None:
        edit.textChanged.connect(relabel)


def save_file(
    parent: QWidget | None, ui: UiLanguage, title: Text, suggested: str = "", filter_text: Text = ""
) -> str | None:
    """The path to save to, or None; an existing file is replaced only when the clerk confirms."""
    dialog = file_dialog(
        parent, ui, title, "save", str(Path(suggested).parent) if suggested else "", filter_text
    )
    if suggested:
        dialog.selectFile(suggested)
    while dialog.exec():
        path = dialog.selectedFiles()[0]
        if not Path(path).exists() or confirm(
            dialog, ui, title, msg("ui.dialog.replace", name=Path(path).name), "ui.dialog.replace_yes"
        ):
            return path
    return None


def open_file(
    parent: QWidget | None, ui: UiLanguage, title: Text, directory: str = "", filter_text: Text = ""
) -> str | None:
    dialog = file_dialog(parent, ui, title, "open", directory, filter_text)
    return dialog.selectedFiles()[0] if dialog.exec() else None


def choose_folder(parent: QWidget | None, ui: UiLanguage, title: Text, directory: str = "") -> str | None:
    dialog = file_dialog(parent, ui, title, "folder", directory)
    return dialog.selectedFiles()[0] if dialog.exec() else None


# --- choosing a printer ----------------------------------------------------------------------------

#: the papers our documents are laid out for, by their width in mm (the roll is as long as the document)
_PAPERS = {"a4": QPageSize.PageSizeId.A4, "a5": QPageSize.PageSizeId.A5}
MAX_COPIES = 99


def paper_text(ui: UiLanguage, size: QPageSize) -> Text:
    """The paper a document is laid out for, in our words: "A4 纸", "80 毫米小票纸", else its size in mm."""
    for paper, size_id in _PAPERS.items():
        if size.id() == size_id:
            return msg(f"ui.preview.paper.{paper}")
    mm = size.size(QPageSize.Unit.Millimeter)
    if round(mm.width()) == 80:
        return msg("ui.preview.paper.80mm")
    return msg("ui.printer.paper_mm", width=round(mm.width()), height=round(mm.height()))


class PrinterDialog(QDialog):
    """The printer, the number of copies and (for a document of several pages) the pages to print;
    the paper is shown, not chosen: it is the one the document is laid out for."""

    def __init__(
        self,
        parent: QWidget | None,
        ui: UiLanguage,
        printer: QPrinter,
        printers: Sequence[str],
        default: str = "",
        pages: int = 1,
        title: Text | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dialog_printer")
        self.printer = printer
        self.pages = max(1, pages)
        self.setWindowTitle(texts(ui, title or msg("ui.printer.print"), BUTTON_SEP))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.printer_name = QComboBox()
        self.printer_name.setObjectName("printer_name")
        self.printer_name.addItems(list(printers))
        chosen = printer.printerName() if printer.printerName() in printers else default
        if chosen in printers:
            self.printer_name.setCurrentIndex(list(printers).index(chosen))
        form.addRow(self._label(ui, "ui.printer.printer"), self.printer_name)

        self.copies = QSpinBox()
        self.copies.setObjectName("printer_copies")
        self.copies.setRange(1, MAX_COPIES)
        self.copies.setValue(max(1, min(printer.copyCount(), MAX_COPIES)))
        form.addRow(self._label(ui, "ui.printer.copies"), self.copies)

        self.all_pages = QRadioButton(texts(ui, msg("ui.printer.all_pages", count=self.pages), BUTTON_SEP))
        self.all_pages.setObjectName("printer_all_pages")
        self.some_pages = QRadioButton(button_text(ui, "ui.printer.range"))
        self.some_pages.setObjectName("printer_some_pages")
        group = QButtonGroup(self)
        group.addButton(self.all_pages)
        group.addButton(self.some_pages)
        self.from_page, self.to_page = QSpinBox(), QSpinBox()
        for box, name, value in (
            (self.from_page, "printer_from", 1),
            (self.to_page, "printer_to", self.pages),
        ):
            box.setObjectName(name)
            box.setRange(1, self.pages)
            box.setValue(value)
            box.setEnabled(False)
        self.some_pages.toggled.connect(self.from_page.setEnabled)
        self.some_pages.toggled.connect(self.to_page.setEnabled)
        self.from_page.valueChanged.connect(lambda v: self.to_page.setValue(max(v, self.to_page.value())))
        self.to_page.valueChanged.connect(lambda v: self.from_page.setValue(min(v, self.from_page.value())))
        self.all_pages.setChecked(True)
        if self.pages > 1:  # one page: nothing to choose, the row is not shown
            span = QHBoxLayout()
            span.addWidget(self.some_pages)
            span.addWidget(self.from_page)
            span.addWidget(QLabel("–"))
            span.addWidget(self.to_page)
            span.addStretch(1)
            column = QVBoxLayout()
            column.addWidget(self.all_pages)
            column.addLayout(span)
            form.addRow(self._label(ui, "ui.printer.pages"), column)

        size = printer.pageLayout().pageSize()
        self.paper = QLabel(
            f"{texts(ui, paper_text(ui, size), BUTTON_SEP)}\n{button_text(ui, 'ui.printer.paper_fixed')}"
        )
        self.paper.setObjectName("printer_paper")
        self.paper.setWordWrap(True)
        form.addRow(self._label(ui, "ui.preview.paper"), self.paper)

        buttons = QDialogButtonBox()
        for msgid, role in (
            ("ui.printer.print", QDialogButtonBox.ButtonRole.AcceptRole),
            ("ui.dialog.cancel", QDialogButtonBox.ButtonRole.RejectRole),
        ):
            button = buttons.addButton(button_text(ui, msgid), role)
            button.setObjectName(_button_name(msgid))
        print_button = buttons.findChild(QPushButton, "dialog_print")
        if print_button is not None:
            print_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        fit_buttons(self)

    @staticmethod
    def _label(ui: UiLanguage, msgid: str) -> QLabel:
        label = QLabel(button_text(ui, msgid))
        label.setObjectName(f"label_{msgid.rsplit('.', 1)[-1]}")
        return label

    def apply(self) -> None:
        """Set the printer as QPrintDialog does on OK: printer, copies, page range — the paper stays
        the document's (choosing a printer must not give it that printer's default paper)."""
        layout = self.printer.pageLayout()
        name = self.printer_name.currentText()
        if name and name != self.printer.printerName():
            self.printer.setPrinterName(name)
            self.printer.setPageLayout(layout)
        self.printer.setCopyCount(self.copies.value())
        if self.some_pages.isChecked() and self.pages > 1:
            self.printer.setPrintRange(QPrinter.PrintRange.PageRange)
            self.printer.setFromTo(self.from_page.value(), self.to_page.value())
        else:
            self.printer.setPrintRange(QPrinter.PrintRange.AllPages)
            self.printer.setFromTo(0, 0)

    def accept(self) -> None:
        self.apply()
        super().accept()


def available_printers() -> tuple[list[str], str]:
    """The printers installed on this machine and the default one ("" when none is)."""
    return [p.printerName() for p in QPrinterInfo.availablePrinters()], QPrinterInfo.defaultPrinterName()


def choose_printer(
    parent: QWidget | None,
    ui: UiLanguage,
    printer: QPrinter,
    pages: int = 1,
    title: Text | None = None,
) -> bool:
    """Ask for the printer, copies and pages, and set them on ``printer``; False when cancelled or
    when there is no printer to choose (the clerk is told so)."""
    printers, default = available_printers()
    if not printers:
        inform(parent, ui, title or msg("ui.printer.print"), msg("ui.print.no_printer"), "warning")
        return False
    dialog = PrinterDialog(parent, ui, printer, printers, default, pages, title)
    return dialog.exec() == QDialog.DialogCode.Accepted
