"""What counts as overdue or due soon, for cases and for departments' steps: one rule each, as SQL predicates
over the stored (indexed) due dates. Lists, counts, badges and sweeps all use these; the badges of a page are
the same predicates evaluated for its ids.

- A case is overdue (超期) when it is open and undecided, its clock has started, its promised (or statutory)
  due date has passed, and no special procedure that started by that due date is still running (one that
  started later does not make an overdue case timely again).
- A department's step is overdue when it is still pending, the case is open and undecided, its own due date
  has passed, and the same pause rule holds: a step can overrun while the case is on time.
- Due soon (提示): a running clock (no special procedure) with the due date between today and the last day of
  the reminder period (1 working day by default).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..models import Case, CasePause, CaseStep, PauseStatus, StepStatus
from ..services.clock import local_today, work_calendar

REMINDER_DAYS = 1  # working days left on the promised limit that make a reminder (提示)

WARNING_LEVELS = ("overdue", "statutory_overdue", "step_overdue", "soon", "paused")
"""The warning levels a list can be filtered by (see :meth:`Deadlines.warning`)."""


def open_pause(started_by: sa.ColumnElement | None = None) -> sa.Exists:
    """A special procedure is running on the case (one that started on or before ``started_by``, when given):
    approved and not ended; a procedure only asked for does not stop the clock."""
    condition = sa.and_(CasePause.case_id == Case.id, CasePause.status == PauseStatus.APPROVED,
                        CasePause.ended_on.is_(None))
    if started_by is not None:
        condition = sa.and_(condition, CasePause.started_on <= started_by)
    return sa.exists().where(condition).correlate_except(CasePause)  # the case of whatever query encloses it


def paused() -> sa.ColumnElement[bool]:
    """An open case whose clock a special procedure stops."""
    return sa.and_(Case.in_progress, open_pause())


def deciding() -> sa.ColumnElement[bool]:
    """Open and not yet decided, with a clock that has started."""
    return sa.and_(Case.in_progress, Case.decided_on.is_(None), Case.due_promised.is_not(None))


def clock_running() -> sa.ColumnElement[bool]:
    """The decision clock runs: the case is open, not yet decided, and no special procedure stops it."""
    return sa.and_(deciding(), ~open_pause())


def _past(due: sa.ColumnElement, today: date) -> sa.ColumnElement[bool]:
    return sa.and_(due < today, ~open_pause(started_by=due))


def overdue_promised(today: date) -> sa.ColumnElement[bool]:
    """Past the promised limit (超期; a yellow card while within the statutory limit)."""
    return sa.and_(deciding(), _past(Case.due_promised, today))


def overdue_statutory(today: date) -> sa.ColumnElement[bool]:
    """Past the statutory limit (a red card)."""
    return sa.and_(deciding(), _past(Case.due_statutory, today))


def overdue_promised_on(day: date | sa.ColumnElement) -> sa.ColumnElement[bool]:
    """:func:`overdue_promised` as it stood on a past ``day`` (a date or a date column), from the stored dates:
    its clock had started and had not stopped by the end of ``day`` (neither decided nor closed by then), the
    promised due date had passed, and no special procedure that started by the due date was still running on
    ``day`` (ended after it, or not yet). On today it is :func:`overdue_promised`."""
    stopped = clock_stopped_on()
    pause_running = sa.exists().where(
        CasePause.case_id == Case.id, CasePause.status == PauseStatus.APPROVED,
        CasePause.started_on <= Case.due_promised, sa.or_(CasePause.ended_on.is_(None), CasePause.ended_on > day),
    ).correlate_except(CasePause)
    return sa.and_(Case.due_promised.is_not(None), Case.due_promised < day,
                   sa.or_(stopped.is_(None), stopped > day), ~pause_running)


def due_within(today: date, last_day: date) -> sa.ColumnElement[bool]:
    """Promised due date between today and ``last_day`` with the clock running (a reminder, 提示)."""
    return sa.and_(clock_running(), Case.due_promised >= today, Case.due_promised <= last_day)


def step_pending() -> sa.ColumnElement[bool]:
    """A department's share still to be decided, on a case still being decided (joined with its case)."""
    return sa.and_(CaseStep.case_id == Case.id, CaseStep.status == StepStatus.PENDING, Case.in_progress,
                   Case.decided_on.is_(None))


def step_overdue(today: date) -> sa.ColumnElement[bool]:
    """The step overran its own limit (a yellow card even while the case is on time)."""
    return sa.and_(step_pending(), _past(CaseStep.due_on, today))


def step_due_within(today: date, last_day: date) -> sa.ColumnElement[bool]:
    """The step's due date is between today and ``last_day`` and the case's clock runs."""
    return sa.and_(step_pending(), ~open_pause(), CaseStep.due_on >= today, CaseStep.due_on <= last_day)


def has_overdue_step(today: date) -> sa.Exists:
    """One of the case's departments overran its step."""
    return sa.exists().where(step_overdue(today)).correlate_except(CaseStep, CasePause)


def delivery_overdue(today: date) -> sa.ColumnElement[bool]:
    """A grant whose certificate is still undelivered after its delivery date (送达, Art. 44)."""
    return sa.and_(Case.in_progress, Case.delivered_on.is_(None), Case.due_delivery < today)


def clock_stopped_on() -> sa.ColumnElement[date]:
    """The day a finished clock stopped: the decision, or the end of a case closed without one (withdrawn,
    terminated ...). A case that finished late is judged as of this day, never as of today."""
    return sa.func.coalesce(Case.decided_on, Case.closed_on)


def stopped_late(due: sa.ColumnElement, since: date) -> sa.ColumnElement[bool]:
    """The clock stopped (on or after ``since``) after ``due``: decided or closed late. Open pauses played no
    part: the pauses ended by then and the due dates already count them."""
    stopped = sa.or_(Case.decided_on >= since, sa.and_(Case.decided_on.is_(None), Case.closed_on >= since))
    return sa.and_(Case.due_promised.is_not(None), stopped, clock_stopped_on() > due)


def delivered_late(since: date) -> sa.ColumnElement[bool]:
    """Delivered (on or after ``since``) after the delivery date."""
    return sa.and_(Case.delivered_on >= since, Case.delivered_on > Case.due_delivery)


@dataclass(frozen=True)
class Deadlines:
    """The predicates as they stand on ``today``, with the last day that still counts as due soon."""

    today: date
    soon_until: date

    @classmethod
    def now(cls) -> Deadlines:
        today = local_today()
        return cls(today, work_calendar().add_working_days(today, REMINDER_DAYS))

    def overdue(self) -> sa.ColumnElement[bool]:
        """Needs chasing: the case is past its promised date, or one of its departments overran its step."""
        return sa.or_(overdue_promised(self.today), has_overdue_step(self.today))

    def due_soon(self) -> sa.ColumnElement[bool]:
        """A reminder is due and nothing is overdue yet."""
        return sa.and_(due_within(self.today, self.soon_until), ~has_overdue_step(self.today))

    def warning(self, level: str) -> sa.ColumnElement[bool]:
        """The predicate of one of :data:`WARNING_LEVELS`: ``overdue`` (:meth:`overdue`), ``statutory_overdue``
        (a red card), ``step_overdue`` (a department overran), ``soon`` (:meth:`due_soon`), ``paused``."""
        predicates = {
            "overdue": self.overdue,
            "statutory_overdue": lambda: overdue_statutory(self.today),
            "step_overdue": lambda: has_overdue_step(self.today),
            "soon": self.due_soon,
            "paused": paused,
        }
        return predicates[level]()

    def badges(self, cases: Iterable[Case] = ()) -> Badges:
        """The badges of these cases and of their steps: the predicates above, in two queries for a page."""
        ids = list({c.id for c in cases})
        if not ids:
            return Badges({}, {}, set())
        case_rows = db.session.execute(
            sa.select(Case.id, overdue_promised(self.today), has_overdue_step(self.today),
                      due_within(self.today, self.soon_until), open_pause()).where(Case.id.in_(ids))
        ).all()
        step_rows = db.session.execute(
            sa.select(CaseStep.id, step_overdue(self.today), step_due_within(self.today, self.soon_until))
            .join(Case, Case.id == CaseStep.case_id).where(CaseStep.case_id.in_(ids))
        ).all()
        of_case = {}
        for case_id, late, step_late, soon, _paused in case_rows:
            badge = "overdue" if late else "step_overdue" if step_late else "soon" if soon else None
            if badge:
                of_case[case_id] = badge
        of_step = {step_id: "overdue" if late else "soon" for step_id, late, soon in step_rows if late or soon}
        return Badges(of_case, of_step, {case_id for case_id, *_, paused in case_rows if paused})


@dataclass(frozen=True)
class Badges:
    """Per case and per step: ``overdue``, ``step_overdue`` (a department overran), ``soon`` or nothing; and
    which cases a special procedure has paused."""

    of_case: dict[int, str]
    of_step: dict[int, str]
    paused: set[int]

    def case(self, case_id: int) -> str | None:
        return self.of_case.get(case_id)

    def step(self, step_id: int) -> str | None:
        return self.of_step.get(step_id)

    def is_paused(self, case_id: int) -> bool:
        return case_id in self.paused
