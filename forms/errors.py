"""The error model every validator speaks: a stable code, the field, a severity, and messages in
Chinese, Tibetan and English drawn from the ``i18n`` catalogs (msgid ``error.<code>``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import i18n

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One problem with the input. ``code`` is stable (tests, clients and logs rely on it)."""

    code: str
    field: str
    severity: Severity = "error"
    params: Mapping[str, object] = dataclasses.field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return f"error.{self.code}"

    def message(self, lang: str = "zh") -> str:
        return i18n.gettext(self.msgid, lang, **self.params)

    def to_json(self) -> dict[str, str]:
        return {
            "code": self.code,
            "field": self.field,
            "message_zh": self.message("zh"),
            "message_bo": self.message("bo"),
            "message_en": self.message("en"),
        }


def error(code: str, field_name: str, /, **params: object) -> Issue:
    return Issue(code, field_name, "error", params)


def warning(code: str, field_name: str, /, **params: object) -> Issue:
    return Issue(code, field_name, "warning", params)


def errors_only(issues: Iterable[Issue]) -> list[Issue]:
    return [i for i in issues if i.severity == "error"]


def warnings_only(issues: Iterable[Issue]) -> list[Issue]:
    return [i for i in issues if i.severity == "warning"]


class CodedError(Exception):
    """The base of every refusal in every layer (validation, store, workflow, sync, server): one or more
    coded issues, each with its field, parameters and messages in Chinese, Tibetan and English. Screens
    and commands show any of them the same way (``issues``, ``message``, ``to_json``)."""

    code: str = "error"

    @property
    def issues(self) -> list[Issue]:  # subclasses hold their issues; this default names the code only
        return [error(self.code, "")]

    def message(self, lang: str = "zh") -> str:
        return "\n".join(i.message(lang) for i in self.issues)

    def bilingual(self) -> str:
        """Chinese and Tibetan on one text, for stderr and dialogs."""
        return f"{self.message('zh')}\n{self.message('bo')}"

    def to_json(self) -> list[dict[str, str]]:
        return [i.to_json() for i in self.issues]


class ValidationFailed(CodedError, ValueError):
    """Raised by the service layers when input is refused; carries every issue found."""

    code = "validation.failed"

    def __init__(self, issues: Iterable[Issue]):
        self._issues = list(issues)
        super().__init__("; ".join(f"{i.field}: {i.code}" for i in self._issues))

    @property
    def issues(self) -> list[Issue]:
        return self._issues

    @issues.setter
    def issues(self, value: Iterable[Issue]) -> None:
        self._issues = list(value)
