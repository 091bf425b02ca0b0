"""desktop/dialogs.py: Qt's own dialogs in our words — bilingual (Tibetan / Chinese) in Lhasa, only
Chinese in Lianyungang — and no Tibetan text clipped (issue 15: bilingual wherever the region is)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSizeF, QTimer
from PySide6.QtGui import QAction, QFontMetrics, QPageSize
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPushButton,
    QTextEdit,
    QToolButton,
    QWidget,
)

import i18n
from desktop import dialogs, fonts
from desktop.lang import UiLanguage

pytestmark = pytest.mark.gui

TIBETAN = re.compile(r"[\u0f00-\u0fff]")
HAN = re.compile(r"[\u4e00-\u9fff]")
# what Qt would show in its own (English) words
QT_WORDS = ("Save", "Open", "Cancel", "Look in", "File name", "Files of type", "Yes", "No", "OK", "Choose")


@pytest.fixture(params=["lhasa", "lianyungang"])
def ui(request, qapp) -> Iterator[UiLanguage]:
    lang = "bo" if request.param == "lhasa" else "zh"
    fonts.apply(QApplication.instance(), tibetan_first=lang == "bo", lang=lang)
    yield UiLanguage(lang, region=request.param)


def both(msgid: str, **params: object) -> tuple[str, str]:
    return i18n.gettext(msgid, "bo", **params), i18n.gettext(msgid, "zh", **params)


def assert_speaks(ui: UiLanguage, shown: str, msgid: str, **params: object) -> None:
    bo, zh = both(msgid, **params)
    assert zh in shown, (msgid, shown)
    if ui.region == "lhasa":
        assert bo in shown and shown.index(bo) < shown.index(zh), (msgid, shown)  # Tibetan first
    else:
        assert not TIBETAN.search(shown), (msgid, shown)


def visible_texts(widget: QWidget) -> list[str]:
    out = [widget.windowTitle()]
    out += [w.text() for w in widget.findChildren(QLabel) if w.isVisibleTo(widget) and w.text()]
    out += [b.text() for b in widget.findChildren(QAbstractButton) if b.isVisibleTo(widget) and b.text()]
    out += [b.toolTip() for b in widget.findChildren(QToolButton) if b.isVisibleTo(widget) and b.toolTip()]
    return out


def assert_no_qt_words(widget: QWidget) -> None:
    for text in visible_texts(widget):
        plain = text.replace("&", "")
        assert not any(plain.startswith(w) for w in QT_WORDS), text


def assert_not_clipped(widget: QWidget) -> None:
    for button in widget.findChildren(QPushButton):
        if button.isVisibleTo(widget) and button.text():
            hint = button.sizeHint()
            assert button.width() >= hint.width() and button.height() >= hint.height(), button.text()
            advance = QFontMetrics(button.font()).horizontalAdvance(button.text().replace("&", ""))
            assert advance < button.width(), button.text()


def show(qtbot, widget: QWidget) -> None:
    qtbot.addWidget(widget)
    widget.resize(max(widget.sizeHint().width(), 600), max(widget.sizeHint().height(), 150))
    widget.show()
    qtbot.waitExposed(widget)


def test_inform_and_confirm_speak_the_regions_languages(qtbot, ui) -> None:
    box = dialogs.message_box(
        None,
        ui,
        dialogs.msg("ui.app.title"),
        dialogs.msg("ui.dialog.replace", name="a.pdf"),
        (("ui.dialog.ok", QMessageBox.ButtonRole.AcceptRole),),
    )
    show(qtbot, box)
    assert_speaks(ui, box.windowTitle(), "ui.app.title")
    assert_speaks(ui, box.text(), "ui.dialog.replace", name="a.pdf")
    assert_speaks(ui, box.buttons()[0].text(), "ui.dialog.ok")
    assert len(box.buttons()) == 1
    assert_no_qt_words(box)
    assert_not_clipped(box)

    ask = dialogs.confirm_box(
        None, ui, dialogs.msg("ui.preview.save_pdf"), dialogs.msg("ui.dialog.replace", name="b")
    )
    show(qtbot, ask)
    yes, no = ask.findChild(QPushButton, "dialog_yes"), ask.findChild(QPushButton, "dialog_no")
    assert_speaks(ui, yes.text(), "ui.dialog.yes")
    assert_speaks(ui, no.text(), "ui.dialog.no")
    assert ask.defaultButton() is yes and ask.escapeButton() is no
    assert_no_qt_words(ask)
    assert_not_clipped(ask)


def test_input_dialog_has_our_ok_and_cancel(qtbot, ui) -> None:
    dialog = dialogs.input_dialog(
        None, ui, dialogs.msg("ui.app.title"), dialogs.msg("ui.dialog.file_name"), "x"
    )
    show(qtbot, dialog)
    texts = visible_texts(dialog)
    assert any(t.replace("&", "") == dialogs.button_text(ui, "ui.dialog.ok") for t in texts)
    buttons = {b.text() for b in dialog.findChildren(QPushButton)}
    for msgid in ("ui.dialog.ok", "ui.dialog.cancel"):
        assert_speaks(ui, next(b for b in buttons if i18n.gettext(msgid, "zh") in b), msgid)
    assert_no_qt_words(dialog)
    assert_not_clipped(dialog)


@pytest.mark.parametrize(
    ("mode", "accept", "name_label"),
    [
        ("save", "ui.dialog.save", "ui.dialog.file_name"),
        ("open", "ui.dialog.open", "ui.dialog.file_name"),
        ("folder", "ui.dialog.choose", "ui.dialog.folder"),
    ],
)
def test_file_dialog_every_label_and_button_in_our_words(
    qtbot, ui, tmp_path, mode, accept, name_label
) -> None:
    dialog = dialogs.file_dialog(
        None, ui, dialogs.msg("ui.preview.save_pdf"), mode, str(tmp_path), dialogs.msg("ui.print.pdf_filter")
    )
    assert dialog.testOption(QFileDialog.Option.DontUseNativeDialog)
    show(qtbot, dialog)
    label = QFileDialog.DialogLabel
    expected = {
        label.LookIn: "ui.dialog.look_in",
        label.FileName: name_label,
        label.FileType: "ui.dialog.file_type",
        label.Accept: accept,
        label.Reject: "ui.dialog.cancel",
    }
    assert set(expected) == set(label)  # every DialogLabel Qt has
    for which, msgid in expected.items():
        assert_speaks(ui, dialog.labelText(which), msgid)
    buttons = [b.text() for b in dialog.findChildren(QPushButton) if b.isVisibleTo(dialog)]
    assert (
        dialogs.button_text(ui, accept) in buttons and dialogs.button_text(ui, "ui.dialog.cancel") in buttons
    )
    for name in ("backButton", "forwardButton", "toParentButton", "newFolderButton"):
        assert_speaks(ui, dialog.findChild(QToolButton, name).toolTip(), dialogs._TOOL_TIPS[name])
    if mode != "folder":
        assert dialog.nameFilters()[0].endswith("(*.pdf)")  # one pattern after both descriptions
        zh_description = i18n.gettext("ui.print.pdf_filter", "zh").split("(")[0].strip()
        assert zh_description in dialog.nameFilters()[0]
    assert_speaks(ui, dialog.windowTitle(), "ui.preview.save_pdf")
    sidebar = dialog.findChild(QListView, "sidebar").model()
    places = [sidebar.index(r, 0).data() for r in range(sidebar.rowCount())]
    assert places and "Computer" not in places and "My Computer" not in places
    assert_no_qt_words(dialog)
    assert_not_clipped(dialog)
    if mode == "save":  # a folder typed in a save dialog: Qt's "&Open" is ours again
        (tmp_path / "sub").mkdir()
        dialog.findChild(QLineEdit, "fileNameEdit").setText(str(tmp_path / "sub"))
        qtbot.wait(50)
        assert_no_qt_words(dialog)
        assert_not_clipped(dialog)


def _later(qtbot, act) -> None:
    """Run ``act`` on the modal dialog once it is open."""

    def step() -> None:
        modal = QApplication.activeModalWidget()
        if modal is None:
            QTimer.singleShot(20, step)
        else:
            act(modal)

    QTimer.singleShot(0, step)


def test_confirm_returns_the_clerks_choice(qtbot, ui) -> None:
    def click(name: str):
        return lambda modal: modal.findChild(QPushButton, name).click()

    _later(qtbot, click("dialog_yes"))
    assert (
        dialogs.confirm(None, ui, dialogs.msg("ui.app.title"), dialogs.msg("ui.dialog.replace", name="x"))
        is True
    )
    _later(qtbot, click("dialog_no"))
    assert (
        dialogs.confirm(None, ui, dialogs.msg("ui.app.title"), dialogs.msg("ui.dialog.replace", name="x"))
        is False
    )


def test_save_file_asks_in_our_words_before_replacing(qtbot, ui, tmp_path: Path) -> None:
    existing = tmp_path / "receipt.pdf"
    existing.write_bytes(b"%PDF")
    asked: list[str] = []

    def accept(modal: QDialog) -> None:
        modal.findChild(QLineEdit, "fileNameEdit").setText(str(existing))
        modal.accept()
        _later(qtbot, replace)

    def replace(modal: QDialog) -> None:
        if not isinstance(modal, QMessageBox):
            QTimer.singleShot(20, lambda: replace(QApplication.activeModalWidget()))
            return
        asked.append(modal.text())
        modal.findChild(QPushButton, "dialog_replace_yes").click()

    _later(qtbot, accept)
    path = dialogs.save_file(None, ui, dialogs.msg("ui.preview.save_pdf"), str(tmp_path / "new.pdf"))
    assert path == str(existing)
    assert asked and ("receipt.pdf" in asked[0])
    assert_speaks(ui, asked[0], "ui.dialog.replace", name="receipt.pdf")


def test_a_new_file_is_saved_without_a_question(qtbot, ui, tmp_path: Path) -> None:
    _later(qtbot, lambda modal: modal.accept())
    target = tmp_path / "new.pdf"
    assert dialogs.save_file(None, ui, dialogs.msg("ui.preview.save_pdf"), str(target)) == str(target)
    _later(qtbot, lambda modal: modal.reject())
    assert dialogs.save_file(None, ui, dialogs.msg("ui.preview.save_pdf"), str(target)) is None


def test_no_stock_dialog_is_left_in_the_desktop() -> None:
    root = Path(dialogs.__file__).parent
    for path in root.rglob("*.py"):
        if path.name == "dialogs.py":
            continue
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(QMessageBox|QFileDialog|QInputDialog|QPrintDialog)\b", source), path


def test_ask_returns_the_line_typed_or_none(qtbot, ui) -> None:
    def type_and_accept(modal: QDialog) -> None:
        modal.findChild(QLineEdit).setText("བཀྲ་ཤིས")
        modal.accept()

    _later(qtbot, type_and_accept)
    assert dialogs.ask(None, ui, dialogs.msg("ui.app.title"), dialogs.msg("ui.dialog.file_name")) == "བཀྲ་ཤིས"
    _later(qtbot, lambda modal: modal.reject())
    assert dialogs.ask(None, ui, dialogs.msg("ui.app.title"), dialogs.msg("ui.dialog.file_name")) is None


# --- the printer dialog (in place of QPrintDialog) ---------------------------------------------------

PRINTERS = ["Counter-HP", "Office-Laser"]


class RecordingPrinter(QPrinter):
    """A printer to PDF that remembers which printer name it was given (no CUPS printer here)."""

    def __init__(self) -> None:
        super().__init__(QPrinter.PrinterMode.HighResolution)
        self.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        self.named: list[str] = []

    def setPrinterName(self, name: str) -> None:
        self.named.append(name)
        super().setPrinterName(name)


def _a5_printer() -> RecordingPrinter:
    printer = RecordingPrinter()
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A5))
    return printer


def test_printer_dialog_speaks_the_regions_languages(qtbot, ui) -> None:
    printer = _a5_printer()
    dialog = dialogs.PrinterDialog(None, ui, printer, PRINTERS, default="Office-Laser", pages=3)
    show(qtbot, dialog)
    assert_speaks(ui, dialog.windowTitle(), "ui.printer.print")
    labels = {w.objectName(): w.text() for w in dialog.findChildren(QLabel)}
    for name, msgid in (
        ("label_printer", "ui.printer.printer"),
        ("label_copies", "ui.printer.copies"),
        ("label_pages", "ui.printer.pages"),
        ("label_paper", "ui.preview.paper"),
    ):
        assert_speaks(ui, labels[name], msgid)
    assert_speaks(ui, dialog.all_pages.text(), "ui.printer.all_pages", count=3)
    assert_speaks(ui, dialog.some_pages.text(), "ui.printer.range")
    assert_speaks(ui, dialog.paper.text(), "ui.preview.paper.a5")  # the document's paper, shown
    assert_speaks(ui, dialog.paper.text(), "ui.printer.paper_fixed")
    assert not dialog.findChildren(QComboBox, "printer_paper")  # and not a choice
    assert_speaks(ui, dialog.findChild(QPushButton, "dialog_print").text(), "ui.printer.print")
    assert_speaks(ui, dialog.findChild(QPushButton, "dialog_cancel").text(), "ui.dialog.cancel")
    assert dialog.printer_name.currentText() == "Office-Laser"  # the default printer comes chosen
    assert [dialog.printer_name.itemText(i) for i in range(dialog.printer_name.count())] == PRINTERS
    assert dialog.all_pages.isChecked() and not dialog.from_page.isEnabled()
    assert (dialog.from_page.maximum(), dialog.to_page.value()) == (3, 3)
    assert_no_qt_words(dialog)
    assert_not_clipped(dialog)
    for label in [
        *dialog.findChildren(QLabel),
        dialog.all_pages,
        dialog.some_pages,
    ]:  # none narrower than its text
        if label.isVisibleTo(dialog) and label.text() and not getattr(label, "wordWrap", lambda: False)():
            assert label.width() >= label.sizeHint().width(), label.text()

    single = dialogs.PrinterDialog(None, ui, _a5_printer(), PRINTERS, pages=1)
    show(qtbot, single)
    assert not single.some_pages.isVisibleTo(single) and not single.all_pages.isVisibleTo(single)
    assert single.printer_name.currentText() == "Counter-HP"  # no default: the first


def test_printer_dialog_sets_the_printer_as_qprintdialog_did(qtbot, ui) -> None:
    printer = _a5_printer()
    dialog = dialogs.PrinterDialog(None, ui, printer, PRINTERS, default="Counter-HP", pages=4)
    show(qtbot, dialog)
    dialog.printer_name.setCurrentText("Office-Laser")
    dialog.copies.setValue(2)
    dialog.some_pages.setChecked(True)
    assert dialog.from_page.isEnabled() and dialog.to_page.isEnabled()
    dialog.to_page.setValue(3)
    dialog.from_page.setValue(2)
    dialog.findChild(QPushButton, "dialog_print").click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert printer.named == ["Office-Laser"]
    assert printer.copyCount() == 2
    assert printer.printRange() == QPrinter.PrintRange.PageRange
    assert (printer.fromPage(), printer.toPage()) == (2, 3)
    assert printer.pageLayout().pageSize().id() == QPageSize.PageSizeId.A5  # still the document's paper

    again = dialogs.PrinterDialog(None, ui, printer, PRINTERS, pages=4)  # all pages once more
    show(qtbot, again)
    assert again.copies.value() == 2  # opens with what the printer has
    again.all_pages.setChecked(True)
    again.accept()
    assert printer.printRange() == QPrinter.PrintRange.AllPages and printer.fromPage() == 0


def test_from_page_never_passes_to_page(qtbot, ui) -> None:
    dialog = dialogs.PrinterDialog(None, ui, _a5_printer(), PRINTERS, pages=5)
    show(qtbot, dialog)
    dialog.some_pages.setChecked(True)
    dialog.to_page.setValue(2)
    dialog.from_page.setValue(4)
    assert dialog.to_page.value() == 4
    dialog.to_page.setValue(1)
    assert dialog.from_page.value() == 1


def test_cancel_leaves_the_printer_and_prints_nothing(qtbot, ui, monkeypatch) -> None:
    monkeypatch.setattr(dialogs, "available_printers", lambda: (PRINTERS, "Counter-HP"))
    printer = _a5_printer()

    def change_then_cancel(modal: QDialog) -> None:
        modal.copies.setValue(5)
        modal.findChild(QPushButton, "dialog_cancel").click()

    _later(qtbot, change_then_cancel)
    assert dialogs.choose_printer(None, ui, printer, 2) is False
    assert printer.named == [] and printer.copyCount() == 1
    assert printer.printRange() == QPrinter.PrintRange.AllPages

    _later(qtbot, lambda modal: modal.findChild(QPushButton, "dialog_print").click())
    assert dialogs.choose_printer(None, ui, printer, 2) is True


def test_no_printer_is_said_in_our_words(qtbot, ui, monkeypatch) -> None:
    monkeypatch.setattr(dialogs, "available_printers", lambda: ([], ""))
    said: list[str] = []

    def read_and_close(modal: QDialog) -> None:
        assert isinstance(modal, QMessageBox)
        said.append(modal.text())
        modal.findChild(QPushButton, "dialog_ok").click()

    _later(qtbot, read_and_close)
    assert dialogs.choose_printer(None, ui, _a5_printer()) is False
    assert said
    assert_speaks(ui, said[0], "ui.print.no_printer")


# --- Qt's own words: context menus ----------------------------------------------------------------

QT_TS = Path(dialogs.__file__).resolve().parents[1] / "i18n" / "qt" / "qtbase_bo.ts"


def _menu_texts(widget: QWidget) -> list[str]:
    menu = widget.createStandardContextMenu()
    try:
        return [a.text().split("\t")[0] for a in menu.actions() if a.text()]
    finally:
        menu.deleteLater()


def test_a_line_edits_context_menu_speaks_the_regions_languages(qtbot, ui) -> None:
    ui.follow_in_qt(QApplication.instance())
    try:
        edit, box = QLineEdit("བཀྲ་ཤིས"), QTextEdit("བཀྲ་ཤིས")
        qtbot.addWidget(edit)
        qtbot.addWidget(box)
        for texts in (_menu_texts(edit), _menu_texts(box)):
            assert len(texts) == 7, texts
            copy = next(t for t in texts if "复制" in t)
            assert all(HAN.search(t) for t in texts), texts  # every action in Chinese
            if ui.region == "lhasa":
                assert copy == "འདྲ་བཤུས / 复制(&C)"  # Tibetan first, one mnemonic
                assert all(TIBETAN.search(t) and t.index(" / ") > 0 for t in texts), texts
            else:
                assert copy == "复制(&C)" and not any(TIBETAN.search(t) for t in texts), texts
        files = dialogs.file_dialog(None, ui, "x", "open", str(Path.home()))
        qtbot.addWidget(files)
        menu = {a.objectName(): a.text() for a in files.findChildren(QAction) if a.text()}
        for name, zh in (("qt_rename_action", "重命名(&R)"), ("qt_new_folder_action", "新建文件夹(&N)")):
            assert menu[name].endswith(zh), menu  # the file list's right-click menu too
            assert bool(TIBETAN.search(menu[name])) == (ui.region == "lhasa"), menu
        ui.set_language("en")  # a language switch takes Qt's words with it
        assert "&Copy" in _menu_texts(edit)
        ui.set_language("bo")
        ui.set_region("lianyungang")
        assert "འདྲ་བཤུས(&C)" in _menu_texts(edit)  # Tibetan alone where the region writes one language
    finally:
        ui._qt.switch(())  # the other tests see Qt's own words again
    assert "&Copy" in _menu_texts(QLineEdit())


def test_our_qt_translation_is_its_source_compiled_and_matches_qts_contexts(tmp_path: Path) -> None:
    """i18n/qt/qtbase_bo.qm is qtbase_bo.ts compiled (pyside6-lrelease), and every context and
    source in it is one Qt's own Chinese translation has (else Qt would never ask for it)."""
    import subprocess
    import xml.etree.ElementTree as ET

    import PySide6
    from PySide6.QtCore import QLibraryInfo, QTranslator

    lrelease = Path(PySide6.__file__).parent / "lrelease"
    built = tmp_path / "qtbase_bo.qm"
    subprocess.run([str(lrelease), "-silent", str(QT_TS), "-qm", str(built)], check=True)
    assert built.read_bytes() == QT_TS.with_suffix(".qm").read_bytes(), (
        "run: pyside6-lrelease i18n/qt/qtbase_bo.ts -qm i18n/qt/qtbase_bo.qm"
    )
    zh = QTranslator()
    assert zh.load("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    messages = [
        (context.findtext("name"), m.findtext("source"), m.findtext("translation"))
        for context in ET.parse(QT_TS).getroot().iter("context")
        for m in context.iter("message")
    ]
    assert {c for c, _s, _t in messages} >= {"QLineEdit", "QWidgetTextControl"}
    for context, source, translation in messages:
        assert zh.translate(context, source), (context, source)
        assert TIBETAN.search(translation) and not HAN.search(translation), (context, source)


@pytest.mark.parametrize(
    ("size", "msgid"),
    [
        (QPageSize(QPageSize.PageSizeId.A4), "ui.preview.paper.a4"),
        (QPageSize(QPageSize.PageSizeId.A5), "ui.preview.paper.a5"),
        (QPageSize(QSizeF(80, 231.5), QPageSize.Unit.Millimeter), "ui.preview.paper.80mm"),
        (QPageSize(QSizeF(100, 150), QPageSize.Unit.Millimeter), "ui.printer.paper_mm"),
    ],
)
def test_the_paper_is_named_as_the_preview_names_it(size: QPageSize, msgid: str) -> None:
    text = dialogs.paper_text(UiLanguage("zh", "lianyungang"), size)
    assert isinstance(text, dialogs.Msg) and text.msgid == msgid
    if msgid == "ui.printer.paper_mm":
        assert text.render("zh") == "100 × 150 毫米纸"
