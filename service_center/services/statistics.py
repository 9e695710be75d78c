"""The daily statistics rollup (#11): rewrite the ``stat_daily`` rows of a range of days, set-based.

:func:`refresh_days` deletes the range's rows and inserts them again with one ``INSERT ... SELECT`` over a
``UNION ALL`` of the facts, each counted on its day (see :mod:`service_center.models.statistics` and
docs/STATISTICS.md), grouped by (day, window, department, item version, clerk); in the caller's transaction,
serialised against other refreshes (PostgreSQL: a transaction-level advisory lock; SQLite writes one at a time),
so it is idempotent and a rebuild gives what the incremental path gives. Working days to close are a difference of
two ``stat_days`` ordinals, rewritten first for the days the statement reads. Overdue-open is the read side's rule
(:func:`queries.deadlines.overdue_promised_on`) judged on each day of the range.

:func:`days_touched_since` finds the past days whose rows a change since a moment made stale (a case received,
accepted or closed on them and changed since, a card or rating appeal decided since, a rating given since to a
case closed on them, a rectification changed since): the job refreshes those besides today and yesterday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from workflows.registry import workflow_keys

from ..extensions import db
from ..models import (
    BAD_LEVELS,
    AppealStatus,
    CardAppeal,
    Case,
    CaseType,
    DailyStat,
    Rating,
    RatingLevel,
    StatDay,
    WarningCard,
    WarningLevel,
)
from ..models.ratings import RatingAppeal, RatingAppealStatus
from ..models.statistics import DIMENSIONS, MEASURES
from ..queries.deadlines import clock_stopped_on, overdue_promised_on
from .clock import work_calendar

EPOCH = date(2000, 1, 1)  # stat_days ordinals count the working days after this day
LOCK_KEY = 11_0001  # the advisory lock serialising refreshes on PostgreSQL

_stat_days = StatDay.__table__
_daily = DailyStat.__table__


def _count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.case((condition, 1), else_=0)


def _fact(day: sa.ColumnElement, window: sa.ColumnElement, department: sa.ColumnElement,
          item: sa.ColumnElement, clerk: sa.ColumnElement, **measures: sa.ColumnElement) -> list[sa.ColumnElement]:
    """The columns of one kind of fact: its dimensions, the measures it gives and 0 for the others."""
    unknown = set(measures) - set(MEASURES)
    if unknown:
        raise ValueError(f"unknown measures {sorted(unknown)}")
    return [day.label("day"), window.label("window_id"), department.label("department_id"), item.label("item_id"),
            clerk.label("clerk_id"),
            *(measures.get(name, sa.literal(0)).label(name) for name in MEASURES)]


def _timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))


def _start_of(day: date) -> datetime:
    """The first moment of ``day`` in the centre's time zone (aware)."""
    return datetime(day.year, day.month, day.day, tzinfo=_timezone())


def local_day(moment: sa.ColumnElement) -> sa.ColumnElement[date]:
    """The centre's date of a stored UTC timestamp, in SQL (SQLite: the zone's offset now; the centre's zone,
    Asia/Shanghai, keeps no daylight saving time)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.timezone(_timezone().key, moment), sa.Date)
    offset = int(datetime.now(_timezone()).utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
    return sa.func.date(moment, f"{offset:+d} minutes")


# -- the facts ---------------------------------------------------------------------------------------------------


def _active_rating() -> sa.ColumnElement[bool]:
    """A rating that counts in the rates: given by the applicant (not a default) and not revoked on appeal."""
    return sa.and_(~Rating.is_default, ~_revoked_rating())


def _revoked_rating() -> sa.Exists:
    return sa.exists().where(RatingAppeal.rating_id == Rating.id,
                             RatingAppeal.status == RatingAppealStatus.REVOKED).correlate_except(RatingAppeal)


def _applications() -> sa.ColumnElement[bool]:
    return Case.workflow_key.in_(workflow_keys(kind="application"))


def _case_dims(day: sa.ColumnElement, **measures: sa.ColumnElement) -> list[sa.ColumnElement]:
    return _fact(day, Case.window_id, Case.department_id, Case.item_id, Case.first_contact_id, **measures)


@dataclass(frozen=True)
class _DaysJoin:
    table: sa.FromClause
    on: sa.ColumnElement[bool]
    day: sa.ColumnElement[date]


def _days_between(after: sa.ColumnElement, before: sa.ColumnElement, first: date, last: date) -> _DaysJoin:
    """The ``stat_days`` strictly between two date columns of the enclosing row, within ``first`` .. ``last``. On
    PostgreSQL a LATERAL subquery, so each row reads its own index range (a plain join is planned as every row
    against every day); SQLite's nested loop reads the index range of a plain join by itself."""
    days = sa.orm.aliased(StatDay)
    inside = sa.and_(days.day > after, days.day < before, days.day.between(first, last))
    if db.session.get_bind().dialect.name == "postgresql":
        lateral = sa.select(days.day).where(inside).offset(0).lateral("overdue_days")  # OFFSET 0: kept apart
        return _DaysJoin(lateral, sa.true(), lateral.c.day)
    return _DaysJoin(days, inside, days.day)


def facts(first: date, last: date) -> dict[str, sa.Select]:
    """One SELECT per kind of fact for the days from ``first`` to ``last``: received (and instant), accepted,
    closed (and its timeliness), closed_rated, overdue_open (one row per case and day), cards, ratings,
    complaints."""
    in_range = lambda column: column.between(first, last)  # noqa: E731
    received = sa.select(*_case_dims(Case.received_on, received=sa.literal(1),
                                     instant=_count(Case.case_type == CaseType.INSTANT))).where(
        _applications(), in_range(Case.received_on))
    accepted = sa.select(*_case_dims(Case.accepted_on, accepted=sa.literal(1))).where(
        _applications(), in_range(Case.accepted_on))

    start, end = sa.orm.aliased(StatDay), sa.orm.aliased(StatDay)
    stopped = clock_stopped_on()
    rated = sa.exists().where(Rating.case_id == Case.id, _active_rating()).correlate_except(Rating, RatingAppeal)
    closed = sa.select(*_case_dims(
        Case.closed_on, closed=sa.literal(1),
        closed_on_time_promised=_count(stopped <= Case.due_promised),
        closed_on_time_statutory=_count(stopped <= Case.due_statutory),
        overdue_closed=_count(stopped > Case.due_promised),
        working_days_to_close=end.ordinal - start.ordinal,
    )).join(start, start.day == Case.accepted_on).join(end, end.day == Case.closed_on).where(
        _applications(), Case.accepted_on.is_not(None), in_range(Case.closed_on))
    # Apart, with the rating test in WHERE: a semi-join reading the ratings of these cases only.
    closed_rated = sa.select(*_case_dims(Case.closed_on, closed_rated=sa.literal(1))).where(
        _applications(), Case.accepted_on.is_not(None), in_range(Case.closed_on), rated)

    overdue_days = _days_between(Case.due_promised, sa.func.coalesce(stopped, last + timedelta(days=1)), first, last)
    overdue = sa.select(*_case_dims(overdue_days.day, overdue_open=sa.literal(1))).join(
        overdue_days.table, overdue_days.on).where(
        _applications(), Case.due_promised < last, sa.or_(stopped.is_(None), stopped > first),
        # the same cases, in words the indexes answer (open; decided or closed since ``first``):
        sa.or_(Case.in_progress, Case.decided_on > first, Case.closed_on > first),
        overdue_promised_on(overdue_days.day))

    card_case = sa.orm.aliased(Case)
    revoked_card = sa.exists().where(CardAppeal.card_id == WarningCard.id,
                                     CardAppeal.status == AppealStatus.REVOKED).correlate_except(CardAppeal)
    level = lambda name: _count(sa.and_(WarningCard.level == name, ~revoked_card))  # noqa: E731
    cards = sa.select(*_fact(
        WarningCard.judged_on, WarningCard.window_id, WarningCard.department_id, card_case.item_id,
        WarningCard.handler_id, cards_reminder=level(WarningLevel.REMINDER), cards_yellow=level(WarningLevel.YELLOW),
        cards_red=level(WarningLevel.RED), cards_revoked=_count(revoked_card),
    )).join(card_case, card_case.id == WarningCard.case_id).where(in_range(WarningCard.judged_on))

    rectification = sa.orm.aliased(Case)
    active = _active_rating()
    per_level = {f"ratings_{lvl.value}": _count(sa.and_(active, Rating.level == lvl)) for lvl in RatingLevel}
    ratings = sa.select(*_fact(
        local_day(Rating.rated_at), sa.func.coalesce(Rating.window_id, Case.window_id), Case.department_id,
        Case.item_id, Case.first_contact_id, **per_level,
        ratings_default=_count(sa.and_(Rating.is_default, ~_revoked_rating())),
        ratings_revoked=_count(_revoked_rating()),
        bad_rectified=_count(sa.and_(active, Rating.level.in_(BAD_LEVELS), rectification.in_progress.is_(False))),
    )).join(Case, Case.id == Rating.case_id).outerjoin(
        rectification, rectification.id == Rating.rectification_id).where(
        _applications(), Rating.rated_at >= _start_of(first), Rating.rated_at < _start_of(last + timedelta(days=1)))

    complaints = sa.select(*_fact(Case.received_on, Case.window_id, Case.department_id, Case.item_id,
                                  sa.null(), complaints=sa.literal(1))).where(
        Case.workflow_key.in_(workflow_keys(kind="complaint")), in_range(Case.received_on))
    return {"received": received, "accepted": accepted, "closed": closed, "closed_rated": closed_rated,
            "overdue_open": overdue, "cards": cards, "ratings": ratings, "complaints": complaints}


# -- the refresh -------------------------------------------------------------------------------------------------


def _lock() -> None:
    """Serialise refreshes (PostgreSQL); and no JIT compilation for this transaction: the statement's estimated
    cost (its correlated subqueries) would have PostgreSQL spend seconds compiling what runs in a fraction of it."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK_KEY)))
        db.session.execute(sa.text("SET LOCAL jit = off"))


def _write_days(first: date, last: date) -> None:
    """Rewrite the ``stat_days`` rows from the earliest acceptance of a case closed in the range to ``last``."""
    earliest = db.session.scalar(sa.select(sa.func.min(Case.accepted_on)).where(
        Case.closed_on.between(first, last), Case.accepted_on.is_not(None)))
    start = min(first, earliest) if earliest else first
    calendar = work_calendar()
    rows, day = [], start
    while day <= last:
        rows.append({"day": day, "ordinal": calendar.working_days_after(EPOCH, day)})
        day += timedelta(days=1)
    db.session.execute(sa.delete(_stat_days).where(_stat_days.c.day.between(start, last)))
    db.session.execute(sa.insert(_stat_days), rows)


def refresh_days(first: date, last: date) -> int:
    """Rewrite the rollup rows of the days from ``first`` to ``last`` (inclusive) in the current transaction;
    returns the number of rows written. The caller commits."""
    if last < first:
        raise ValueError(f"empty range {first} .. {last}")
    _lock()
    _write_days(first, last)
    db.session.execute(sa.delete(_daily).where(_daily.c.day.between(first, last)))
    union = sa.union_all(*facts(first, last).values()).subquery("facts")
    keys = [union.c.day, *(union.c[d] for d in DIMENSIONS)]
    summed = sa.select(*keys, *(sa.func.sum(union.c[m]).label(m) for m in MEASURES)).group_by(*keys)
    db.session.execute(sa.insert(_daily).from_select(["day", *DIMENSIONS, *MEASURES], summed))
    return db.session.scalar(sa.select(sa.func.count()).where(_daily.c.day.between(first, last)))


def days_touched_since(moment: datetime, before: date) -> set[date]:
    """Past days (before ``before``) whose rows may have changed since ``moment`` (see the module docstring)."""
    changed = sa.select(Case.id, Case.received_on, Case.accepted_on, Case.closed_on).where(
        Case.updated_at >= moment).cte("changed")  # one scan of the cases, read by four branches
    rated_case = sa.orm.aliased(Case)
    queries = [
        *(sa.select(changed.c[column]).where(changed.c[column].is_not(None)) for column in
          ("received_on", "accepted_on", "closed_on")),
        sa.select(WarningCard.judged_on).join(CardAppeal, CardAppeal.card_id == WarningCard.id).where(
            CardAppeal.decided_at >= moment),
        sa.select(local_day(Rating.rated_at)).join(RatingAppeal, RatingAppeal.rating_id == Rating.id).where(
            RatingAppeal.decided_at >= moment),
        sa.select(rated_case.closed_on).join(Rating, Rating.case_id == rated_case.id).where(
            Rating.rated_at >= moment),
        sa.select(local_day(Rating.rated_at)).join(changed, changed.c.id == Rating.rectification_id),
    ]
    found = (d if isinstance(d, date) else date.fromisoformat(d) for d in db.session.scalars(sa.union(*queries)))
    return {d for d in found if d is not None and d < before}


def refresh_current(now: datetime, since: datetime | None) -> dict[str, int]:
    """The incremental path: today and yesterday (centre time) and the past days changed since ``since`` (the
    previous refresh's start; None: none known), one transaction per run of consecutive days."""
    today = now.astimezone(_timezone()).date()
    days = {today, today - timedelta(days=1)}
    if since is not None:
        days |= days_touched_since(since, today)
    rows = 0
    for first, last in contiguous(days):
        rows += refresh_days(first, last)
        db.session.commit()
    return {"days": len(days), "rows": rows}


def contiguous(days: set[date]) -> list[tuple[date, date]]:
    """``days`` as sorted inclusive ranges of consecutive days."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(days):
        if ranges and ranges[-1][1] + timedelta(days=1) == day:
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges
