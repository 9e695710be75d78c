"""Published results (办件结果公示): the decisions listed publicly, for the /results page and the API.

A case is listed when it was decided (granted or not granted) on an item whose current version publishes its
results (``Item.publish_results``), from its decision day for ``Item.publish_days`` calendar days. The item's
current version (published, or retired) decides for every case of the item, so turning publication off hides
the item's past decisions at once. What is shown of the applicant: a person's name masked (张*), an
organisation's name in full; identity numbers and phones never (they are not even loaded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased, contains_eager, load_only
from sqlalchemy.sql.functions import FunctionElement

from ..masking import mask_name
from ..models import ApplicantKind, Case, CaseOutcome, Department, Item, ItemStatus
from .catalogue import item_search_clause

OUTCOME_LABELS = {
    CaseOutcome.GRANTED: _l("Granted"),
    CaseOutcome.DENIED: _l("Not granted"),
}
PUBLISHED_OUTCOMES = tuple(OUTCOME_LABELS)


class days_before(FunctionElement[date]):  # noqa: N801  (an SQL function, named as one)
    """``day`` minus ``days`` calendar days, where ``days`` is a column: per-row date arithmetic, which the two
    databases spell differently."""

    type = sa.Date()
    inherit_cache = True
    name = "days_before"


@compiles(days_before)
def _days_before_postgresql(element: days_before, compiler: sa.sql.compiler.SQLCompiler, **kw: object) -> str:
    day, days = list(element.clauses)
    return f"(CAST({compiler.process(day, **kw)} AS DATE) - {compiler.process(days, **kw)})"


@compiles(days_before, "sqlite")
def _days_before_sqlite(element: days_before, compiler: sa.sql.compiler.SQLCompiler, **kw: object) -> str:
    day, days = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, '-' || {compiler.process(days, **kw)} || ' days')"


@dataclass(frozen=True)
class ResultFilters:
    """What the published results are narrowed to (every part optional); the date range is inclusive."""

    item: str = ""  # words matched against the item's name, keywords, their pinyin, or its code
    department_id: int | None = None
    decided_from: date | None = None
    decided_to: date | None = None


@dataclass(frozen=True)
class PublishedResult:
    """One listed decision, as the public may see it."""

    number: str
    item_name: str
    item_code: str
    department: str
    outcome: CaseOutcome
    outcome_label: str
    decided_on: date
    applicant: str  # masked for a person, in full for an organisation


def shown_applicant(kind: ApplicantKind | str, name: str) -> str:
    """The applicant as published: an organisation's name in full, a person's masked (张三 -> 张*)."""
    return name if kind == ApplicantKind.ORGANISATION else mask_name(name)


_VERSION = aliased(Item, name="version")  # the version the case was received under (its name is what was applied for)
_CURRENT = aliased(Item, name="current")  # the item's current version: its settings decide
_NEWER = aliased(Item, name="newer")
_SHOWN = (ItemStatus.PUBLISHED, ItemStatus.RETIRED)


def published_results(today: date, filters: ResultFilters = ResultFilters()) -> sa.Select:
    """The listed decisions as of ``today``, newest decision first: a select of :class:`Case` with its item
    version and department loaded (turn each into a :class:`PublishedResult` with :func:`published_result`)."""
    version, current, newer, shown = _VERSION, _CURRENT, _NEWER, _SHOWN
    query = (
        sa.select(Case)
        .join(version, version.id == Case.item_id)
        .join(current, sa.and_(current.code == version.code, current.status.in_(shown)))
        .join(Department, Department.id == Case.department_id)
        .where(
            ~sa.exists().where(newer.code == current.code, newer.version > current.version, newer.status.in_(shown)),
            current.publish_results.is_(True),
            Case.outcome.in_(PUBLISHED_OUTCOMES),
            Case.decided_on.is_not(None),
            Case.decided_on <= today,
            Case.decided_on >= days_before(sa.literal(today, sa.Date()), current.publish_days),
            # The same bound for the longest window of any item, computed once: a range over the decided_on index.
            Case.decided_on >= days_before(sa.literal(today, sa.Date()), _longest_window()),
        )
        .options(
            # Only what is published is loaded: identity numbers and phones never leave the database.
            load_only(Case.id, Case.number, Case.item_id, Case.department_id, Case.outcome, Case.decided_on,
                      Case.applicant_kind, Case.applicant_name),
            contains_eager(Case.item.of_type(version)).load_only(version.name, version.code),
            contains_eager(Case.department).load_only(Department.name),
        )
        .order_by(Case.decided_on.desc(), Case.id.desc())
    )
    f = filters
    if f.item:
        query = query.where(item_search_clause(version, f.item))
    if f.department_id is not None:
        query = query.where(Case.department_id == f.department_id)
    if f.decided_from is not None:
        query = query.where(Case.decided_on >= f.decided_from)
    if f.decided_to is not None:
        query = query.where(Case.decided_on <= f.decided_to)
    return query


def _longest_window() -> sa.ScalarSelect:
    """The longest publication window of any item that publishes its results (0 when none does)."""
    return (sa.select(sa.func.coalesce(sa.func.max(Item.publish_days), 0))
            .where(Item.publish_results.is_(True)).scalar_subquery())


def published_result(case: Case) -> PublishedResult:
    """What the public sees of a case listed by :func:`published_results`."""
    item = case.item
    return PublishedResult(
        number=case.number,
        item_name=item.name if item else "",
        item_code=item.code if item else "",
        department=case.department.name,
        outcome=CaseOutcome(case.outcome),
        outcome_label=str(OUTCOME_LABELS[CaseOutcome(case.outcome)]),
        decided_on=case.decided_on,  # type: ignore[arg-type]  (listed cases are decided)
        applicant=shown_applicant(case.applicant_kind, case.applicant_name),
    )
