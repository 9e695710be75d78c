"""The supervision office's jobs: escalating overdue supervision orders (every WARNINGS_CRON period) and the
daily inspection (日巡查) each working morning at INSPECTION_CRON, centre time (non-working days by the work
calendar are skipped: no summary, no notification)."""

from __future__ import annotations

from ..services.clock import work_calendar
from ..services.orders import escalate_overdue_orders, take_inspection
from .registry import JobContext, register_job


@register_job("orders.escalate", cron="config:WARNINGS_CRON",
              description="Escalate (黄牌) the supervision orders not answered by their due date, once each.")
def escalate_orders_job(ctx: JobContext) -> dict[str, int]:
    return {"escalated": len(escalate_overdue_orders(now=ctx.now))}


@register_job("supervision.inspection", cron="config:INSPECTION_CRON", catch_up="all",
              description="The daily inspection (日巡查) for the supervision office, each working morning.")
def inspection_job(ctx: JobContext) -> dict[str, int]:
    day = ctx.period_start.date()
    if not work_calendar().is_workday(day):
        return {"skipped": 1}
    take_inspection(day=day, now=ctx.now)
    return {"inspected": 1}
