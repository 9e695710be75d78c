"""The scheduled sweeps of the case book: deemed acceptance (视为受理) of applications whose notice period
ended with no notice, and termination (终止) of cases whose 容缺 materials never arrived.

Set-based: the cases due are grouped by (workflow key, version, state) in one query; the workflow engine
validates each group's transitions once, on a stand-in case, and the group's cases are then claimed in batches
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two schedulers never handle one case; SQLite's write
transactions are serial) and written with a few statements per batch: one ``UPDATE ... FROM`` a ``VALUES``
list of the computed dates, ``INSERT ... SELECT`` of the events (and of a joint case's review steps). The rows
written are exactly those :func:`services.reception.deem_accepted` and :func:`services.decisions.terminate`
write case by case (tests/services/test_sweeps.py compares them column by column).

Isolation: a group whose definition is unknown, or whose transition the system may not fire from that state,
is skipped and reported; a case that cannot be handled (a joint case without two departments, a statement that
fails for it) is reported and the rest go on. With ``commit`` (the scheduler passes the session's) each batch
commits on its own: a run killed mid-way loses at most its open batch, whose rows were never changed and are
picked up by the next run since they still match.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from workflows import WorkflowError
from workflows.definitions.base import TransitionSpec, WorkflowDefinition
from workflows.engine import fire as fire_workflow
from workflows.registry import get_definition

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
from .clock import due_dates_on, step_due_on, work_calendar
from .core import SYSTEM, action_time

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
"""Cases claimed and written per batch (one commit each when the caller commits per batch)."""

# The same texts as services.reception.deem_accepted and the per-case sweep had (the twin tests compare them).
DEEMED_COMMENT = "Deemed accepted: no supplement notice within 5 working days of receipt."
GAPS_REASON = ("The materials promised at the acceptance with gaps (容缺受理) did not arrive by %(day)s: "
               "%(names)s.")

_cases = Case.__table__
_events = CaseEvent.__table__
_steps = CaseStep.__table__


@dataclass(frozen=True)
class SweepFailure:
    """A case the sweep could not handle, and why (reported; the sweep goes on)."""

    number: str
    reason: str


@dataclass
class SweepPart:
    """What one sweep did: how many cases it handled, and the cases it could not handle."""

    done: int = 0
    failed: list[SweepFailure] = field(default_factory=list)


Commit = Callable[[], None]


class _Unsupported(Exception):
    """A group the set-based sweep cannot handle: reported with this reason, never fired."""


# -- what is due ---------------------------------------------------------------------------------------------


def deemed_acceptance_due(today: date) -> tuple[sa.ColumnElement[bool], ...]:
    """Received applications whose notice period (补正告知期) ended before ``today`` with no notice."""
    return (Case.in_progress, Case.clock_start_on.is_(None), Case.supplement_notice_on.is_(None),
            Case.deemed_acceptance_on < today)


def lapsed_gaps_due(today: date) -> tuple[sa.ColumnElement[bool], ...]:
    """Undecided cases whose 容缺 materials were due before ``today`` and are still outstanding."""
    return (Case.in_progress, Case.decided_on.is_(None), Case.due_gaps < today,
            sa.cast(Case.outstanding_materials, sa.Text).not_in(["[]", "null"]))


# -- the two sweeps ------------------------------------------------------------------------------------------


def sweep_deemed_acceptance(*, when: datetime | None = None, batch_size: int = BATCH_SIZE,
                            commit: Commit | None = None) -> SweepPart:
    """Deem accepted (视为受理, Art. 32) every received application whose notice period ended before today.

    Each case is accepted as of its receipt (the clock starts then), by the system, with the comment and data
    of :func:`services.reception.deem_accepted`, and moves on by the definition's automatic transition (a
    joint case fans out to one step per participating department). ``commit`` runs after every batch.
    """
    now = action_time(when)
    due = deemed_acceptance_due(now.date())
    return _sweep(due, lambda definition, state: _acceptance_plan(definition, state), now, batch_size, commit)


def sweep_lapsed_gaps(*, when: datetime | None = None, batch_size: int = BATCH_SIZE,
                      commit: Commit | None = None) -> SweepPart:
    """Terminate (终止) every undecided case whose 容缺 materials were due before today and never arrived, as
    :func:`services.decisions.terminate` by the system would. ``commit`` runs after every batch."""
    now = action_time(when)
    due = lapsed_gaps_due(now.date())
    return _sweep(due, lambda definition, state: _termination_plan(definition, state), now, batch_size, commit)


def apply_deemed_acceptance(*, when: datetime | None = None) -> int:
    """:func:`sweep_deemed_acceptance` in the caller's transaction; returns how many cases were accepted."""
    return sweep_deemed_acceptance(when=when).done


def terminate_lapsed_gaps(*, when: datetime | None = None) -> int:
    """:func:`sweep_lapsed_gaps` in the caller's transaction; returns how many cases were terminated."""
    return sweep_lapsed_gaps(when=when).done


# -- the frame: groups, claims, batches, isolation -----------------------------------------------------------


@dataclass(frozen=True)
class _Batch:
    rows: Sequence[Any]  # the claimed rows (id, number, and what the plan reads)
    now: datetime


class _Plan:
    """What a group's cases become, validated once; :meth:`write` applies it to a batch of claimed rows."""

    columns: tuple[sa.ColumnElement[Any], ...] = ()

    def prepare(self, batch: _Batch) -> tuple[list[Any], list[SweepFailure]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def write(self, rows: Sequence[Any], batch: _Batch) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


def _sweep(due: tuple[sa.ColumnElement[bool], ...], plan_for: Callable[[WorkflowDefinition, str], _Plan],
           now: datetime, batch_size: int, commit: Commit | None) -> SweepPart:
    part = SweepPart()
    groups = db.session.execute(
        sa.select(Case.workflow_key, Case.workflow_version, Case.state, sa.func.count())
        .where(*due).group_by(Case.workflow_key, Case.workflow_version, Case.state)
        .order_by(Case.workflow_key, Case.workflow_version, Case.state)
    ).all()
    for key, version, state, _count in groups:
        in_group = (*due, Case.workflow_key == key, Case.workflow_version == version, Case.state == state)
        try:
            plan = plan_for(get_definition(key, version), state)
        except (WorkflowError, LookupError, _Unsupported) as exc:
            reason = f"{key} v{version}, state {state!r}: {exc}"
            numbers = db.session.scalars(sa.select(Case.number).where(*in_group).order_by(Case.id)).all()
            log.warning("case sweep: %d case(s) skipped (%s): %s", len(numbers), reason, ", ".join(numbers[:20]))
            part.failed.extend(SweepFailure(number, reason) for number in numbers)
            continue
        for rows in _claimed_batches(in_group, plan.columns, batch_size):
            batch = _Batch(rows, now)
            good, failed = plan.prepare(batch)
            part.done += _write_isolated(plan, good, batch, failed)
            part.failed.extend(failed)
            for failure in failed:
                log.warning("case sweep: case %s not handled: %s", failure.number, failure.reason)
            if commit is not None:
                commit()
    db.session.expire_all()  # the ORM's copies of the rows written are stale
    return part


def _claimed_batches(conditions: tuple[sa.ColumnElement[bool], ...], columns: tuple[sa.ColumnElement[Any], ...],
                     batch_size: int) -> Iterator[Sequence[Any]]:
    """The group's due cases, ``batch_size`` at a time in id order (each batch a fresh claim, so a batch
    committed releases its locks), claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL: rows another sweep
    holds are left to it, and a row it changed meanwhile is read again and no longer matches."""
    last_id = 0
    while True:
        query = (sa.select(Case.id, Case.number, *columns).where(*conditions, Case.id > last_id)
                 .order_by(Case.id).limit(batch_size))
        if db.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = db.session.execute(query).all()
        if not rows:
            return
        last_id = rows[-1].id
        yield rows


def _write_isolated(plan: _Plan, rows: Sequence[Any], batch: _Batch, failed: list[SweepFailure]) -> int:
    """Write the batch in a savepoint; if a statement fails, write its cases one by one, each in its own
    savepoint, and report the ones that fail. Returns how many were written."""
    if not rows:
        return 0
    try:
        with db.session.begin_nested():
            plan.write(rows, batch)
        return len(rows)
    except sa.exc.DBAPIError as exc:
        if exc.connection_invalidated:
            raise
        log.warning("case sweep: a batch of %d failed (%s); handling its cases one by one", len(rows), exc.orig)
    written = 0
    for row in rows:
        try:
            with db.session.begin_nested():
                plan.write([row], batch)
            written += 1
        except sa.exc.DBAPIError as exc:
            if exc.connection_invalidated:
                raise
            failed.append(SweepFailure(row.number, str(exc.orig).strip().splitlines()[0]))
    return written


def _fire_once(definition: WorkflowDefinition, state: str, trigger: str, context: dict[str, Any] | None = None
               ) -> TransitionSpec:
    """Fire ``trigger`` as the system on a stand-in case in ``state``: the engine's checks (trigger defined
    from the state, the system's role, required context, guards) made once for the whole group."""
    stand_in = SimpleNamespace(state=state, workflow_key=definition.key, workflow_version=definition.version)
    return fire_workflow(stand_in, trigger, SYSTEM.role, context or {}).spec


def _ids(rows: Sequence[Any]) -> list[int]:
    return [row.id for row in rows]


def _event_rows(ids: list[int], spec: TransitionSpec, source: str, now: datetime, *,
                comment: sa.ColumnElement[Any] | str = "", data: dict[str, Any] | None = None) -> sa.Insert:
    """``INSERT ... SELECT`` of one event per case: ``spec`` fired by the system from ``source``."""
    columns = _events.c
    select = sa.select(
        _cases.c.id,
        sa.literal(now, columns.at.type),
        sa.literal(SYSTEM.role, columns.actor_role.type),
        sa.literal(spec.trigger, columns.trigger.type),
        sa.literal(source, columns.from_state.type),
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


def _acceptance_plan(definition: WorkflowDefinition, state: str) -> _Plan:
    if not definition.deems_acceptance:
        raise _Unsupported("the definition does not deem applications accepted")
    accept = _fire_once(definition, state, "accept")
    if accept.clock != "start" or accept.dest is None or any(
        (accept.decides, accept.outcome, accept.reopens, accept.delivers, accept.owes_delivery)
    ):
        raise _Unsupported("its accept transition declares effects the sweep does not apply")
    onward = definition.automatic_from(accept.dest)
    if onward is not None:
        onward = _fire_once(definition, accept.dest, onward.trigger)
        if onward.clock is not None or onward.dest is None or any(
            (onward.decides, onward.outcome, onward.reopens, onward.delivers, onward.owes_delivery)
        ):
            raise _Unsupported(f"its automatic {onward.trigger} declares effects the sweep does not apply")
    return _Acceptance(definition, state, accept, onward)


class _Acceptance(_Plan):
    columns = (Case.received_on, Case.promised_limit_days, Case.statutory_limit_days, Case.department_id,
               Case.item_id)

    def __init__(self, definition: WorkflowDefinition, state: str, accept: TransitionSpec,
                 onward: TransitionSpec | None) -> None:
        self.definition, self.source, self.accept, self.onward = definition, state, accept, onward
        self.final: str = (onward or accept).dest or state
        self.fans_out = (onward is not None and self.final in definition.step_states
                         and accept.dest not in definition.step_states)

    def prepare(self, batch: _Batch) -> tuple[list[Any], list[SweepFailure]]:
        """The due dates per distinct (receipt day, limits), counted as the services count them; a joint case
        also needs its item's departments (two at least, the lead included)."""
        today = batch.now.date()
        calendar = work_calendar()
        limit = self.accept.limit_days
        dates: dict[tuple[date, int, int], tuple[date, date, bool]] = {}
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
            key = (row.received_on, promised, statutory)
            if key not in dates:
                clock = SimpleNamespace(clock_start_on=row.received_on, promised_limit_days=promised,
                                        statutory_limit_days=statutory, pauses=[], extensions=[])
                dates[key] = due_dates_on(clock, today, calendar)  # type: ignore[arg-type]
            due_promised, due_statutory, provisional = dates[key]
            values: tuple[Any, ...] = (row.id, promised, statutory, due_promised, due_statutory, provisional)
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
                values += (step_limit, step_due[(step_limit, due_promised)])
            good.append(SimpleNamespace(id=row.id, number=row.number, values=values))
        return good, failed

    def write(self, rows: Sequence[Any], batch: _Batch) -> None:
        ids = _ids(rows)
        today = batch.now.date()
        columns: list[tuple[str, sa.types.TypeEngine[Any]]] = [
            ("case_id", sa.Integer()), ("promised", sa.Integer()), ("statutory", sa.Integer()),
            ("due_promised", sa.Date()), ("due_statutory", sa.Date()), ("provisional", sa.Boolean()),
        ]
        if self.fans_out:
            columns += [("step_limit", sa.Integer()), ("step_due", sa.Date())]
        work = _work("work", columns, [row.values for row in rows])
        changes: dict[str, Any] = {
            "state": self.final,
            "in_progress": self.final not in self.definition.final_states,
            "clock_start_on": _cases.c.received_on,
            "due_promised": work.c.due_promised,
            "due_statutory": work.c.due_statutory,
            "due_provisional": work.c.provisional,
            "lock_version": _cases.c.lock_version + 1,
            "updated_at": utcnow(),
        }
        if self.accept.accepts:
            changes["accepted_on"] = _cases.c.received_on
        if self.accept.limit_days is not None:
            changes["promised_limit_days"] = work.c.promised
            changes["statutory_limit_days"] = work.c.statutory
        db.session.execute(sa.update(_cases).where(_cases.c.id == work.c.case_id).values(changes))
        db.session.execute(_event_rows(ids, self.accept, self.source, batch.now,
                                       comment=_(DEEMED_COMMENT).strip(), data={"deemed": True}))
        if self.onward is not None:
            db.session.execute(_event_rows(ids, self.onward, self.accept.dest or self.source, batch.now))
        if self.fans_out:
            db.session.execute(self._fan_out(work, ids, today))

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
        departments = Department.__table__
        select = (
            sa.select(
                participants.c.case_id,
                participants.c.department_id,
                participants.c.department_id == cases.c.department_id,
                sa.literal(StepStatus.PENDING, _steps.c.status.type),
                work.c.step_limit,
                sa.literal(today, _steps.c.started_on.type),
                work.c.step_due,
                sa.literal(1, _steps.c.lock_version.type),
                sa.literal("", _steps.c.opinion.type),
            )
            .select_from(participants)
            .join(cases, cases.c.id == participants.c.case_id)
            .join(work, work.c.case_id == participants.c.case_id)
            .join(departments, departments.c.id == participants.c.department_id)
            .order_by(participants.c.case_id, participants.c.listed, departments.c.code)
        )
        return sa.insert(_steps).from_select(
            ["case_id", "department_id", "is_lead", "status", "limit_days", "started_on", "due_on",
             "lock_version", "opinion"], select)


# -- termination of lapsed 容缺 cases ------------------------------------------------------------------------


def _termination_plan(definition: WorkflowDefinition, state: str) -> _Plan:
    spec = _fire_once(definition, state, "terminate", {"reason": GAPS_REASON})
    if spec.dest is None or spec.clock not in (None, "stop") or not spec.outcome or any(
        (spec.decides, spec.reopens, spec.delivers, spec.owes_delivery)
    ):
        raise _Unsupported("its terminate transition declares effects the sweep does not apply")
    return _Termination(definition, state, spec)


class _Termination(_Plan):
    columns = (Case.due_gaps, Case.outstanding_materials)

    def __init__(self, definition: WorkflowDefinition, state: str, spec: TransitionSpec) -> None:
        self.definition, self.source, self.spec = definition, state, spec

    def prepare(self, batch: _Batch) -> tuple[list[Any], list[SweepFailure]]:
        """The reason per case, worded as the per-case sweep worded it (the materials it still waits for)."""
        good = []
        for row in batch.rows:
            if not row.outstanding_materials:
                continue
            reason = clean_text(_(GAPS_REASON, day=row.due_gaps.isoformat(),
                                  names="、".join(row.outstanding_materials))) or ""
            good.append(SimpleNamespace(id=row.id, number=row.number, values=(row.id, reason.strip())))
        return good, []

    def write(self, rows: Sequence[Any], batch: _Batch) -> None:
        ids = _ids(rows)
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
        }
        if final:
            changes["closed_on"] = today
        db.session.execute(sa.update(_cases).where(_cases.c.id == work.c.case_id).values(changes))
        if spec.clock == "stop":  # the running special procedure ends today (core.close_open_pause)
            pauses = CasePause.__table__
            db.session.execute(sa.update(pauses).where(pauses.c.case_id.in_(ids), pauses.c.ended_on.is_(None))
                               .values(ended_on=sa.case((pauses.c.started_on > today, pauses.c.started_on),
                                                        else_=sa.literal(today, pauses.c.ended_on.type))))
        # core.settle_open_requests: undecided shares cancelled, a pending extension lapses
        db.session.execute(
            sa.update(_steps)
            .where(_steps.c.case_id.in_(ids), _steps.c.status.in_([StepStatus.PENDING, StepStatus.RETURNED]))
            .values(status=StepStatus.CANCELLED, lock_version=_steps.c.lock_version + 1))
        extensions = CaseExtension.__table__
        db.session.execute(
            sa.update(extensions)
            .where(extensions.c.case_id.in_(ids), extensions.c.status == ExtensionStatus.PENDING)
            .values(status=ExtensionStatus.REJECTED, decided_on=today, decided_by_id=SYSTEM.user_id))
        db.session.execute(_event_rows(ids, spec, self.source, batch.now, comment=_cases.c.outcome_reason))
