"""Integration events (集成事件): case status changes delivered to integration clients as signed webhooks.

Writing: after every transition that changes a case's state (a hook of :func:`services.core.perform`, in its
transaction) one outbox row per active :class:`~service_center.models.WebhookSubscription` is added, channel
``webhook``, keyed ``webhook:<subscription>:<case number>:<trigger>:<moment>``: the same event is never written
twice. Sending: the outbox sender (:mod:`services.delivery`) POSTs it through :class:`WebhookBackend`, retrying
with backoff and keeping dead letters like every channel; delivery is at least once, so receivers drop repeats
by the ``X-Webhook-Id`` header (the row's key).

Signature: ``X-Webhook-Signature: sha256=<hex>``, the HMAC-SHA256 under the subscription's secret of
``<X-Webhook-Timestamp>.<body>`` (the timestamp in Unix seconds, a dot, the raw body bytes). A receiver recomputes
it, compares in constant time and refuses timestamps older than a few minutes (replays). The body is JSON:
``{"id", "event": "case.status_changed", "data": {"case_id", "number", "workflow", "trigger", "from", "to",
"state_label", "at"}}``; no personal data of the applicant.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.request
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from workflows.engine import Fired

from ..extensions import db
from ..models import Case, Channel, OutboxMessage, OutboxStatus, WebhookSubscription, utcnow
from ..models.api import IntegrationClient
from . import ServiceError
from .core import Actor, on_perform
from .outbox import Rendered

SECRET_MIN = 16

EVENT = "case.status_changed"
SIGNATURE_HEADER = "X-Webhook-Signature"
TIMESTAMP_HEADER = "X-Webhook-Timestamp"
ID_HEADER = "X-Webhook-Id"

Transport = Callable[[str, bytes, Mapping[str, str], float], int]
"""POSTs (url, body, headers, timeout) and returns the HTTP status; raises on a network failure."""


@on_perform
def queue_status_change(case: Case, fired: Fired, actor: Actor, at: datetime) -> None:
    """One outbox row per active subscription when the transition changed the case's state."""
    if fired.dest == fired.source:
        return
    with db.session.no_autoflush:  # a hook adds to the session and never flushes
        subscriptions = db.session.execute(
            sa.select(WebhookSubscription.id, WebhookSubscription.url).where(WebhookSubscription.active)
        ).all()
    moment = at.astimezone(UTC)
    data = {"case_id": case.id, "number": case.number, "workflow": case.workflow_key, "trigger": fired.trigger,
            "from": fired.source, "to": fired.dest, "state_label": fired.definition.label(fired.dest),
            "at": moment.isoformat()}
    for subscription_id, url in subscriptions:
        db.session.add(OutboxMessage(
            key=f"webhook:{subscription_id}:{case.number}:{fired.trigger}:{moment.strftime('%Y%m%dT%H%M%S.%fZ')}",
            kind=EVENT, channel=Channel.WEBHOOK, address=url, case=case, template=EVENT,
            params={**data, "subscription_id": subscription_id}, status=OutboxStatus.PENDING,
            next_attempt_at=utcnow(),
        ))


def add_subscription(name: str, url: str, secret: str | None = None, *,
                     client: IntegrationClient | None = None) -> tuple[WebhookSubscription, str]:
    """A new active subscription (the receiver of ``client``, an integration client, when given) and its secret:
    the one given (at least :data:`SECRET_MIN` characters) or a random one. Refused: a name taken, a URL that is
    not http(s) or longer than 200 characters."""
    name, url = name.strip(), url.strip()
    if not name or len(name) > 80:
        raise ServiceError(_("Give the subscription a name of at most 80 characters."), field="name")
    if not url.startswith(("https://", "http://")) or len(url) > 200:
        raise ServiceError(_("The URL must start with https:// or http:// and have at most 200 characters."),
                           field="url")
    secret = secret or secrets.token_urlsafe(32)
    if len(secret) < SECRET_MIN:
        raise ServiceError(_("The secret needs at least %(n)d characters.", n=SECRET_MIN), field="secret")
    if db.session.scalar(sa.select(WebhookSubscription.id).where(WebhookSubscription.name == name)) is not None:
        raise ServiceError(_("A subscription named %(name)s exists already.", name=name), field="name")
    subscription = WebhookSubscription(name=name, url=url, secret=secret, active=True, client=client)
    db.session.add(subscription)
    db.session.flush()
    return subscription, secret


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Webhook-Signature`` value: ``sha256=`` and the hex HMAC-SHA256 of ``timestamp.body``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None,
           tolerance_seconds: int = 300) -> bool:
    """What a receiver checks (used by the tests' fake receiver): the signature, in constant time, and a
    timestamp within ``tolerance_seconds``."""
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > tolerance_seconds:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), headers.get(SIGNATURE_HEADER, ""))


def http_post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
    """The default transport: an HTTP(S) POST with urllib."""
    if not url.startswith(("https://", "http://")):
        raise ValueError("a webhook URL must be http(s)")
    request = urllib.request.Request(url, data=body, method="POST", headers=dict(headers))  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) checked above
        return int(response.status)


class WebhookRefused(Exception):
    """The receiver answered anything but 2xx, or the subscription is gone; the message is tried again."""


class WebhookBackend:
    """Delivers ``webhook`` outbox rows: the body built from the row's params, signed with the secret of the
    subscription it was written for (read at sending time, so a rotated secret signs what is still pending)."""

    def __init__(self, *, timeout: float = 10.0, transport: Transport = http_post) -> None:
        self.timeout, self.transport = timeout, transport

    def send(self, message: Rendered) -> None:
        params = dict(message.params)
        subscription = db.session.get(WebhookSubscription, params.pop("subscription_id", None))
        if subscription is None or not subscription.active:
            raise WebhookRefused("the subscription is gone or inactive")
        body = json.dumps({"id": message.key, "event": EVENT, "data": params}, ensure_ascii=False,
                          sort_keys=True, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json; charset=utf-8", ID_HEADER: message.key,
                   TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(subscription.secret, timestamp, body)}
        status = self.transport(subscription.url, body, headers, self.timeout)
        if not 200 <= status < 300:
            raise WebhookRefused(f"the receiver answered {status}")
