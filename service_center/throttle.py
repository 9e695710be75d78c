"""Per-address limits on the two public doors that take a secret: staff sign-in and case tracking.

The sign-in locks (services.accounts, per account and address) stop guessing one account's password; these limits
stop one address from trying many accounts or many query codes. Only failed attempts count (a sign-in that
redirects, a tracking lookup that finds the case cost nothing), so a busy counter PC or hall kiosk is never held up
by its own successful use. Because a failure is only known after the view ran, parallel requests could all pass that
check at once: a second, looser limit counts every POST before the view (DOOR_BURST_LIMIT). Flask-Limiter keeps the
counts: in memory by default (per process), in Redis or another shared store when RATELIMIT_STORAGE_URI names one.
Production refuses the per-process store unless told it runs as one process (config.ProductionConfig.check): with
several workers each would count apart, multiplying every limit.
"""

from __future__ import annotations

import time

from flask import Flask, Response
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import MemoryStorage
from werkzeug.middleware.proxy_fix import ProxyFix

# endpoint -> the config key holding its limit (Flask-Limiter notation, e.g. "10 per minute;100 per hour")
LIMITED_DOORS = {"auth.login": "LOGIN_RATE_LIMIT", "cases.track": "TRACK_RATE_LIMIT"}


class SweptMemoryStorage(MemoryStorage):
    """``memory://`` without a thread per hit: limits' MemoryStorage starts a 10 ms timer thread, to drop expired
    keys, on every increment that finds none running, so a worker started a thread for every POST to a door.
    Reading a key already drops it when expired; here the sweep of the others runs inline, at most once a second.
    """

    STORAGE_SCHEME = ["sc-memory"]  # registered under this name by limits' storage registry
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._next_sweep = time.monotonic() + self.SWEEP_SECONDS

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the base class's private timer start
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def _failed(response: Response) -> bool:
    return response.status_code >= 400


def init_app(app: Flask) -> None:
    """Wrap the limited views with a limiter of this application's own (tests build several apps)."""
    proxies = app.config["PROXY_FIX_X_FOR"]
    if proxies:  # behind nginx & co. the client address is in X-Forwarded-For, set by that many proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    memory = app.config.get("RATELIMIT_STORAGE_URI", "memory://") in ("memory://", "", None)
    limiter = Limiter(get_remote_address, app=app, storage_uri="sc-memory://" if memory else None)
    app.extensions["service_center.limiter"] = limiter  # the wrapped views hold it only weakly

    def message() -> str:
        return str(_l("Too many failed attempts from your address. Wait a few minutes, then try again."))

    for endpoint, config_key in LIMITED_DOORS.items():
        view = limiter.limit(app.config[config_key], methods=["POST"], deduct_when=_failed,
                             error_message=message)(app.view_functions[endpoint])
        app.view_functions[endpoint] = limiter.limit(app.config["DOOR_BURST_LIMIT"], methods=["POST"],
                                                     scope=f"{endpoint}:burst",  # its own counter, always
                                                     error_message=message)(view)
