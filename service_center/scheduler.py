"""The scheduler process: runs the daily sweep of the case book (APScheduler, cron-style, in the centre's time).

Run it as its own process (``flask cases scheduler``), never inside the web workers. Several scheduler
processes may run (on two machines for availability): the sweep claims its rows with ``FOR UPDATE SKIP LOCKED``
on PostgreSQL and is idempotent, so a case is never handled twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from .extensions import db
from .services.renewals import grant_expired_renewals
from .services.sweeps import SweepFailure, SweepPart, sweep_deemed_acceptance, sweep_lapsed_gaps

log = logging.getLogger(__name__)

SWEEP_JOB_ID = "cases-sweep"


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


def _scheduled_sweep(app: Flask) -> None:
    with app.app_context():
        try:
            result = sweep()
        except Exception:
            db.session.rollback()
            log.exception("the case sweep failed; it runs again at its next time")
            raise
        finally:
            db.session.remove()
    log.info("case sweep: %d deemed accepted, %d terminated, %d not handled", result.deemed_accepted,
             result.terminated, len(result.failed))


def schedule_jobs(app: Flask, scheduler: BaseScheduler) -> None:
    """Add the sweep to ``scheduler`` at SWEEP_CRON in the centre's time zone (missed runs: once, late)."""
    trigger = CronTrigger.from_crontab(app.config["SWEEP_CRON"], timezone=app.config["BABEL_DEFAULT_TIMEZONE"])
    scheduler.add_job(_scheduled_sweep, trigger, args=[app], id=SWEEP_JOB_ID, replace_existing=True,
                      coalesce=True, max_instances=1, misfire_grace_time=6 * 3600)
