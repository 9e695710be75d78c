"""The default rating (默认好评): closed applications left unrated for RATING_DEFAULT_DAYS get 基本满意, once a
day at RATING_DEFAULT_CRON (centre time), flagged as default so they are counted apart from active ratings."""

from __future__ import annotations

from ..services.ratings import give_default_ratings
from .registry import JobContext, register_job

RATING_DEFAULT_CRON = "15 1 * * *"


@register_job("ratings.default", cron=RATING_DEFAULT_CRON,
              description="Give 基本满意 to closed cases left unrated for RATING_DEFAULT_DAYS (counted apart).")
def default_ratings_job(ctx: JobContext) -> dict[str, int]:
    return {"defaulted": give_default_ratings(now=ctx.now)}
