"""Scheduled jobs, each period's work done once (issue #9).

- :mod:`.registry`: ``@register_job(name, every=... | cron=..., description=...)`` on a function
  ``(ctx: JobContext) -> dict[str, int]``; periods and their keys.
- :mod:`.runner`: :func:`run_job` (one period, exactly once, recorded in ``job_runs``) and :func:`tick` (what
  is due now, crashed and missed periods included), called by the scheduler process every minute.
- :mod:`.builtin`: the jobs of the case book (receipt sweeps, renewals, abandoned disclosure requests) and the
  outbox sender. Other modules register theirs the same way and are imported by :func:`load_jobs`.
"""

from .registry import JOBS, Failure, Job, JobContext, JobError, get_job, load_jobs, period_key, register_job
from .runner import RunResult, run_job, tick

__all__ = [
    "JOBS",
    "Failure",
    "Job",
    "JobContext",
    "JobError",
    "RunResult",
    "get_job",
    "load_jobs",
    "period_key",
    "register_job",
    "run_job",
    "tick",
]
