"""Per-address limits on the two public doors that take a secret: staff sign-in and case tracking.

The sign-in locks (services.accounts, per account and address) stop guessing one account's password; these limits
stop one address from trying many accounts or many query codes. Only failed attempts count (a sign-in that
redirects, a tracking lookup that finds the case cost nothing), so a busy counter PC or hall kiosk is never held up
by its own successful use. Case lookups are counted by LookupThrottle, per address and per case number across all
addresses; a correct lookup is answered even from an address over its limit. Because a sign-in's failure is only
known after the view ran, parallel requests could all pass that check at once: a second, looser limit counts every
POST before the view (DOOR_BURST_LIMIT; for tracking, every lookup of one case number). Flask-Limiter keeps the
counts: in memory by default (per process), in Redis or another shared store when RATELIMIT_STORAGE_URI names one.
Production refuses the per-process store unless told it runs as one process (config.ProductionConfig.check): with
several workers each would count apart, multiplying every limit.
"""

from __future__ import annotations

import time

from flask import Flask, Response, current_app
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many
from limits.storage import MemoryStorage
from werkzeug.middleware.proxy_fix import ProxyFix

# endpoint -> the config key holding its limit (Flask-Limiter notation, e.g. "10 per minute;100 per hour")
LIMITED_DOORS = {"auth.login": "LOGIN_RATE_LIMIT"}
# endpoint -> (config key of its limit, the refusal) of a public form where every POST counts (each one files
# something: a complaint, an online application)
COUNTED_DOORS = {
    "complaints.complain": ("COMPLAINT_RATE_LIMIT",
                            _l("Too many complaints from your address. Wait a while, then try again.")),
    "online.apply": ("ONLINE_RATE_LIMIT",
                     _l("Too many online applications from your address. Wait a while, then try again.")),
}


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


class LookupThrottle:
    """Failed case lookups (tracking), counted per case number across all addresses and per address.

    A correct number and query code are always answered unless that case number is locked (too many failed
    lookups of it, or too many lookups of it at once, from anywhere): one person failing at a hall's kiosk or on a
    shared network cannot block the others there, a kiosk's many lookups of different cases never add up, and
    guessing one case's code stays capped however many addresses try. A failure is counted (an atomic increment
    in the limiter's store) before it is answered.
    """

    def __init__(self, limiter: Limiter, app: Flask) -> None:
        self.limiter = limiter
        self.prefix = app.config.get("RATELIMIT_KEY_PREFIX") or ""
        self.per_address = list(parse_many(app.config["TRACK_RATE_LIMIT"]))
        self.per_case = list(parse_many(app.config["TRACK_CASE_RATE_LIMIT"]))
        self.burst = list(parse_many(app.config["TRACK_CASE_BURST_LIMIT"]))

    def admit(self, number: str) -> str | None:
        """Count a lookup of ``number`` (every one, against TRACK_CASE_BURST_LIMIT: parallel guesses cannot all
        pass before their failures are counted) and check its failures; the refusal, or None to look it up."""
        if not self.limiter.enabled:
            return None
        strategy = self.limiter.limiter
        burst_ok = all([strategy.hit(limit, self.prefix, "track-burst", number) for limit in self.burst])
        if not burst_ok or not all(strategy.test(limit, self.prefix, "track-case", number) for limit in self.per_case):
            return str(_l("Too many failed lookups of this case number. Wait a while, then try again."))
        return None

    def count_failure(self, number: str, address: str) -> str | None:
        """Count a failed lookup of ``number`` from ``address``; the refusal when either went over its limit
        (the lookup is then answered 429 instead of "not found")."""
        if not self.limiter.enabled:
            return None
        strategy = self.limiter.limiter
        case_ok = all([strategy.hit(limit, self.prefix, "track-case", number) for limit in self.per_case])
        address_ok = all([strategy.hit(limit, self.prefix, "track-address", address) for limit in self.per_address])
        if not address_ok:
            return str(_l("Too many failed attempts from your address. Wait a few minutes, then try again."))
        if not case_ok:
            return str(_l("Too many failed lookups of this case number. Wait a while, then try again."))
        return None


def lookup_throttle() -> LookupThrottle:
    """The current application's tracking throttle."""
    return current_app.extensions["service_center.lookup_throttle"]


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

    for endpoint, (config_key, refusal) in COUNTED_DOORS.items():
        app.view_functions[endpoint] = limiter.limit(app.config[config_key], methods=["POST"],
                                                     error_message=lambda text=refusal: str(text))(
            app.view_functions[endpoint])
    app.extensions["service_center.lookup_throttle"] = LookupThrottle(limiter, app)  # tracking counts in its view
