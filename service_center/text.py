"""Cleaning free text typed or pasted by people: one rule for the forms and the services."""

from __future__ import annotations

import unicodedata

# Control and format characters (zero-width spaces, bidirectional overrides ...) are invisible, or reorder
# what is shown: a name made of them looks empty or like another. Line breaks and tabs are kept.
_KEPT_CONTROLS = frozenset("\n\r\t")


def clean_text(value: str | None) -> str | None:
    """``value`` without invisible control or format characters and surrounding blanks (None stays None)."""
    if value is None:
        return None
    visible = "".join(
        ch for ch in value if ch in _KEPT_CONTROLS or unicodedata.category(ch) not in ("Cc", "Cf")
    )
    return visible.strip()
