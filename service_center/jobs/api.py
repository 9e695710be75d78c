"""Forgetting old idempotency records (docs/API.md): a retry comes within minutes, so a record older than
API_IDEMPOTENCY_HOURS (default 24) is deleted, once a day, by one statement over its created_at index."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models.api import IdempotencyRecord
from .registry import JobContext, register_job

IDEMPOTENCY_PURGE_CRON = "40 2 * * *"


@register_job("api.idempotency_purge", cron=IDEMPOTENCY_PURGE_CRON,
              description="Delete API idempotency records older than API_IDEMPOTENCY_HOURS.")
def purge_idempotency_records(ctx: JobContext) -> dict[str, int]:
    hours = int(current_app.config.get("API_IDEMPOTENCY_HOURS", 24))
    deleted = db.session.execute(sa.delete(IdempotencyRecord).where(
        IdempotencyRecord.created_at < ctx.now - timedelta(hours=hours)))
    return {"deleted": deleted.rowcount or 0}
