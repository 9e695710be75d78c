"""Applicants' identity numbers, checked with python-stdnum: the 18-digit resident identity card number
(居民身份证号码, GB 11643, ``stdnum.cn.ric``) for persons, the unified social credit code (统一社会信用代码,
GB 32100, ``stdnum.cn.uscc``) for organisations.

A resident ID is checked for its length, digits, check digit (ISO 7064 MOD 11-2), a real birth date not in the
future and a known province. stdnum's own ``ric.validate`` also requires the county code to have existed in the
birth year (its GB2260 table); people keep the code of the place where their number was first issued, so real
numbers fail that test (python-stdnum issue #442, e.g. 510104 for anyone born before 1990): a window must never
turn a real applicant away, so that one check is left out.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.util import isdigits

from .models import ApplicantKind


class InvalidIdNumber(ValueError):
    """The number is not a valid identity number of the applicant's kind (the message says why)."""


def _province_known(number: str) -> bool:
    return any("province" in props for _part, props in numdb.get("cn/loc").info(number[:2]))


def checked_resident_id(raw: str, *, today: date | None = None) -> str:
    """The resident ID number in its compact form (upper-case X), or :class:`InvalidIdNumber`."""
    number = ric.compact(raw)
    if len(number) != 18 or not isdigits(number[:-1]) or not (isdigits(number[-1]) or number[-1] == "X"):
        raise InvalidIdNumber(_("A resident ID number has 18 characters: 17 digits and a digit or X."))
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidIdNumber(_("This resident ID number is wrong: its check digit does not match."))
    try:
        born = ric.get_birth_date(number)
    except ValidationError:
        born = None
    if born is None or born.year < 1900 or born > (today or date.today()):
        raise InvalidIdNumber(_("This resident ID number does not contain a valid birth date."))
    if not _province_known(number):
        raise InvalidIdNumber(_("This resident ID number does not start with a province code."))
    return number


def checked_credit_code(raw: str) -> str:
    """The unified social credit code in its compact form, or :class:`InvalidIdNumber`."""
    try:
        return uscc.validate(raw)
    except InvalidChecksum:
        raise InvalidIdNumber(_("This unified social credit code is wrong: its check character does not "
                                "match.")) from None
    except ValidationError:
        raise InvalidIdNumber(_("A unified social credit code has 18 characters: digits and capital letters "
                                "(not I, O, S, V or Z).")) from None


def checked_id_number(kind: ApplicantKind, raw: str, *, today: date | None = None) -> str:
    """The applicant's identity number checked for their kind and compacted; an empty number stays empty."""
    if not raw.strip():
        return ""
    if kind == ApplicantKind.ORGANISATION:
        return checked_credit_code(raw)
    return checked_resident_id(raw, today=today)
