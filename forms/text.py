"""The one check every free-text value passes before it is stored or printed (issue 16, finding 8):
names, employer names, hospital, reasons and notes.

Refused, each with its own code:

- ``text.control``: control characters (Unicode category Cc): NUL, ANSI escape sequences (ESC), line
  breaks (CR, LF, NEL), tabs, DEL and the C1 controls; also the line and paragraph separators
  (U+2028, U+2029). They corrupt a printed slip, a terminal or a log line.
- ``text.invisible``: format characters (Cf): zero-width spaces and joiners, the byte order mark, the
  bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and marks. They make
  two different texts look alike on screen and paper, or reorder what is shown.
- ``text.unassigned``: code points Unicode has not assigned (Cn, such as U+0FFF at the end of the
  Tibetan block), private-use characters (Co) and surrogates (Cs): no font shows them.
- ``text.combining``: a combining mark (a Tibetan vowel sign or subjoined letter, an accent) that is not
  on a base letter (first in the text, or after a space, tsheg or punctuation), the same mark twice in
  a row (e.g. 50 × U+0F71), or more than ``MAX_MARKS`` marks on one letter. Tibetan writes at most a
  few subjoined letters and vowel signs under one head letter (བསྒྲུབས: three under ག).
"""

from __future__ import annotations

import unicodedata

from forms.errors import Issue, error

MAX_MARKS = 5
_LINE_SEPARATORS = frozenset("\u2028\u2029")


def text_issues(value: str, field: str) -> list[Issue]:
    """The first problem of ``value`` as a one-line text field, or ``[]``."""
    marks = 0
    on_base = False
    previous = ""
    for ch in value:
        category = unicodedata.category(ch)
        if category == "Cc" or ch in _LINE_SEPARATORS:
            return [error("text.control", field, char=f"U+{ord(ch):04X}")]
        if category == "Cf":
            return [error("text.invisible", field, char=f"U+{ord(ch):04X}")]
        if category in ("Cn", "Co", "Cs"):
            return [error("text.unassigned", field, char=f"U+{ord(ch):04X}")]
        if category[0] == "M":
            marks += 1
            if not on_base or ch == previous or marks > MAX_MARKS:
                return [error("text.combining", field, char=f"U+{ord(ch):04X}")]
        else:
            marks = 0
            on_base = category[0] in "LN"
        previous = ch
    return []


def is_clean_text(value: str) -> bool:
    return not text_issues(value, "")
