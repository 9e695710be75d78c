"""The built-in jobs: the receipt sweeps, renewals and abandoned disclosure requests (daily at SWEEP_CRON), and
the outbox sender (every minute)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import CaseEvent
from ..services.abandonment import abandon_lapsed_supplements
from ..services.delivery import send_pending
from ..services.outbox import tell_applicants_of_events
from ..services.renewals import grant_expired_renewals
from ..services.sweeps import SweepPart, sweep_deemed_acceptance, sweep_lapsed_gaps
from .registry import JobContext, register_job

SWEEP_SCHEDULE = "config:SWEEP_CRON"


def _sweep_part(ctx: JobContext, run: Callable[..., SweepPart], count: str) -> dict[str, int]:
    """A set-based sweep as a job. Each batch commits together with the applicants' messages for the events it
    wrote (the events after a watermark, at this run's moment): a run killed between batches leaves no case
    handled and untold, and the redo tells only its own (the keys are the events', so nothing twice)."""
    watermark = db.session.scalar(sa.select(sa.func.max(CaseEvent.id))) or 0
    told = 0

    def commit() -> None:
        nonlocal watermark, told
        told += tell_applicants_of_events(CaseEvent.id > watermark, CaseEvent.at == ctx.now,
                                          CaseEvent.actor_role == "system")
        watermark = db.session.scalar(sa.select(sa.func.max(CaseEvent.id))) or watermark
        ctx.commit()

    part = run(when=ctx.now, commit=commit)
    for failure in part.failed:
        ctx.failed(failure.number, failure.reason)
    return {count: part.done, "notified": told}


@register_job("cases.deemed_acceptance", cron=SWEEP_SCHEDULE,
              description="Deem accepted (视为受理) the applications whose notice period ended with no notice.")
def deemed_acceptance_job(ctx: JobContext) -> dict[str, int]:
    return _sweep_part(ctx, sweep_deemed_acceptance, "deemed_accepted")


@register_job("cases.lapsed_gaps", cron=SWEEP_SCHEDULE,
              description="Terminate (终止) the cases whose 容缺 materials never arrived by their due date.")
def lapsed_gaps_job(ctx: JobContext) -> dict[str, int]:
    return _sweep_part(ctx, sweep_lapsed_gaps, "terminated")


@register_job("cases.renewals", cron=SWEEP_SCHEDULE,
              description="Grant by law (Art. 50) the renewals still undecided when their licence expired.")
def renewals_job(ctx: JobContext) -> dict[str, int]:
    return _sweep_part(ctx, grant_expired_renewals, "renewals_granted")


@register_job("disclosure.abandoned", cron=SWEEP_SCHEDULE,
              description="Abandon (视为放弃申请) the requests whose supplement did not arrive in the period given.")
def abandoned_requests_job(ctx: JobContext) -> dict[str, int]:
    return {"abandoned": abandon_lapsed_supplements(when=ctx.now, failed=ctx.failed, commit=ctx.commit)}


@register_job("outbox.send", every=timedelta(minutes=1),
              description="Send the pending notifications (SMS, e-mail); retry with backoff, then dead letter.")
def send_outbox_job(ctx: JobContext) -> dict[str, int]:
    result = send_pending(now=ctx.now)
    return {"sent": result.sent, "retried": result.retried, "dead": result.dead}

