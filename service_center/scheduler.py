"""The scheduler process: ticks the registered jobs (:mod:`service_center.jobs`) with APScheduler.

Run it as its own process (``flask cases scheduler``), never inside the web workers. Several scheduler
processes may run (on two machines for availability): the job runner does each (job, period) once, and the
sweeps claim their rows with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so a case is never handled twice.
:func:`sweep` is the daily sweep run directly, outside the registry (tests, benchmarks).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from .extensions import db
from .services.renewals import grant_expired_renewals
from .services.sweeps import SweepFailure, SweepPart, sweep_deemed_acceptance, sweep_lapsed_gaps

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class SweepResult:
    """What the daily sweep did: cases deemed accepted, cases terminated, and the cases it could not handle
    (with the reason; the other cases went on)."""

    deemed_accepted: int
    terminated: int
    failed: tuple[SweepFailure, ...] = field(default=())
    renewals_granted: int = 0

    @property
    def everything_failed(self) -> bool:
        """Something failed and nothing was handled: the run as a whole failed."""
        return bool(self.failed) and self.deemed_accepted + self.terminated + self.renewals_granted == 0


def _run_part(name: str, run: Callable[..., SweepPart]) -> SweepPart:
    """One part of the sweep, committing per batch; an error that stops it (the database went away ...) is
    reported and the next part still runs. Batches committed before the error stay done."""
    try:
        return run(commit=db.session.commit)
    except Exception as exc:  # reported; the other part must still run
        db.session.rollback()
        log.exception("the %s sweep stopped; what it committed stays, the rest runs next time", name)
        return SweepPart(failed=[SweepFailure("-", f"the {name} sweep stopped: {exc}")])


def sweep() -> SweepResult:
    """Deem accepted every application whose notice period ended; terminate the cases whose 容缺 materials
    never arrived; grant by law the renewals undecided when their licence expired. Each batch commits on its
    own; every part is idempotent, and a case that cannot be handled is reported in ``failed`` while the others
    go on."""
    deemed = _run_part("deemed acceptance", sweep_deemed_acceptance)
    terminated = _run_part("lapsed gaps", sweep_lapsed_gaps)
    renewals = _run_part("renewals", grant_expired_renewals)
    return SweepResult(deemed.done, terminated.done, (*deemed.failed, *terminated.failed, *renewals.failed),
                       renewals.done)


def _scheduled_tick(app: Flask, name: str) -> None:
    """One APScheduler firing: run what is due of the job ``name`` (its current period, a crashed or failed run
    to redo, missed periods), each (job, period) once across every scheduler process."""
    from .jobs import tick

    with app.app_context():
        try:
            tick(name)
        except Exception:
            db.session.rollback()
            log.exception("job %s: the tick failed; it runs again at the next one", name)
        finally:
            db.session.remove()


def schedule_jobs(app: Flask, scheduler: BaseScheduler) -> None:
    """Add every registered job to ``scheduler``: each is ticked every JOB_TICK_SECONDS, and the tick runs the
    job's periods that are due and not done (the registry's schedules decide, not APScheduler's triggers), so
    a period missed while no scheduler ran, or a run that crashed, is done at the next tick."""
    from .jobs import load_jobs

    seconds = int(app.config.get("JOB_TICK_SECONDS", 60))
    for name in load_jobs():
        scheduler.add_job(_scheduled_tick, IntervalTrigger(seconds=seconds), args=[app, name], id=f"job:{name}",
                          replace_existing=True, coalesce=True, max_instances=1, misfire_grace_time=3600)
