"""Delivering the outbox (:mod:`services.outbox`): backends per channel, the sender, retries and dead letters.

:func:`send_pending` (the ``outbox.send`` job) delivers the due ``pending`` rows through the channel's backend
(:func:`backends_from_config`: a log backend by default, SMTP, an SMS gateway over HTTP with Chinese texts). A
failure is retried with exponential backoff (``OUTBOX_RETRY_SECONDS`` doubling, at most
``OUTBOX_RETRY_MAX_SECONDS``); after ``OUTBOX_MAX_ATTEMPTS`` the row is ``dead`` (a dead letter, listed for
admins, who may send it again). Delivery is at least once: a sender killed between the gateway's answer and
its commit sends that batch again.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from ..extensions import db
from ..models import Channel, OutboxMessage, OutboxStatus, utcnow
from .outbox import MESSAGE_LOCALE, Rendered, render
from .webhooks import WebhookBackend

log = logging.getLogger(__name__)


# -- sending -------------------------------------------------------------------------------------------------


class DeliveryError(Exception):
    """A backend could not deliver a message; it is tried again later."""


class Backend(Protocol):
    """Delivers one rendered message or raises (any exception counts as a failed attempt)."""

    def send(self, message: Rendered) -> None: ...


class LogBackend:
    """Writes the message to the log: the default, for development and centres without a gateway."""

    def __init__(self) -> None:
        self.sent: list[Rendered] = []

    def send(self, message: Rendered) -> None:
        log.info("outbox %s to %s: %s %s", message.channel, message.address, message.title, message.body)
        self.sent.append(message)
        del self.sent[:-100]


class SmtpBackend:
    """E-mail through an SMTP server (MAIL_SERVER, MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD, MAIL_USE_TLS,
    MAIL_SENDER)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config

    def send(self, message: Rendered) -> None:
        email = EmailMessage()
        email["Subject"], email["From"], email["To"] = message.title, self.config["MAIL_SENDER"], message.address
        email.set_content(message.body)
        with smtplib.SMTP(self.config["MAIL_SERVER"], int(self.config["MAIL_PORT"]), timeout=20) as smtp:
            if self.config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if self.config.get("MAIL_USERNAME"):
                smtp.login(self.config["MAIL_USERNAME"], self.config["MAIL_PASSWORD"])
            smtp.send_message(email)


class SmsGateway(Protocol):
    """An SMS gateway: sends ``text`` (the Chinese message) to ``phone``; ``template`` and ``params`` are for
    gateways that send registered templates (短信模板) instead of free text."""

    def send_sms(self, phone: str, text: str, *, template: str, params: Mapping[str, Any]) -> None: ...


class HttpSmsGateway:
    """A generic HTTP SMS gateway: POSTs JSON ``{"phone", "text", "template", "params", "sign"}`` to
    SMS_GATEWAY_URL with ``Authorization: Bearer SMS_GATEWAY_TOKEN``; any status but 2xx is a failure.
    Adapt a vendor's API behind a small proxy or a subclass overriding :meth:`payload`."""

    def __init__(self, url: str, token: str = "", sign: str = "", timeout: float = 10.0) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError("SMS_GATEWAY_URL must be an http(s) URL")
        self.url, self.token, self.sign, self.timeout = url, token, sign, timeout

    def payload(self, phone: str, text: str, template: str, params: Mapping[str, Any]) -> dict[str, Any]:
        return {"phone": phone, "text": text, "template": template, "params": dict(params), "sign": self.sign}

    def send_sms(self, phone: str, text: str, *, template: str, params: Mapping[str, Any]) -> None:
        body = json.dumps(self.payload(phone, text, template, params), ensure_ascii=False).encode()
        request = urllib.request.Request(self.url, data=body, method="POST",  # noqa: S310 - http(s) checked
                                         headers={"Content-Type": "application/json; charset=utf-8",
                                                  **({"Authorization": f"Bearer {self.token}"} if self.token else {})})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise DeliveryError(f"SMS gateway answered {response.status}")


class SmsBackend:
    """Sends SMS messages through a :class:`SmsGateway`."""

    def __init__(self, gateway: SmsGateway) -> None:
        self.gateway = gateway

    def send(self, message: Rendered) -> None:
        self.gateway.send_sms(message.address, message.body, template=message.template, params=message.params)


def backends_from_config(config: Mapping[str, Any]) -> dict[Channel, Backend]:
    """The backend per channel from the settings: OUTBOX_SMS_BACKEND ``log`` or ``http`` (SMS_GATEWAY_*),
    OUTBOX_EMAIL_BACKEND ``log`` or ``smtp`` (MAIL_*); webhooks signed per subscription. Tests put their own in
    ``app.extensions["outbox_backends"]``."""
    sms: Backend = LogBackend()
    if config.get("OUTBOX_SMS_BACKEND") == "http":
        sms = SmsBackend(HttpSmsGateway(config["SMS_GATEWAY_URL"], config.get("SMS_GATEWAY_TOKEN", ""),
                                        config.get("SMS_SIGN_NAME", "")))
    email: Backend = SmtpBackend(config) if config.get("OUTBOX_EMAIL_BACKEND") == "smtp" else LogBackend()
    webhook = WebhookBackend(timeout=float(config.get("WEBHOOK_TIMEOUT_SECONDS", 10)))
    return {Channel.SMS: sms, Channel.EMAIL: email, Channel.WEBHOOK: webhook}


def retry_delay(attempts: int, config: Mapping[str, Any]) -> timedelta:
    """The wait after the ``attempts``-th failure: OUTBOX_RETRY_SECONDS doubled each time, capped."""
    base = int(config.get("OUTBOX_RETRY_SECONDS", 60))
    cap = int(config.get("OUTBOX_RETRY_MAX_SECONDS", 6 * 3600))
    return timedelta(seconds=min(cap, base * 2 ** max(attempts - 1, 0)))


@dataclass
class SendResult:
    """What one :func:`send_pending` did."""

    sent: int = 0
    retried: int = 0
    dead: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)


def send_pending(*, now: datetime | None = None, backends: Mapping[Channel, Backend] | None = None,
                 batch_size: int = 100, max_batches: int = 50) -> SendResult:
    """Deliver the pending messages due by ``now``, committing after each batch. Rows are claimed with
    ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two senders never take one row."""
    app = current_app
    now = (now or utcnow()).astimezone(UTC)
    if backends is None:
        backends = app.extensions.get("outbox_backends") or backends_from_config(app.config)
    max_attempts = int(app.config.get("OUTBOX_MAX_ATTEMPTS", 8))
    result = SendResult()
    for _batch in range(max_batches):
        query = (sa.select(OutboxMessage)
                 .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
                 .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(batch_size))
        if db.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        messages = list(db.session.scalars(query))
        if not messages:
            break
        for message in messages:
            _send_one(message, backends, now, max_attempts, result)
        db.session.commit()
        if len(messages) < batch_size:
            break
    return result


def _send_one(message: OutboxMessage, backends: Mapping[Channel, Backend], now: datetime, max_attempts: int,
              result: SendResult) -> None:
    with force_locale(MESSAGE_LOCALE):
        title, body = render(message.template, message.params or {})
    rendered = Rendered(message.id, message.key, message.channel, message.address, message.template,
                        dict(message.params or {}), title, body)
    message.attempts += 1
    try:
        backend = backends.get(message.channel)
        if backend is None:
            raise DeliveryError(f"no backend for {message.channel}")
        backend.send(rendered)
    except Exception as exc:  # every failure is an attempt; the message waits or dies, the others go on
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts >= max_attempts:
            message.status = OutboxStatus.DEAD
            result.dead += 1
            result.failures.append((message.key, message.last_error))
        else:
            message.next_attempt_at = now + retry_delay(message.attempts, current_app.config)
            result.retried += 1
        return
    message.status, message.sent_at, message.last_error = OutboxStatus.SENT, now, ""
    result.sent += 1


def dead_letters(*, limit: int = 200) -> list[OutboxMessage]:
    """Messages given up on, newest first (for the admins' page)."""
    return list(db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.DEAD)
        .order_by(OutboxMessage.id.desc()).limit(limit)
    ))


def retry_dead(message_ids: Iterable[int]) -> int:
    """Send these dead letters again from now (an admin fixed the address or the gateway)."""
    return db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.id.in_(list(message_ids)),
                                       OutboxMessage.status == OutboxStatus.DEAD)
        .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=utcnow())
    ).rowcount
