"""The registry of scheduled jobs, their periods and the context a run gets.

A job is a function ``(ctx: JobContext) -> dict[str, int]`` (what it did, as counts) registered with
:func:`register_job` and a schedule: ``every`` (a fixed interval, periods aligned on local midnight) or ``cron``
(a crontab line in the centre's time zone). Each scheduled moment is a *period*, named by its start in local
time (``2026-03-10T00:30``); the runner (:mod:`service_center.jobs.runner`) does each (job, period) once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Literal

from apscheduler.triggers.cron import CronTrigger

from ..extensions import db

PERIOD_FORMAT = "%Y-%m-%dT%H:%M"
"""A period key: the period's start, local time, to the minute."""

CatchUp = Literal["latest", "all"]


class JobError(LookupError):
    """An unknown job or a period that is not one of the job's."""


@dataclass(frozen=True)
class Failure:
    """A subject (a case number, an outbox key ...) a run could not handle, and why."""

    subject: str
    reason: str


@dataclass
class JobContext:
    """What a job run gets.

    Attributes:
        job: the job's name.
        period: the period key (``2026-03-10T00:30``): the run does this period's work.
        period_start: the period's start, aware, in the centre's time zone.
        now: the moment of the run, aware, in the centre's time zone (use it as the action time).
        failures: what :meth:`failed` reported so far.
    """

    job: str
    period: str
    period_start: datetime
    now: datetime
    failures: list[Failure] = field(default_factory=list)

    def failed(self, subject: str, reason: str) -> None:
        """Report a case (or other subject) this run could not handle; the run goes on with the others and
        ends ``partial``. Keep the work for that subject out of the transaction (a savepoint, or its own
        batch), so the rest still commits."""
        self.failures.append(Failure(str(subject), str(reason)))

    def commit(self) -> None:
        """Commit the work done so far (per batch): a run killed later keeps it, and its redo finds less to do.
        The runner commits at the end anyway; jobs whose work is one statement need not call this."""
        db.session.commit()


JobFunction = Callable[[JobContext], dict[str, int]]


@dataclass(frozen=True)
class Job:
    """A registered job. ``catch_up``: after downtime, ``latest`` runs only the latest missed period (jobs
    whose work is "everything due by now": sweeps, the sender), ``all`` runs every missed period in order, up
    to ``max_catch_up`` of them (jobs whose output belongs to a period: a daily summary). ``max_attempts``: a
    run that failed or crashed is redone by the next ticks until it has been tried that many times."""

    name: str
    function: JobFunction
    description: str
    every: timedelta | None = None
    cron: str | None = None
    catch_up: CatchUp = "latest"
    max_catch_up: int = 31
    max_attempts: int = 3

    @property
    def schedule(self) -> str:
        """The schedule as people read it: ``every 0:05:00`` or ``cron 30 0 * * *`` (a setting's value)."""
        return f"every {self.every}" if self.every is not None else f"cron {self.cron_line()}"

    def cron_line(self) -> str:
        """The crontab line; ``cron`` may name a setting (``config:SWEEP_CRON``) read from the app config."""
        from flask import current_app

        cron = self.cron or ""
        if cron.startswith("config:"):
            return str(current_app.config[cron.removeprefix("config:")])
        return cron

    def period_start(self, moment: datetime) -> datetime:
        """The start of the period ``moment`` falls in (the latest scheduled moment at or before it)."""
        zone = moment.tzinfo
        if zone is None:
            raise ValueError(f"naive datetime {moment!r}: pass an aware datetime")
        if self.every is not None:
            anchor = datetime(2000, 1, 1, tzinfo=zone)
            return anchor + ((moment - anchor) // self.every) * self.every
        return _previous_fire(CronTrigger.from_crontab(self.cron_line(), timezone=zone), moment)

    def next_start(self, start: datetime) -> datetime:
        """The start of the period after the one starting at ``start``."""
        if self.every is not None:
            return start + self.every
        trigger = CronTrigger.from_crontab(self.cron_line(), timezone=start.tzinfo)
        return trigger.get_next_fire_time(None, start + timedelta(seconds=1))  # type: ignore[return-value]

    def period_from_key(self, key: str, zone: tzinfo) -> datetime:
        """The period start a key names; :class:`JobError` when the key is not one of this job's periods."""
        try:
            moment = datetime.strptime(key, PERIOD_FORMAT).replace(tzinfo=zone)
        except ValueError as exc:
            raise JobError(f"{key!r} is not a period (expected YYYY-MM-DDTHH:MM)") from exc
        start = self.period_start(moment)
        if start != moment:
            raise JobError(f"{key} is not a period of {self.name}: the period it falls in is {period_key(start)}")
        return start


def period_key(start: datetime) -> str:
    """The key of the period starting at ``start`` (local time, to the minute)."""
    return start.strftime(PERIOD_FORMAT)


def _previous_fire(trigger: CronTrigger, moment: datetime) -> datetime:
    """The latest fire time of ``trigger`` at or before ``moment``: searched in growing windows back."""
    for window in (timedelta(hours=2), timedelta(days=2), timedelta(days=33), timedelta(days=367 * 4)):
        fire = trigger.get_next_fire_time(None, moment - window)
        if fire is None or fire > moment:
            continue
        while True:
            following = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
            if following is None or following > moment:
                return fire
            fire = following
    raise JobError(f"cron {trigger} never fires before {moment}")


JOBS: dict[str, Job] = {}
"""Every registered job by name, in registration order."""


def register_job(name: str, *, every: timedelta | None = None, cron: str | None = None, description: str,
                 catch_up: CatchUp = "latest", max_attempts: int = 3) -> Callable[[JobFunction], JobFunction]:
    """Register ``function(ctx: JobContext) -> dict[str, int]`` as the job ``name``.

    Exactly one of ``every`` (an interval: periods start at local midnight and every interval after it) and
    ``cron`` (a crontab line in the centre's time zone, or ``config:NAME`` for a setting holding one). The
    function does the work of ``ctx.period`` as of ``ctx.now``, reports cases it could not handle with
    ``ctx.failed(case_number, reason)`` and goes on with the others, may commit per batch with
    ``ctx.commit()``, and returns its counts (``{"raised": 12}``). It must be idempotent: a crashed run is
    redone. Example::

        @register_job("warnings.sweep", every=timedelta(minutes=5), description="Raise warning cards.")
        def raise_warning_cards(ctx: JobContext) -> dict[str, int]:
            return {"raised": sweep_cards(now=ctx.now)}
    """
    if (every is None) == (cron is None):
        raise ValueError(f"job {name}: give exactly one of every= and cron=")
    if every is not None and (every < timedelta(minutes=1) or every % timedelta(minutes=1)):
        raise ValueError(f"job {name}: every= must be whole minutes (periods are named to the minute)")

    def register(function: JobFunction) -> JobFunction:
        existing = JOBS.get(name)
        if existing is not None and existing.function.__qualname__ != function.__qualname__:
            raise ValueError(f"job {name} is registered twice")
        JOBS[name] = Job(name, function, description, every, cron, catch_up, max_attempts=max_attempts)
        return function

    return register


def get_job(name: str) -> Job:
    """The registered job ``name`` (:class:`JobError` when there is none)."""
    load_jobs()
    try:
        return JOBS[name]
    except KeyError:
        raise JobError(f"no job named {name!r}; known: {', '.join(JOBS)}") from None


def load_jobs() -> dict[str, Job]:
    """Import the modules that register the built-in jobs (once) and return the registry."""
    from . import api, builtin, orders, ratings, statistics, warnings  # noqa: F401  (register on import)

    return JOBS
