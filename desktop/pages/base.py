"""What every screen shares: the :class:`Page` base (retranslate on language change, optional
save / print / refresh), a store refusal in the UI language, a scroll area and a declared form with
its save button."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QScrollArea, QVBoxLayout, QWidget

from desktop.backend import Backend
from desktop.formview import DeclaredForm, IssueLine
from desktop.lang import UiLanguage


def error_text(exc: BaseException, ui: UiLanguage) -> str:
    """A refusal of the store in the UI language."""
    issues = getattr(exc, "issues", None)
    if issues:
        return "\n".join(i.message(ui.lang) for i in issues)
    message = getattr(exc, "message", None)
    if callable(message):
        try:
            return str(message(ui.lang))
        except TypeError:
            pass
    return ui.t("ui.error.unexpected", detail=str(exc))


def scroll(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(widget)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


class Page(QWidget):
    """Base of the pages: ``retranslate`` on language change, optional save/print/refresh."""

    def __init__(self, ui: UiLanguage, backend: Backend) -> None:
        super().__init__()
        self.ui = ui
        self.backend = backend
        ui.changed.connect(lambda _lang: self.retranslate())

    def retranslate(self) -> None: ...

    def save(self) -> None: ...

    def print_(self) -> None: ...

    def refresh(self) -> None: ...


class FormWithSave(QWidget):
    """A declared form with a save button and a result line, in a bar of fixed height under the
    scrolling form: the button keeps its place whatever the form holds or the message says."""

    def __init__(self, form: DeclaredForm, ui: UiLanguage) -> None:
        super().__init__()
        self.form = form
        self.ui = ui
        self.save_button = QPushButton()
        self.save_button.setObjectName(f"save_{form.form_name}")
        self.message = IssueLine(2)
        self.message.setObjectName(f"message_{form.form_name}")
        self.button_bar = QWidget()
        self.button_bar.setObjectName(f"buttons_{form.form_name}")
        bar = QHBoxLayout(self.button_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.save_button)
        bar.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll(form), 1)
        layout.addWidget(self.button_bar)
        form.changed.connect(self._edited)

    def retranslate(self) -> None:
        self.save_button.setText(self.ui.t("ui.action.save"))
        self.save_button.setToolTip("Ctrl+S")

    def _edited(self, _result: object) -> None:
        if self.message.property("role") == "error" and self.form.result and self.form.result.ok:
            self.say("")

    def say(self, text: str, *, error: bool = False) -> None:
        self.message.setProperty("role", "error" if error else "")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)
