"""Cleaning free text typed, pasted or imported by people: one rule for every form, service and import.

Call :func:`clean_text` on any text before it is checked or stored. The forms do it for every text field
(:class:`service_center.forms.Form`); services that take text from elsewhere (imports, other services) call
it themselves, so a name or reason is the same whichever way it came in.
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa

# Control (Cc), format (Cf: zero-width spaces, the byte-order mark, bidirectional overrides ...) and lone
# surrogate (Cs) characters are invisible, reorder what is shown, or cannot be stored: a name made of them
# looks empty or like another. Line breaks and tabs are the only controls kept.
_REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
_KEPT_CONTROLS = frozenset("\n\r\t")
# Characters that show nothing (the Hangul fillers, the braille blank ...): another way to make a name look blank.
_BLANK_LOOKING = frozenset("\u034f\u115f\u1160\u3164\uffa0\u2800")
# The Unicode line and paragraph separators: line breaks that browsers, CSV readers and JavaScript disagree on.
_SEPARATORS = {"\u2028": "\n", "\u2029": "\n"}
_LINE_BREAKS = re.compile(r"[\n\r\t]+")
# The longest free text a person writes on a case (reasons, opinions, notes, comments): the case forms and the
# case services take no more.
CASE_TEXT_MAX = 2000


def clean_text(value: str | None, *, single_line: bool = False) -> str | None:
    """``value`` as it should be stored: NFC-normalised, without invisible control, format or blank-looking
    characters, without surrounding blanks (None stays None; text that was only invisible becomes "").

    Line breaks and tabs are kept (U+2028/U+2029 become a line break), or, with ``single_line`` (names, codes,
    anything shown on one line), each run of them becomes one space.
    """
    if value is None:
        return None
    kept = []
    for ch in unicodedata.normalize("NFC", value):
        ch = _SEPARATORS.get(ch, ch)
        if ch in _KEPT_CONTROLS or (unicodedata.category(ch) not in _REMOVED_CATEGORIES and ch not in _BLANK_LOOKING):
            kept.append(ch)
    text = "".join(kept).strip()
    return _LINE_BREAKS.sub(" ", text) if single_line else text


def max_length(column: object) -> int:
    """The length of a ``String(n)`` model column (``Item.name``), the limit its forms and services enforce."""
    length = getattr(sa.inspect(column).expression.type, "length", None)
    if length is None:
        raise TypeError(f"{column} has no length")
    return length
