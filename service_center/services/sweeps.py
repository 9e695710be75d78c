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
from typing import Any

import sqlalchemy as sa

from workflows import WorkflowError
from workflows.definitions.base import WorkflowDefinition
from workflows.registry import get_definition

from ..extensions import db
from ..models import Case
from .core import action_time
from .sweep_plans import (
    DEEMED_COMMENT,
    GAPS_REASON,
    Batch,
    Plan,
    SweepFailure,
    Unsupported,
    acceptance_plan,
    termination_plan,
)

__all__ = [
    "BATCH_SIZE",
    "DEEMED_COMMENT",
    "GAPS_REASON",
    "SweepFailure",
    "SweepPart",
    "apply_deemed_acceptance",
    "deemed_acceptance_due",
    "lapsed_gaps_due",
    "sweep_deemed_acceptance",
    "sweep_lapsed_gaps",
    "terminate_lapsed_gaps",
]

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
"""Cases claimed and written per batch (one commit each when the caller commits per batch)."""


@dataclass
class SweepPart:
    """What one sweep did: how many cases it handled, and the cases it could not handle."""

    done: int = 0
    failed: list[SweepFailure] = field(default_factory=list)


Commit = Callable[[], None]


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
    return _sweep(due, acceptance_plan, now, batch_size, commit)


def sweep_lapsed_gaps(*, when: datetime | None = None, batch_size: int = BATCH_SIZE,
                      commit: Commit | None = None) -> SweepPart:
    """Terminate (终止) every undecided case whose 容缺 materials were due before today and never arrived, as
    :func:`services.decisions.terminate` by the system would. ``commit`` runs after every batch."""
    now = action_time(when)
    due = lapsed_gaps_due(now.date())
    return _sweep(due, termination_plan, now, batch_size, commit)


def apply_deemed_acceptance(*, when: datetime | None = None) -> int:
    """:func:`sweep_deemed_acceptance` in the caller's transaction; returns how many cases were accepted."""
    return sweep_deemed_acceptance(when=when).done


def terminate_lapsed_gaps(*, when: datetime | None = None) -> int:
    """:func:`sweep_lapsed_gaps` in the caller's transaction; returns how many cases were terminated."""
    return sweep_lapsed_gaps(when=when).done


# -- the frame: groups, claims, batches, isolation -----------------------------------------------------------


def _sweep(due: tuple[sa.ColumnElement[bool], ...], plan_for: Callable[[WorkflowDefinition, str], Plan],
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
        except (WorkflowError, LookupError, Unsupported) as exc:
            reason = f"{key} v{version}, state {state!r}: {exc}"
            numbers = db.session.scalars(sa.select(Case.number).where(*in_group).order_by(Case.id)).all()
            log.warning("case sweep: %d case(s) skipped (%s): %s", len(numbers), reason, ", ".join(numbers[:20]))
            part.failed.extend(SweepFailure(number, reason) for number in numbers)
            continue
        for rows in _claimed_batches(in_group, plan.columns, batch_size):
            batch = Batch(rows, now)
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
        if len(rows) < batch_size:  # the last one: no need to scan again for nothing
            return


def _write_isolated(plan: Plan, rows: Sequence[Any], batch: Batch, failed: list[SweepFailure]) -> int:
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

