"""The centre's working-day calendar (from the database) and the due dates of cases.

The calendar is the national schedule from ``chinese-calendar`` plus what the centre stores: days it marks
off or worked (local closures, next year's schedule once published) and the years it declares published.
It is built once per change (a cheap stamp query tells) and shared; working-day arithmetic is a lookup.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from workflows.clock import (
    Extension,
    Pause,
    WorkCalendar,
    compute_due_dates,
    counting_start,
    deemed_acceptance_date,
    default_calendar,
    delivery_due,
    due_date,
    working_days_left,
    working_days_used,
)

from ..extensions import db
from ..models import (
    CalendarDay,
    CalendarSource,
    CalendarYear,
    Case,
    CaseExtension,
    CasePause,
    CaseStep,
    ExtensionStatus,
    StepStatus,
    utcnow,
)

_lock = threading.Lock()
_cached: tuple[tuple, WorkCalendar] | None = None


def local_now() -> datetime:
    """Now in the centre's time zone (deadlines are counted in local working days)."""
    tz = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    return utcnow().astimezone(ZoneInfo(tz))


def local_today() -> date:
    return local_now().date()


def _stamp() -> tuple:
    """What changes whenever the stored calendar changes (one query)."""
    row = db.session.execute(sa.select(
        sa.select(sa.func.count()).select_from(CalendarDay).scalar_subquery(),
        sa.select(sa.func.max(CalendarDay.updated_at)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(CalendarYear).scalar_subquery(),
        sa.select(sa.func.max(CalendarYear.updated_at)).scalar_subquery(),
    )).one()
    return (db.engine.url.render_as_string(), *row)


def work_calendar() -> WorkCalendar:
    """The calendar in force: the package's schedule overridden by the stored days and published years.

    Checked once per session (request or job): the session remembers it, whether it was built or found in the
    process-wide cache, until a calendar change here or a rollback.
    """
    global _cached
    remembered = db.session.info.get("work_calendar")
    if remembered is not None:
        return remembered
    stamp = _stamp()
    cached = _cached
    if cached is not None and cached[0] == stamp:
        calendar = cached[1]
    else:
        with _lock:
            rows = db.session.execute(sa.select(CalendarDay.day, CalendarDay.is_workday).order_by(CalendarDay.day))
            years = db.session.scalars(sa.select(CalendarYear.year)).all()
            calendar = default_calendar().with_overrides([(d, w) for d, w in rows]).with_published_years(years)
            _cached = (stamp, calendar)
    db.session.info["work_calendar"] = calendar
    return calendar


def forget_calendar() -> None:
    db.session.info.pop("work_calendar", None)


@sa.event.listens_for(sa.orm.Session, "after_soft_rollback")
def _forget_calendar_on_rollback(session: sa.orm.Session, previous_transaction: sa.orm.SessionTransaction) -> None:
    """A rolled-back calendar change must not stay remembered (the session may go on after a rollback)."""
    session.info.pop("work_calendar", None)


def seed_calendar_from_package(first_year: int | None = None) -> int:
    """Store the package's holidays and make-up workdays (from ``first_year``) and mark those years published.

    Idempotent: days the centre already stored (any source) are kept. Returns the number of days added.
    """
    from chinese_calendar import constants

    first_year = first_year or local_today().year - 2
    existing = set(db.session.scalars(sa.select(CalendarDay.day)))
    rows = [
        {"day": d, "is_workday": worked, "note": name or "", "source": CalendarSource.PACKAGE}
        for table, worked in ((constants.holidays, False), (constants.workdays, True))
        for d, name in table.items()
        if d.year >= first_year and d not in existing
    ]
    now = utcnow()
    for row in rows:
        row.update(created_at=now, updated_at=now)
    if rows:
        db.session.execute(sa.insert(CalendarDay), rows)
    years = {d.year for d in constants.holidays if d.year >= first_year}
    known = set(db.session.scalars(sa.select(CalendarYear.year)))
    for year in sorted(years - known):
        db.session.add(CalendarYear(year=year, source=CalendarSource.PACKAGE))
    db.session.flush()
    forget_calendar()
    return len(rows)


def set_calendar_day(day: date, is_workday: bool, note: str = "", *, today: date | None = None) -> int:
    """Mark ``day`` worked or off (a local closure, a published make-up day) and recompute open deadlines.

    Returns the number of open cases whose due dates were recomputed.
    """
    row = db.session.get(CalendarDay, day)
    if row is None:
        db.session.add(CalendarDay(day=day, is_workday=is_workday, note=note, source=CalendarSource.LOCAL))
    else:
        row.is_workday, row.note, row.source = is_workday, note, CalendarSource.LOCAL
    db.session.flush()
    forget_calendar()
    return recompute_open_deadlines(today=today)


def publish_year(year: int, *, today: date | None = None) -> int:
    """Declare ``year``'s schedule complete (enter its days first); deadlines in it stop being provisional."""
    if db.session.get(CalendarYear, year) is None:
        db.session.add(CalendarYear(year=year, source=CalendarSource.PUBLISHED))
        db.session.flush()
        forget_calendar()
    return recompute_open_deadlines(today=today)


def missing_years(through: date) -> list[int]:
    """Unpublished years from this year through ``through`` (for the admin's warning)."""
    return work_calendar().missing_years(through, since=local_today())


# -- case deadlines ------------------------------------------------------------------------------------------


def anchor(clock_start: date) -> date:
    """The day a clock started on ``clock_start`` counts from (CLOCK_COUNTS_START_DAY; default: the day after)."""
    return counting_start(clock_start, counts_start_day=current_app.config["CLOCK_COUNTS_START_DAY"])


def counted_due(clock_start: date, limit: int, calendar: WorkCalendar, *, pauses: list[Pause] | None = None,
                extensions: list[Extension] | None = None, as_of: date | None = None) -> date:
    """:func:`workflows.clock.due_date` from ``clock_start`` under the centre's setting; never before that day."""
    due = due_date(anchor(clock_start), limit, calendar, pauses=pauses or (), extensions=extensions or (),
                   as_of=as_of)
    return max(due, clock_start)


def _case_due(case_start: date, promised: int, statutory: int, pauses: list[Pause], extensions: list[Extension],
              calendar: WorkCalendar, today: date) -> tuple[date, date, bool, bool]:
    """Promised and statutory due dates, and whether each is provisional (counted into an unpublished year)."""
    dates = compute_due_dates(anchor(case_start), promised, statutory, calendar, pauses=pauses,
                              extensions=extensions, as_of=today)
    return (max(dates.promised, case_start), max(dates.statutory, case_start), dates.promised_provisional,
            dates.statutory_provisional)


def _ledger(case: Case) -> tuple[list[Pause], list[Extension]]:
    """Approved special procedures (started; a request or a refusal never is) and extensions, for the clock."""
    return ([Pause(p.started_on, p.ended_on) for p in case.pauses if p.started_on is not None],
            [Extension(e.days) for e in case.extensions if e.status == ExtensionStatus.APPROVED])


def due_dates_on(case: Case, today: date, calendar: WorkCalendar | None = None) -> tuple[date, date, bool] | None:
    """Promised and statutory due dates (and whether provisional) on ``today``; None before the clock starts."""
    if case.clock_start_on is None:
        return None
    pauses, extensions = _ledger(case)
    return _case_due(case.clock_start_on, case.promised_limit_days, case.statutory_limit_days, pauses, extensions,
                     calendar or work_calendar(), today)[:3]


def refresh_due_dates(case: Case, *, today: date | None = None, calendar: WorkCalendar | None = None) -> None:
    """Recompute the case's and its pending steps' due dates from its clock start, pauses and extensions (an
    approved extension gives the departments still at work the same days)."""
    today = today or local_today()
    calendar = calendar or work_calendar()
    if case.clock_start_on is None:
        case.due_promised = case.due_statutory = None
        case.due_provisional = case.due_statutory_provisional = False
        return
    pauses, extensions = _ledger(case)
    case.due_promised, case.due_statutory, case.due_provisional, case.due_statutory_provisional = _case_due(
        case.clock_start_on, case.promised_limit_days, case.statutory_limit_days, pauses, extensions, calendar,
        today,
    )
    for step in case.steps:
        if step.status == StepStatus.PENDING:
            step.due_on = step_due_on(case, step.started_on, step.limit_days, today=today, calendar=calendar,
                                      ledger=(pauses, extensions))


def step_due_on(case: Case, started_on: date, limit: int, *, today: date, calendar: WorkCalendar | None = None,
                ledger: tuple[list[Pause], list[Extension]] | None = None) -> date:
    """A department's step started on ``started_on`` with ``limit`` working days: due then, with the case's
    pauses and extensions, and never after the case's promised date (the lead needs the opinions in time)."""
    pauses, extensions = ledger or _ledger(case)
    due = counted_due(started_on, limit, calendar or work_calendar(), pauses=pauses, extensions=extensions,
                      as_of=today)
    return min(due, case.due_promised) if case.due_promised is not None else due


@dataclass(frozen=True)
class ClockReading:
    """Working days used, and left on the promised and statutory limits (negative: overdue by that many)."""

    used: int
    left_promised: int
    left_statutory: int


def read_clock(case: Case, *, today: date | None = None) -> ClockReading | None:
    """The working days a case has used and has left today; None before its clock starts or after it stops
    (the decision, or the end of the case)."""
    if case.clock_start_on is None or not case.in_progress or case.decided_on is not None:
        return None
    today = today or local_today()
    calendar = work_calendar()
    pauses, extensions = _ledger(case)
    due_promised, due_statutory, *_provisional = _case_due(
        case.clock_start_on, case.promised_limit_days, case.statutory_limit_days, pauses, extensions, calendar, today)
    return ClockReading(used=working_days_used(anchor(case.clock_start_on), pauses, today, calendar),
                        left_promised=working_days_left(due_promised, today, calendar),
                        left_statutory=working_days_left(due_statutory, today, calendar))


def recompute_open_deadlines(*, today: date | None = None) -> int:
    """Recompute the due dates of every open case with a running clock (after a calendar change).

    Set-based: three queries load the clocks, pauses and approved extensions; the dates are computed by
    lookup and written back in one executemany. Returns the number of cases recomputed.
    """
    today = today or local_today()
    calendar = work_calendar()
    clocks = db.session.execute(
        sa.select(Case.id, Case.clock_start_on, Case.promised_limit_days, Case.statutory_limit_days).where(
            Case.in_progress, Case.clock_start_on.is_not(None)
        )
    ).all()
    if not clocks:
        return 0
    open_ids = sa.select(Case.id).where(Case.in_progress, Case.clock_start_on.is_not(None)).scalar_subquery()
    pauses: dict[int, list[Pause]] = {}
    for case_id, start, end in db.session.execute(
        sa.select(CasePause.case_id, CasePause.started_on, CasePause.ended_on).where(
            CasePause.case_id.in_(open_ids), CasePause.started_on.is_not(None))):
        pauses.setdefault(case_id, []).append(Pause(start, end))
    extensions: dict[int, list[Extension]] = {}
    for case_id, days in db.session.execute(
        sa.select(CaseExtension.case_id, CaseExtension.days).where(
            CaseExtension.case_id.in_(open_ids), CaseExtension.status == ExtensionStatus.APPROVED
        )
    ):
        extensions.setdefault(case_id, []).append(Extension(days))
    case_rows = []
    for case_id, start, promised, statutory in clocks:
        due_p, due_s, provisional_p, provisional_s = _case_due(
            start, promised, statutory, pauses.get(case_id, []), extensions.get(case_id, []), calendar, today
        )
        case_rows.append({"b_id": case_id, "due_promised": due_p, "due_statutory": due_s,
                          "due_provisional": provisional_p, "due_statutory_provisional": provisional_s})
    _update_rows(Case.__table__, case_rows)
    promised_by_case = {row["b_id"]: row["due_promised"] for row in case_rows}
    step_rows = []
    for step_id, case_id, started, limit in db.session.execute(
        sa.select(CaseStep.id, CaseStep.case_id, CaseStep.started_on, CaseStep.limit_days).where(
            CaseStep.case_id.in_(open_ids), CaseStep.status == StepStatus.PENDING
        )
    ):
        due = counted_due(started, limit, calendar, pauses=pauses.get(case_id, []),
                          extensions=extensions.get(case_id, []), as_of=today)
        step_rows.append({"b_id": step_id, "due_on": min(due, promised_by_case[case_id])})
    _update_rows(CaseStep.__table__, step_rows)
    _recompute_receipt_and_delivery_dates(calendar)
    db.session.expire_all()
    return len(case_rows)


def _update_rows(table: sa.Table, rows: list[dict[str, object]]) -> None:
    """One executemany UPDATE of ``table``: each row is ``b_id`` (the id) and the columns to set."""
    if rows:
        columns = [key for key in rows[0] if key != "b_id"]
        db.session.execute(table.update().where(table.c.id == sa.bindparam("b_id"))
                           .values({column: sa.bindparam(column) for column in columns}), rows)


def _recompute_receipt_and_delivery_dates(calendar: WorkCalendar) -> None:
    """The last day for a supplement notice and the delivery date of undelivered grants follow the calendar."""
    _update_rows(Case.__table__, [
        {"b_id": case_id, "deemed_acceptance_on": deemed_acceptance_date(received_on, calendar)}
        for case_id, received_on in db.session.execute(
            sa.select(Case.id, Case.received_on).where(Case.in_progress, Case.deemed_acceptance_on.is_not(None),
                                                       Case.clock_start_on.is_(None)))
    ])
    _update_rows(Case.__table__, [
        {"b_id": case_id, "due_delivery": delivery_due(decided_on, calendar)}
        for case_id, decided_on in db.session.execute(
            sa.select(Case.id, Case.decided_on).where(Case.in_progress, Case.due_delivery.is_not(None),
                                                      Case.delivered_on.is_(None)))
    ])
