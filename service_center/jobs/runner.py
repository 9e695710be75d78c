"""Running a job's period exactly once, on any number of scheduler processes and machines.

One (job, period) run:

1. **The lock.** PostgreSQL: ``pg_try_advisory_xact_lock`` on a key hashed from (job, period), taken in a
   transaction of a connection of its own that stays open for the whole run (the work commits per batch on
   the session's connection; a transaction-level lock on that one would end at the first commit). SQLite (one
   machine by nature): an exclusive ``flock`` on a lock file per job next to the database file. Both are
   released by the server or the kernel when the process dies, SIGKILL included. Lock taken elsewhere: skip.
2. **The claim**, in a write transaction of its own (SQLite: ``BEGIN IMMEDIATE``): insert the (job, period)
   row, unique; if it is already there and finished, skip. A row there but unfinished while we hold the lock
   is a run that crashed: it is taken over (``attempts`` + 1), as is a ``failed`` run under ``max_attempts``.
3. **The work**: the job's function, which may commit per batch; then the row is finished (outcome, counts,
   error, failures) and committed with the last of the work. An exception rolls the open batch back and
   finishes the run ``failed`` (redone by the next tick until ``max_attempts``).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import socket
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..database import reset_reads_only, set_reads_only
from ..extensions import db
from ..models import JobFailure, JobOutcome, JobRun, utcnow
from ..services.clock import local_now
from .registry import Job, JobContext, get_job, load_jobs, period_key

log = logging.getLogger(__name__)

FAILURES_KEPT = 500
"""Failures stored per run (the count in ``counts['failed']`` is always complete)."""


@dataclass(frozen=True)
class RunResult:
    """What :func:`run_job` did: ``ran`` (this call did the work) or why not (``busy``: running elsewhere;
    ``done``: the period was already done), with the run row as it is now."""

    job: str
    period: str
    status: str  # ran, busy, done
    run: JobRun | None

    @property
    def ran(self) -> bool:
        return self.status == "ran"


# -- the lock ------------------------------------------------------------------------------------------------


def _lock_key(job: str, period: str) -> int:
    """A signed 64-bit advisory lock key for (job, period)."""
    digest = hashlib.blake2b(f"service_center.job\0{job}\0{period}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


_memory_locks: dict[str, threading.Lock] = {}
_memory_guard = threading.Lock()


@contextmanager
def run_lock(job: str, period: str) -> Iterator[bool]:
    """Hold the run lock of (job, period) for the block; yields False when another process holds it."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn, conn.begin():
            got = conn.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(_lock_key(job, period))))
            yield bool(got)  # the transaction, and the lock with it, ends when the block does
        return
    database = engine.url.database
    if not database or database == ":memory:":
        with _memory_guard:
            lock = _memory_locks.setdefault(job, threading.Lock())
        got = lock.acquire(blocking=False)
        try:
            yield got
        finally:
            if got:
                lock.release()
        return
    directory = Path(f"{database}.job-locks")
    directory.mkdir(exist_ok=True)
    fd = os.open(directory / f"{hashlib.sha1(job.encode()).hexdigest()[:16]}.lock",  # noqa: S324 - a file name
                 os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # releases the flock


# -- claim, run, finish --------------------------------------------------------------------------------------


def _runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def _is_done(run: JobRun, job: Job) -> bool:
    if run.finished_at is None:
        return False  # crashed: we hold the lock, so nobody runs it
    return run.outcome != JobOutcome.FAILED or run.attempts >= job.max_attempts


def _claim(job: Job, period: str, now: datetime) -> JobRun | None:
    """Insert or take over the run row in a transaction of its own; None when the period is done."""
    table = JobRun.__table__
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(table).values(job=job.name, period=period, started_at=now, counts={}, error="", attempts=0,
                             runner=_runner_name()).on_conflict_do_nothing(index_elements=["job", "period"])
    )
    run = db.session.execute(
        sa.select(JobRun).where(JobRun.job == job.name, JobRun.period == period)
        .execution_options(populate_existing=True)
    ).scalar_one()
    if _is_done(run, job):
        db.session.rollback()
        return None
    if run.finished_at is None and run.attempts >= job.max_attempts:  # it crashed every time: give up
        run.finished_at, run.outcome = utcnow(), JobOutcome.FAILED
        run.error = f"the run stopped without finishing {run.attempts} times; not tried again"
        db.session.commit()
        return None
    if run.attempts:
        log.warning("job %s %s: attempt %d (the last one %s)", job.name, period, run.attempts + 1,
                    "failed" if run.finished_at else "never finished")
    run.attempts += 1
    run.started_at, run.finished_at, run.outcome = now, None, None
    run.counts, run.error, run.runner = {}, "", _runner_name()
    run.failures.clear()
    db.session.commit()
    return run


def _finish(run_id: int, ctx: JobContext, counts: dict[str, int], error: str) -> JobRun:
    run = db.session.get_one(JobRun, run_id, populate_existing=True)
    done = sum(v for k, v in counts.items() if k != "failed")
    if error:
        outcome = JobOutcome.FAILED
    elif ctx.failures:
        outcome = JobOutcome.PARTIAL if done else JobOutcome.FAILED
    else:
        outcome = JobOutcome.OK
    if ctx.failures:
        counts = {**counts, "failed": len(ctx.failures)}
    run.counts, run.error, run.outcome, run.finished_at = counts, error, outcome, utcnow()
    for failure in ctx.failures[:FAILURES_KEPT]:
        run.failures.append(JobFailure(subject=failure.subject[:80], reason=failure.reason))
    db.session.commit()
    return run


def run_job(name: str, period: str | None = None, *, now: datetime | None = None) -> RunResult:
    """Do ``period``'s work of the job ``name`` unless it is done or running elsewhere.

    ``period``: a period key (default: the period ``now`` falls in); ``now``: the moment of the run (default:
    the clock). Commits the session (the claim, the job's batches, the finish): call it with no work pending.
    """
    job = get_job(name)
    now = (now or local_now()).astimezone(local_now().tzinfo)
    start = job.period_from_key(period, now.tzinfo) if period else job.period_start(now)  # type: ignore[arg-type]
    key = period_key(start)
    token = set_reads_only(False)  # SQLite: the claim and the work begin IMMEDIATE
    try:
        with run_lock(job.name, key) as locked:
            if not locked:
                return RunResult(job.name, key, "busy", None)
            run = _claim(job, key, now)
            if run is None:
                existing = db.session.scalar(sa.select(JobRun).where(JobRun.job == job.name, JobRun.period == key))
                return RunResult(job.name, key, "done", existing)
            ctx = JobContext(job.name, key, start, now)
            counts: dict[str, int] = {}
            error = ""
            try:
                counts = dict(job.function(ctx))
            except Exception:  # the run is recorded as failed and redone; the scheduler goes on
                db.session.rollback()
                error = traceback.format_exc(limit=8)
                log.exception("job %s %s failed", job.name, key)
            finished = _finish(run.id, ctx, counts, error)
            log.info("job %s %s: %s %s", job.name, key, finished.outcome, finished.counts)
            return RunResult(job.name, key, "ran", finished)
    finally:
        reset_reads_only(token)


def due_periods(job: Job, now: datetime) -> list[str]:
    """The periods of ``job`` to run at ``now``: the current one, and for ``catch_up="all"`` the missed ones
    since the last recorded run (at most ``max_catch_up``), oldest first. Periods already done are left out
    by :func:`run_job` itself."""
    current = job.period_start(now)
    if job.catch_up == "latest":
        return [period_key(current)]
    last = db.session.scalar(sa.select(sa.func.max(JobRun.period)).where(JobRun.job == job.name))
    if last is None:
        return [period_key(current)]
    starts: list[datetime] = []
    start = job.next_start(job.period_from_key(last, now.tzinfo))  # type: ignore[arg-type]
    while start < current:
        starts.append(start)
        start = job.next_start(start)
    return [period_key(s) for s in [*starts[-job.max_catch_up:], current]]


def tick(name: str | None = None, *, now: datetime | None = None) -> list[RunResult]:
    """Run what is due of one job (or of every job): what the scheduler calls each minute. Crashed and failed
    runs of the current period are redone here; missed periods caught up as the job's ``catch_up`` says."""
    now = (now or local_now()).astimezone(local_now().tzinfo)
    jobs = [get_job(name)] if name else list(load_jobs().values())
    results = []
    for job in jobs:
        with db.session.no_autoflush:
            periods = due_periods(job, now)
        db.session.rollback()
        for period in periods:
            results.append(run_job(job.name, period, now=now))
    return results
