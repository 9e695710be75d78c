"""The statistics rollup (#11) kept current: ``stats.refresh`` every few minutes rewrites today, yesterday and the
past days changed since its previous run; ``stats.finalise`` rewrites each ended day once more after midnight
(catching up every missed day), so past days are final. ``flask stats rebuild`` gives the same rows."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import JobRun
from ..services.statistics import refresh_current, refresh_days
from .registry import JobContext, register_job

REFRESH_EVERY = timedelta(minutes=5)
FINALISE_CRON = "40 0 * * *"


def _previous_start(job: str, period: str) -> datetime | None:
    """When the job's latest earlier run began (changes from then on are looked at again)."""
    return db.session.scalar(sa.select(sa.func.max(JobRun.started_at)).where(JobRun.job == job,
                                                                            JobRun.period < period))


@register_job("stats.refresh", every=REFRESH_EVERY,
              description="Rewrite the statistics rollup of today, yesterday and past days changed since.")
def refresh_job(ctx: JobContext) -> dict[str, int]:
    return refresh_current(ctx.now, _previous_start(ctx.job, ctx.period))


@register_job("stats.finalise", cron=FINALISE_CRON, catch_up="all",
              description="Rewrite the statistics rollup of the day that ended, once more (final).")
def finalise_job(ctx: JobContext) -> dict[str, int]:
    day = ctx.period_start.date() - timedelta(days=1)
    return {"rows": refresh_days(day, day)}
