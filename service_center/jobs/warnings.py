"""The warning sweep as a scheduled job: every WARNINGS_CRON period (5 minutes by default), in one transaction
with the notifications of the cards it raised (the runner commits)."""

from __future__ import annotations

from ..services.warnings import raise_warning_cards
from .registry import JobContext, register_job


@register_job("warnings", cron="config:WARNINGS_CRON",
              description="Raise the warning cards (提示, 黄牌, 红牌) due now and notify their handlers and heads.")
def warnings_job(ctx: JobContext) -> dict[str, int]:
    counts = raise_warning_cards(now=ctx.now)
    return {"raised": counts.total, **counts.raised}
