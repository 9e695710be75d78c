"""The scheduler process: runs the daily sweep of the case book (APScheduler, cron-style, in the centre's time).

Run it as its own process (``flask cases scheduler``), never inside the web workers. Several scheduler
processes may run (on two machines for availability): the sweep claims its rows with ``FOR UPDATE SKIP LOCKED``
on PostgreSQL and is idempotent, so a case is never handled twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from .extensions import db
from .services.sweeps import apply_deemed_acceptance, terminate_lapsed_gaps

log = logging.getLogger(__name__)

SWEEP_JOB_ID = "cases-sweep"


@dataclass(frozen=True)
class SweepResult:
    deemed_accepted: int
    terminated: int


def sweep() -> SweepResult:
    """Deem accepted every application whose notice period ended; terminate the cases whose 容缺 materials
    never arrived. Each part commits on its own; both are idempotent."""
    deemed = apply_deemed_acceptance()
    db.session.commit()
    terminated = terminate_lapsed_gaps()
    db.session.commit()
    return SweepResult(deemed, terminated)


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
    log.info("case sweep: %d deemed accepted, %d terminated", result.deemed_accepted, result.terminated)


def schedule_jobs(app: Flask, scheduler: BaseScheduler) -> None:
    """Add the sweep to ``scheduler`` at SWEEP_CRON in the centre's time zone (missed runs: once, late)."""
    trigger = CronTrigger.from_crontab(app.config["SWEEP_CRON"], timezone=app.config["BABEL_DEFAULT_TIMEZONE"])
    scheduler.add_job(_scheduled_sweep, trigger, args=[app], id=SWEEP_JOB_ID, replace_existing=True,
                      coalesce=True, max_instances=1, misfire_grace_time=6 * 3600)
