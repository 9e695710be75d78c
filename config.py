"""Configuration classes, read from the environment.

Pick one with ``SERVICE_CENTER_CONFIG`` (``development`` (default), ``production``, ``testing``).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("SERVICE_CENTER_INSTANCE", BASE_DIR / "instance"))


def instance_secret() -> str:
    """Return the secret key kept in ``instance/secret_key``, generating it on first use.

    The file is created with mode 0600 and is ignored by git, so no secret is ever committed.
    """
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_weights(name: str, default: dict[str, float]) -> dict[str, float]:
    """A ``key=number,key=number`` setting (e.g. ``timeliness=40,satisfaction=30``) over ``default``: keys left
    out keep their default; an unknown key or a number that does not parse stops the start-up."""
    value = os.environ.get(name, "").strip()
    weights = dict(default)
    for part in filter(None, (p.strip() for p in value.split(","))):
        key, _, number = part.partition("=")
        if key.strip() not in default:
            raise ValueError(f"{name}: unknown key {key.strip()!r} (known: {', '.join(default)})")
        weights[key.strip()] = float(number)
    return weights


class Config:
    """Defaults shared by every environment."""

    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'service_center.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "10000"))
    SECRET_KEY = os.environ.get("SECRET_KEY") or None  # filled from instance/ by create_app when unset

    # Centre identity, used in case numbers and printed notices.
    # Public guide pages rendered once per worker and served again while the catalogue is unchanged (0: off).
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "60"))

    CENTRE_CODE = os.environ.get("CENTRE_CODE", "SC")
    CENTRE_NAME = os.environ.get("CENTRE_NAME", "政务服务中心")
    COMPLAINT_PHONE = os.environ.get("COMPLAINT_PHONE", "12345")
    # The public tracking page printed on notices (address and QR code); unset: this site's /track.
    PUBLIC_TRACKING_URL = os.environ.get("PUBLIC_TRACKING_URL", "")

    # Sessions and the remember-me cookie.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_DURATION = timedelta(days=int(os.environ.get("REMEMBER_DAYS", "14")))
    PERMANENT_SESSION_LIFETIME = timedelta(hours=int(os.environ.get("SESSION_HOURS", "12")))

    # Login throttling: after LOGIN_FREE_ATTEMPTS failures in a row (none more than LOGIN_FAILURE_WINDOW_MINUTES
    # apart) the account is locked for a delay that doubles with each further failure, up to LOGIN_MAX_LOCK_MINUTES.
    LOGIN_FREE_ATTEMPTS = int(os.environ.get("LOGIN_FREE_ATTEMPTS", "5"))
    LOGIN_MAX_LOCK_MINUTES = int(os.environ.get("LOGIN_MAX_LOCK_MINUTES", "60"))
    LOGIN_FAILURE_WINDOW_MINUTES = int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", "15"))
    # Those locks hold per account and client address. Failures from all addresses together lock the account from
    # LOGIN_ACCOUNT_FREE_ATTEMPTS on, except at addresses it signed in from within LOGIN_KNOWN_ADDRESS_DAYS.
    LOGIN_ACCOUNT_FREE_ATTEMPTS = int(os.environ.get("LOGIN_ACCOUNT_FREE_ATTEMPTS", "50"))
    LOGIN_KNOWN_ADDRESS_DAYS = int(os.environ.get("LOGIN_KNOWN_ADDRESS_DAYS", "90"))
    # Failed sign-ins and failed case lookups allowed per client address (service_center/throttle.py).
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;100 per hour")
    TRACK_RATE_LIMIT = os.environ.get("TRACK_RATE_LIMIT", "10 per minute;60 per hour")
    # Failed lookups of one case number from all addresses together: past it even the right code waits.
    TRACK_CASE_RATE_LIMIT = os.environ.get("TRACK_CASE_RATE_LIMIT", "5 per minute;20 per hour")
    TRACK_CASE_BURST_LIMIT = os.environ.get("TRACK_CASE_BURST_LIMIT", "10 per minute")  # every lookup of one number
    DOOR_BURST_LIMIT = os.environ.get("DOOR_BURST_LIMIT", "30 per minute")  # every POST to throttle.LIMITED_DOORS
    COMPLAINT_RATE_LIMIT = os.environ.get("COMPLAINT_RATE_LIMIT", "5 per minute;30 per hour")  # every complaint
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")  # e.g. redis://127.0.0.1:6379
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    # Production refuses a per-process store (memory://) unless this accepts that each process counts apart.
    RATELIMIT_ALLOW_PER_PROCESS = _env_bool("RATELIMIT_ALLOW_PER_PROCESS", False)
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))  # reverse proxies in front of the app

    SWEEP_CRON = os.environ.get("SWEEP_CRON", "30 0 * * *")  # `flask cases scheduler`: daily at 00:30 centre time
    JOB_TICK_SECONDS = int(os.environ.get("JOB_TICK_SECONDS", "60"))  # the scheduler looks for due job periods

    # The notifications outbox (service_center/services/outbox.py): backends, retries with doubling waits.
    OUTBOX_SMS_BACKEND = os.environ.get("OUTBOX_SMS_BACKEND", "log")  # log | http
    OUTBOX_EMAIL_BACKEND = os.environ.get("OUTBOX_EMAIL_BACKEND", "log")  # log | smtp
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))  # then the message is a dead letter
    OUTBOX_RETRY_SECONDS = int(os.environ.get("OUTBOX_RETRY_SECONDS", "60"))
    OUTBOX_RETRY_MAX_SECONDS = int(os.environ.get("OUTBOX_RETRY_MAX_SECONDS", str(6 * 3600)))
    SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
    SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")
    SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "")  # 短信签名
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "noreply@localhost")
    WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))  # one webhook delivery

    # Online applications (网上申报, docs/ONLINE.md): uploaded materials are PDF, JPEG or PNG by content, at most
    # ONLINE_MAX_FILE_MB each, ONLINE_MAX_FILES_PER_MATERIAL per material and ONLINE_MAX_FILES per submission;
    # stored under their SHA-256 in UPLOAD_FOLDER (default: instance/uploads).
    ONLINE_MAX_FILE_MB = float(os.environ.get("ONLINE_MAX_FILE_MB", "5"))
    ONLINE_MAX_FILES_PER_MATERIAL = int(os.environ.get("ONLINE_MAX_FILES_PER_MATERIAL", "5"))
    ONLINE_MAX_FILES = int(os.environ.get("ONLINE_MAX_FILES", "20"))
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", "")  # empty: <instance folder>/uploads
    ONLINE_RATE_LIMIT = os.environ.get("ONLINE_RATE_LIMIT", "10 per minute;50 per hour")  # every submission POST
    # The warning sweep (service_center/services/warnings.py): when it runs (every 5 minutes), and how many calendar
    # days back it judges cases whose clock stopped (decided, closed or delivered late), to catch up after downtime.
    WARNINGS_CRON = os.environ.get("WARNINGS_CRON", "*/5 * * * *")
    INSPECTION_CRON = os.environ.get("INSPECTION_CRON", "0 8 * * *")  # the daily inspection (日巡查), centre time
    WARNINGS_LOOKBACK_DAYS = int(os.environ.get("WARNINGS_LOOKBACK_DAYS", "31"))
    # Ratings (好差评): closed cases left unrated this many calendar days get 基本满意 (counted apart); a bad rating's
    # rectification is due in RECTIFICATION_DAYS working days (unset: the rectification definition's 15).
    RATING_DEFAULT_DAYS = int(os.environ.get("RATING_DEFAULT_DAYS", "7"))
    RECTIFICATION_DAYS = int(os.environ["RECTIFICATION_DAYS"]) if os.environ.get("RECTIFICATION_DAYS") else None
    # Limits count from the working day after acceptance (DOMAIN.md); on, the day of acceptance is day 1.
    CLOCK_COUNTS_START_DAY = _env_bool("CLOCK_COUNTS_START_DAY", False)

    # The window scorecard (窗口效能, docs/STATISTICS-SCORECARD.md): each part scores 0-100 and the monthly score is
    # their weighted mean (parts without data leave it). Cards deduct points each; complaints score 0 at the ceiling.
    SCORECARD_WEIGHTS = _env_weights(
        "SCORECARD_WEIGHTS", {"timeliness": 40, "satisfaction": 30, "complaints": 15, "cards": 15})
    SCORECARD_CARD_POINTS = _env_weights("SCORECARD_CARD_POINTS", {"reminder": 1, "yellow": 5, "red": 20})
    SCORECARD_COMPLAINTS_CEILING = float(os.environ.get("SCORECARD_COMPLAINTS_CEILING", "10"))  # per 1,000 cases
    HALL_BOARD_REFRESH_SECONDS = int(os.environ.get("HALL_BOARD_REFRESH_SECONDS", "30"))  # the hall board's poll

    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
    HSTS_SECONDS = 0  # Strict-Transport-Security max-age; 0: no header (production sets it)
    DEMO_ALLOWED = True  # `flask demo` may create the demo accounts
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    ITEMS_PER_PAGE = 20
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024  # catalogue uploads


class DevelopmentConfig(Config):
    """Local use on the embedded SQLite database."""


class TestingConfig(Config):
    """Used by the test suite; the fixtures set the database URL."""

    TESTING = True
    SECRET_KEY = "testing-only-not-secret"  # noqa: S105
    WTF_CSRF_ENABLED = True
    RATELIMIT_ENABLED = False  # one app serves every test from 127.0.0.1; tests/web/test_throttle.py enables it
    PAGE_CACHE_SECONDS = 0  # tests/web/test_page_cache.py turns it on


class ProductionConfig(Config):
    """Production: PostgreSQL through DATABASE_URL, secure cookies, a real SECRET_KEY required."""

    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    DEMO_ALLOWED = False  # no demo accounts with a published password unless --force
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))

    @staticmethod
    def check(config: dict) -> None:
        """Refuse to start without a real secret key, or with rate limits counted apart by each process."""
        key = config.get("SECRET_KEY") or ""
        if len(key) < 32 or key in {"dev", "changeme", "secret"}:
            raise RuntimeError(
                "ProductionConfig needs SECRET_KEY set in the environment to a random value of 32+ characters"
            )
        per_process = (config.get("RATELIMIT_STORAGE_URI") or "memory://").split("://")[0] in {"memory", "sc-memory"}
        if config.get("RATELIMIT_ENABLED") and per_process and not config.get("RATELIMIT_ALLOW_PER_PROCESS"):
            raise RuntimeError(
                "ProductionConfig refuses RATELIMIT_STORAGE_URI=memory://: every worker process would count failed "
                "sign-ins and case lookups apart, multiplying the limits by the number of workers. Set "
                "RATELIMIT_STORAGE_URI to a shared store (redis://host:6379), or RATELIMIT_ALLOW_PER_PROCESS=1 "
                "if the application runs as one process (or the multiplied limits are accepted)"
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
