"""Masking of applicants' personal data for public pages (tracking): names, ID numbers, phone numbers.

One module so every public page masks the same way. Staff pages in scope show the full data instead.
"""

from __future__ import annotations

MASK = "*"


def mask_name(name: str) -> str:
    """Keep the first character, hide the rest with at most two stars: 张三 -> 张*, 欧阳娜娜 -> 欧**.

    Capping the stars also hides the length of long names. A one-character name is hidden entirely.
    """
    name = (name or "").strip()
    if not name:
        return ""
    if len(name) == 1:
        return MASK
    return name[0] + MASK * min(len(name) - 1, 2)


def _keep_ends(value: str, head: int, tail: int) -> str:
    value = "".join((value or "").split())
    if not value:
        return ""
    if len(value) <= head + tail:
        return MASK * len(value)
    return value[:head] + MASK * (len(value) - head - tail) + value[-tail:]


def mask_id_number(id_number: str) -> str:
    """Keep the first 3 and the last 4 characters: 330102199001011234 -> 330***********1234."""
    return _keep_ends(id_number, 3, 4)


def mask_phone(phone: str) -> str:
    """Keep the first 3 and the last 4 digits: 13800000000 -> 138****0000."""
    return _keep_ends(phone, 3, 4)
