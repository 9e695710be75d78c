"""Masking of applicants' personal data: names, ID numbers, phone numbers.

One module so every page masks the same way. Public pages (tracking) mask all three. Staff pages in scope show
the full data to the staff who handle cases (clerks, reviewers, heads) and to the oversight roles that answer
for them (manager, supervisor); the administrator, who manages configuration and accounts, sees the applicant's
name but the ID number and phone masked (least privilege): :func:`shown_id_number`, :func:`shown_phone`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import User

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


def sees_full_identity(user: User) -> bool:
    """Whether ``user`` sees applicants' full ID numbers and phones on staff pages: everyone but the administrator."""
    from .models import Role

    return user.role != Role.ADMIN


def shown_id_number(id_number: str | None, user: User) -> str:
    """The ID number as ``user`` may see it on a staff page (a page, a list, a notice, an export)."""
    return (id_number or "") if sees_full_identity(user) else mask_id_number(id_number or "")


def shown_phone(phone: str | None, user: User) -> str:
    """The phone number as ``user`` may see it on a staff page."""
    return (phone or "") if sees_full_identity(user) else mask_phone(phone or "")
