"""How the sweeps' cases change, set-based: each plan is validated once per (definition, state) group by
firing its transitions on a stand-in case, then writes a batch of claimed cases with a few statements (one
``UPDATE ... FROM`` a ``VALUES`` list, ``INSERT ... SELECT`` of the events and of a joint case's steps). What
they write is what :func:`services.reception.deem_accepted` and :func:`services.decisions.terminate` write case
by case (tests/services/test_sweeps.py compares them column by column). The frame that groups, claims and
isolates is :mod:`services.sweeps`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from workflows.definitions.base import TransitionSpec, WorkflowDefinition
from workflows.engine import fire as fire_workflow

from ..extensions import db
from ..models import (
    Case,
    CaseEvent,
    CaseExtension,
    CasePause,
    CaseStep,
    Department,
    ExtensionStatus,
    Item,
    StepStatus,
    item_departments,
    utcnow,
)
from ..text import clean_text
from .clock import refresh_due_dates, step_due_on, work_calendar
from .core import SYSTEM

# The same texts as services.reception.deem_accepted and the per-case sweep had (the twin tests compare them).
DEEMED_COMMENT = "Deemed accepted: no supplement notice within 5 working days of receipt."
GAPS_REASON = "The materials promised at the acceptance with gaps (容缺受理) did not arrive by %(day)s: %(names)s."

_cases = Case.__table__
_events = CaseEvent.__table__
_steps = CaseStep.__table__


@dataclass(frozen=True)
class SweepFailure:
    """A case the sweep could not handle, and why (reported; the sweep goes on)."""

    number: str
    reason: str


class Unsupported(Exception):
    """A group the set-based sweep cannot handle: reported with this reason, never fired."""


@dataclass(frozen=True)
class Batch:
    """A batch of claimed cases and the moment of the sweep."""

    rows: Sequence[Any]  # the claimed rows (id, number, and what the plan reads)
    now: datetime


class Plan:
    """What a group's cases become, validated once; :meth:`write` applies it to a batch of claimed rows."""

    columns: tuple[sa.ColumnElement[Any], ...] = ()

    def prepare(self, batch: Batch) -> tuple[list[Any], list[SweepFailure]]:
        """The cases to write (``id``, ``number``, ``values``) and those that cannot be handled."""
        raise NotImplementedError

    def write(self, rows: Sequence[Any], batch: Batch) -> None:
        raise NotImplementedError


def _fire_once(definition: WorkflowDefinition, state: str, trigger: str, context: dict[str, Any] | None = None
               ) -> TransitionSpec:
    """Fire ``trigger`` as the system on a stand-in case in ``state``: the engine's checks (trigger defined
    from the state, the system's role, required context, guards) made once for the whole group."""
    stand_in = SimpleNamespace(state=state, workflow_key=definition.key, workflow_version=definition.version)
    return fire_workflow(stand_in, trigger, SYSTEM.role, context or {}).spec


def _event_rows(ids: list[int], spec: TransitionSpec, source: str, now: datetime, *,
                comment: sa.ColumnElement[Any] | str = "", data: dict[str, Any] | None = None) -> sa.Insert:
    """``INSERT ... SELECT`` of one event per case: ``spec`` fired by the system from ``source``."""
    columns = _events.c
    select = sa.select(
        _cases.c.id, sa.literal(now, columns.at.type), sa.literal(SYSTEM.role, columns.actor_role.type),
        sa.literal(spec.trigger, columns.trigger.type), sa.literal(source, columns.from_state.type),
        sa.literal(spec.dest or source, columns.to_state.type),
        comment if isinstance(comment, sa.ColumnElement) else sa.literal(comment, columns.comment.type),
        sa.literal(data or {}, columns.data.type),
    ).where(_cases.c.id.in_(ids)).order_by(_cases.c.id)
    return sa.insert(_events).from_select(
        ["case_id", "at", "actor_role", "trigger", "from_state", "to_state", "comment", "data"], select)


def _work(name: str, columns: Sequence[tuple[str, sa.types.TypeEngine[Any]]], rows: list[tuple[Any, ...]]
          ) -> sa.CTE:
    """A ``WITH name(columns) AS (VALUES ...)`` table of per-case values computed in Python."""
    return sa.values(*(sa.column(n, t) for n, t in columns), name=name).data(rows).cte(name)


# -- deemed acceptance ---------------------------------------------------------------------------------------


def _records_more(spec: TransitionSpec, *, outcome: bool = True) -> bool:
    """The transition records what a sweep's plan does not write (a decision, a delivery ...)."""
    return any((spec.decides, spec.reopens, spec.delivers, spec.owes_delivery, outcome and spec.outcome))


def acceptance_plan(definition: WorkflowDefinition, state: str) -> Plan:
    if not definition.deems_acceptance:
        raise Unsupported("the definition does not deem applications accepted")
    accept = _fire_once(definition, state, "accept")
    if accept.clock != "start" or accept.dest is None or _records_more(accept):
        raise Unsupported("its accept transition declares effects the sweep does not apply")
    onward = definition.automatic_from(accept.dest)
    if onward is not None:
        onward = _fire_once(definition, accept.dest, onward.trigger)
        if onward.clock is not None or onward.dest is None or _records_more(onward):
            raise Unsupported(f"its automatic {onward.trigger} declares effects the sweep does not apply")
    return _Acceptance(definition, state, accept, onward)


_CLOCK_INPUTS = {"clock_start_on", "promised_limit_days", "statutory_limit_days", "pauses", "extensions", "steps"}


def _due_dates(start: date, promised: int, statutory: int, today: date, calendar: Any) -> dict[str, Any]:
    """The due-date columns of a clock started on ``start`` with these limits and no pauses or extensions (none
    exist before acceptance): whatever :func:`services.clock.refresh_due_dates` sets, computed by it."""
    clock = SimpleNamespace(clock_start_on=start, promised_limit_days=promised, statutory_limit_days=statutory,
                            pauses=[], extensions=[], steps=[])
    refresh_due_dates(clock, today=today, calendar=calendar)  # type: ignore[arg-type]
    return {name: value for name, value in vars(clock).items() if name not in _CLOCK_INPUTS}


class _Acceptance(Plan):
    columns = (Case.received_on, Case.promised_limit_days, Case.statutory_limit_days, Case.department_id,
               Case.item_id)

    def __init__(self, definition: WorkflowDefinition, state: str, accept: TransitionSpec,
                 onward: TransitionSpec | None) -> None:
        self.definition, self.source, self.accept, self.onward = definition, state, accept, onward
        self.final: str = (onward or accept).dest or state
        self.fans_out = (onward is not None and self.final in definition.step_states
                         and accept.dest not in definition.step_states)

    def prepare(self, batch: Batch) -> tuple[list[Any], list[SweepFailure]]:
        """The due dates per distinct (receipt day, limits), counted as the services count them; a joint case
        also needs its item's departments (two at least, the lead included)."""
        today = batch.now.date()
        calendar = work_calendar()
        limit = self.accept.limit_days
        dates: dict[tuple[date, int, int], dict[str, Any]] = {}
        step_due: dict[tuple[int, date], date] = {}
        departments: dict[int, set[int]] = {}
        step_limits: dict[int, int | None] = {}
        if self.fans_out:
            item_ids = {row.item_id for row in batch.rows if row.item_id is not None}
            for item_id, department_id in db.session.execute(
                sa.select(item_departments.c.item_id, item_departments.c.department_id)
                .where(item_departments.c.item_id.in_(item_ids))
            ):
                departments.setdefault(item_id, set()).add(department_id)
            step_limits = dict(db.session.execute(sa.select(Item.id, Item.step_limit_days)
                                                  .where(Item.id.in_(item_ids))).all())
        good, failed = [], []
        for row in batch.rows:
            promised = row.promised_limit_days if limit is None else limit
            statutory = row.statutory_limit_days if limit is None else limit
            key = (row.received_on, row.promised_limit_days, row.statutory_limit_days)
            if key not in dates:
                dates[key] = _due_dates(row.received_on, promised, statutory, today, calendar)
            due_promised = dates[key]["due_promised"]
            step = None
            if self.fans_out:
                if row.item_id is None or row.item_id not in step_limits:
                    failed.append(SweepFailure(row.number, _("A joint case needs its item to fan out.")))
                    continue
                if len(departments.get(row.item_id, set()) | {row.department_id}) < 2:
                    failed.append(SweepFailure(row.number, _("A joint case needs at least two departments.")))
                    continue
                step_limit = step_limits[row.item_id] or promised
                if (step_limit, due_promised) not in step_due:
                    case = SimpleNamespace(due_promised=due_promised)
                    step_due[(step_limit, due_promised)] = step_due_on(
                        case, today, step_limit, today=today, calendar=calendar,  # type: ignore[arg-type]
                        ledger=([], []))
                step = (step_limit, due_promised, step_due[(step_limit, due_promised)])
            good.append(SimpleNamespace(id=row.id, number=row.number, key=key, dates=dates[key], step=step))
        return good, failed

    def write(self, rows: Sequence[Any], batch: Batch) -> None:
        """The dates go in as a ``VALUES`` list per distinct (receipt day, limits), joined to the claimed ids;
        the steps' due dates per distinct (step limit, promised date)."""
        ids, today = [row.id for row in rows], batch.now.date()
        keys = {row.key: row.dates for row in rows}
        names = list(rows[0].dates)
        work = _work("work", [("received_on", sa.Date()), ("promised", sa.Integer()), ("statutory", sa.Integer()),
                              *((name, _cases.c[name].type) for name in names)],
                     [(*key, *(dates[name] for name in names)) for key, dates in keys.items()])
        changes: dict[str, Any] = {
            "state": self.final,
            "in_progress": self.final not in self.definition.final_states,
            "clock_start_on": _cases.c.received_on,
            **{name: work.c[name] for name in names},
            "lock_version": _cases.c.lock_version + 1,
            "updated_at": utcnow(),
        }
        if self.accept.accepts:
            changes["accepted_on"] = _cases.c.received_on
        if self.accept.limit_days is not None:
            changes["promised_limit_days"] = changes["statutory_limit_days"] = self.accept.limit_days
        db.session.execute(sa.update(_cases).where(
            _cases.c.id.in_(ids), _cases.c.received_on == work.c.received_on,
            _cases.c.promised_limit_days == work.c.promised, _cases.c.statutory_limit_days == work.c.statutory,
        ).values(changes))
        db.session.execute(_event_rows(ids, self.accept, self.source, batch.now,
                                       comment=_(DEEMED_COMMENT).strip(), data={"deemed": True}))
        if self.onward is not None:
            db.session.execute(_event_rows(ids, self.onward, self.accept.dest or self.source, batch.now))
        if self.fans_out:
            dues = [("limit_days", sa.Integer()), ("due_promised", sa.Date()), ("due_on", sa.Date())]
            db.session.execute(self._fan_out(_work("step_dues", dues, sorted({r.step for r in rows})), ids, today))

    @staticmethod
    def _fan_out(work: sa.CTE, ids: list[int], today: date) -> sa.Insert:
        """``INSERT ... SELECT`` of one pending step per participating department of the item, the lead
        (the case's department) included and first when the item does not list it, as steps.fan_out."""
        cases = _cases
        listed = sa.select(cases.c.id.label("case_id"), item_departments.c.department_id,
                           sa.literal(1).label("listed")).join(
            item_departments, item_departments.c.item_id == cases.c.item_id).where(cases.c.id.in_(ids))
        lead = sa.select(cases.c.id, cases.c.department_id, sa.literal(0)).where(
            cases.c.id.in_(ids),
            ~sa.exists().where(item_departments.c.item_id == cases.c.item_id,
                               item_departments.c.department_id == cases.c.department_id))
        participants = sa.union_all(listed, lead).subquery("participants")
        departments, items = Department.__table__, Item.__table__
        select = (
            sa.select(
                participants.c.case_id,
                participants.c.department_id,
                participants.c.department_id == cases.c.department_id,
                sa.literal(StepStatus.PENDING, _steps.c.status.type),
                work.c.limit_days,
                sa.literal(today, _steps.c.started_on.type),
                work.c.due_on,
                sa.literal(1, _steps.c.lock_version.type),
                sa.literal("", _steps.c.opinion.type),
            )
            .select_from(participants)
            .join(cases, cases.c.id == participants.c.case_id)
            .join(items, items.c.id == cases.c.item_id)
            .join(work, sa.and_(work.c.due_promised == cases.c.due_promised, work.c.limit_days == sa.func.coalesce(
                items.c.step_limit_days, cases.c.promised_limit_days)))
            .join(departments, departments.c.id == participants.c.department_id)
            .order_by(participants.c.case_id, participants.c.listed, departments.c.code)
        )
        return sa.insert(_steps).from_select(
            ["case_id", "department_id", "is_lead", "status", "limit_days", "started_on", "due_on",
             "lock_version", "opinion"], select)


# -- termination of lapsed 容缺 cases ------------------------------------------------------------------------


def termination_plan(definition: WorkflowDefinition, state: str) -> Plan:
    spec = _fire_once(definition, state, "terminate", {"reason": GAPS_REASON})
    if spec.dest is None or spec.clock not in (None, "stop") or not spec.outcome or _records_more(spec, outcome=False):
        raise Unsupported("its terminate transition declares effects the sweep does not apply")
    return _Termination(definition, state, spec)


class _Termination(Plan):
    columns = (Case.due_gaps, Case.outstanding_materials)

    def __init__(self, definition: WorkflowDefinition, state: str, spec: TransitionSpec) -> None:
        self.definition, self.source, self.spec = definition, state, spec

    def prepare(self, batch: Batch) -> tuple[list[Any], list[SweepFailure]]:
        """The reason per case, worded as the per-case sweep worded it (the materials it still waits for)."""
        good = []
        for row in batch.rows:
            if not row.outstanding_materials:
                continue
            reason = clean_text(_(GAPS_REASON, day=row.due_gaps.isoformat(),
                                  names="、".join(row.outstanding_materials))) or ""
            good.append(SimpleNamespace(id=row.id, number=row.number, values=(row.id, reason.strip())))
        return good, []

    def write(self, rows: Sequence[Any], batch: Batch) -> None:
        ids = [row.id for row in rows]
        today = batch.now.date()
        spec = self.spec
        work = _work("work", [("case_id", sa.Integer()), ("reason", sa.Text())], [row.values for row in rows])
        final = spec.dest in self.definition.final_states
        changes: dict[str, Any] = {
            "state": spec.dest,
            "in_progress": not final,
            "outcome": spec.outcome,  # the cases are undecided (the predicate), so the exit is the outcome
            "outcome_reason": work.c.reason,
            "lock_version": _cases.c.lock_version + 1,
            "updated_at": utcnow(),
            **({"closed_on": today} if final else {}),
        }
        db.session.execute(sa.update(_cases).where(_cases.c.id == work.c.case_id).values(changes))
        if spec.clock == "stop":  # the running special procedure ends today (core.close_open_pause)
            p = CasePause.__table__  # approved ones: a request has no start (it lapses below)
            running = sa.and_(p.c.case_id.in_(ids), p.c.ended_on.is_(None), p.c.started_on.is_not(None))
            db.session.execute(sa.update(p).where(running).values(ended_on=sa.case(
                (p.c.started_on > today, p.c.started_on), else_=sa.literal(today, p.c.ended_on.type))))
        # core.settle_open_requests: undecided shares cancelled, a pending extension or procedure request lapses
        db.session.execute(sa.update(CasePause).filter_by(status="requested").where(CasePause.case_id.in_(ids))
                           .values(status="refused", decided_on=today, approver_id=SYSTEM.user_id))
        db.session.execute(sa.update(_steps).where(
            _steps.c.case_id.in_(ids), _steps.c.status.in_([StepStatus.PENDING, StepStatus.RETURNED])
        ).values(status=StepStatus.CANCELLED, lock_version=_steps.c.lock_version + 1))
        db.session.execute(sa.update(CaseExtension).filter_by(status="pending").where(CaseExtension.case_id.in_(ids))
                           .values(status=ExtensionStatus.REJECTED, decided_on=today, decided_by_id=SYSTEM.user_id))
        db.session.execute(_event_rows(ids, spec, self.source, batch.now, comment=_cases.c.outcome_reason))
