"""The notifications outbox (通知发件箱): write a message in the transaction that caused it, send it later.

Writing:

- :func:`notify` writes one message, :func:`notify_many` many in one statement; both are
  ``INSERT ... ON CONFLICT (key) DO NOTHING``: writing the same key again (a re-run of a job, a retried sweep)
  adds nothing. Choose keys that name the fact, e.g. ``card:{card_id}:handler`` or
  ``case-event:{number}:{trigger}:{at}``.
- :func:`tell_applicant` is called by :func:`services.core.perform` for every transition: what the applicant
  is told is derived from what the transition declares (:func:`applicant_notice`): accepted, supplement
  needed, clock stopped (special procedure), extended, decided, ready for pickup (a grant owing delivery),
  ended (refused, terminated, abandoned ...). :func:`tell_applicants_of_events` does the same set-based for
  events a sweep wrote with ``INSERT ... SELECT``.

Templates: a message is ``template`` + ``params`` (JSON), rendered when sent or shown. :data:`TEMPLATES`
maps a key to a title and a body (English msgids; the catalogue carries the Chinese, and SMS and e-mail are
always rendered in Chinese); add yours with :func:`register_template`.

Sending: :func:`send_pending` (the ``outbox.send`` job) delivers due ``pending`` rows through the channel's
backend (:func:`backends_from_config`: a log backend by default, SMTP, an SMS gateway over HTTP). A failure
is retried with exponential backoff (``OUTBOX_RETRY_SECONDS`` doubling, at most ``OUTBOX_RETRY_MAX_SECONDS``)
and after ``OUTBOX_MAX_ATTEMPTS`` the row is ``dead`` (a dead letter, listed for admins). Delivery is at
least once: a sender killed between the gateway's answer and its commit sends that batch again.

In-app messages (staff) are delivered by being written: ``sent`` at once, ``read_at`` when read.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from workflows.definitions.base import TransitionSpec, WorkflowDefinition

from ..extensions import db
from ..models import Case, CaseEvent, Channel, Item, OutboxMessage, OutboxStatus, User, utcnow

log = logging.getLogger(__name__)

MESSAGE_LOCALE = "zh_CN"
"""SMS and e-mail are written in this language whatever the sender's interface language."""


# -- templates -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageTemplate:
    """A message's title and body; ``{name}`` fields are filled from the row's params."""

    title: Any  # a lazy string
    body: Any


TEMPLATES: dict[str, MessageTemplate] = {}


def register_template(key: str, *, title: Any, body: Any) -> None:
    """Add a message template (``title`` and ``body`` are ``_l(...)`` strings with ``{param}`` fields)."""
    TEMPLATES[key] = MessageTemplate(title, body)


register_template(
    "case.accepted", title=_l("Application accepted"),
    body=_l("[{centre}] Your application {number} ({item}) was accepted on {accepted_on}; "
            "it will be decided by {due}."))
register_template(
    "case.supplement", title=_l("Materials to supplement"),
    body=_l("[{centre}] Your application {number} ({item}) needs more materials: {materials}. "
            "Please bring them to the window."))
register_template(
    "case.paused", title=_l("Time limit stopped"),
    body=_l("[{centre}] Your application {number} ({item}) is in a special procedure from {day}; "
            "that time does not count towards the time limit."))
register_template(
    "case.extended", title=_l("Time limit extended"),
    body=_l("[{centre}] The time limit of your application {number} ({item}) was extended; "
            "it will be decided by {due}."))
register_template(
    "case.decided", title=_l("Decision made"),
    body=_l("[{centre}] A decision on your application {number} ({item}) was made on {day}: {outcome}."))
register_template(
    "case.ready_for_pickup", title=_l("Ready for pickup"),
    body=_l("[{centre}] Your application {number} ({item}) was granted on {day}. Please collect the result "
            "at the window by {due}."))
register_template(
    "case.ended", title=_l("Application ended"),
    body=_l("[{centre}] Your application {number} ({item}) ended on {day}: {outcome}."))


@dataclass(frozen=True)
class Rendered:
    """A message ready for a backend."""

    id: int
    key: str
    channel: Channel
    address: str
    template: str
    params: dict[str, Any]
    title: str
    body: str


def render(template: str, params: Mapping[str, Any]) -> tuple[str, str]:
    """The title and body of ``template`` filled with ``params``, in the current locale; a missing template or
    field leaves the text readable (the key, or the field's name in braces) rather than failing."""
    found = TEMPLATES.get(template)
    if found is None:
        return template, json.dumps(dict(params), ensure_ascii=False)
    safe = _Fields(params)
    return str(found.title).format_map(safe), str(found.body).format_map(safe)


class _Fields(dict):  # type: ignore[type-arg]
    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


# -- writing -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """One outbox row for :func:`notify_many`. ``recipient``: a user (or user id) for ``in_app``, a phone
    number or an e-mail address otherwise."""

    key: str
    kind: str
    channel: Channel | str
    recipient: User | int | str
    template: str
    case_id: int | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


def _row(notice: Notice, now: datetime) -> dict[str, Any]:
    channel = Channel(notice.channel)
    recipient = notice.recipient
    user_id = recipient.id if isinstance(recipient, User) else recipient if isinstance(recipient, int) else None
    address = recipient if isinstance(recipient, str) else ""
    if (channel == Channel.IN_APP) != (user_id is not None) or len(notice.key) > 200:
        raise ValueError(f"outbox {notice.key!r}: in_app goes to a user, sms and email to an address")
    in_app = channel == Channel.IN_APP
    return {
        "key": notice.key, "kind": notice.kind, "channel": channel.value, "user_id": user_id,
        "address": address.strip(), "case_id": notice.case_id, "template": notice.template,
        "params": _jsonable(notice.params), "created_at": now, "attempts": 0, "next_attempt_at": now,
        "last_error": "", "status": (OutboxStatus.SENT if in_app else OutboxStatus.PENDING).value,
        "sent_at": now if in_app else None,
    }


def notify_many(notices: Iterable[Notice]) -> int:
    """Write ``notices`` in one ``INSERT ... ON CONFLICT (key) DO NOTHING``; returns how many were new. Runs
    in the caller's transaction (it does not commit)."""
    now = utcnow()
    rows = list({row["key"]: row for row in (_row(n, now) for n in notices)}.values())
    if not rows:
        return 0
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    added = 0
    for start in range(0, len(rows), 500):
        statement = (insert(OutboxMessage.__table__).on_conflict_do_nothing(index_elements=["key"])
                     .returning(OutboxMessage.__table__.c.id))
        added += len(db.session.execute(statement, rows[start:start + 500]).all())
    return added


def notify(key: str, *, kind: str, channel: Channel | str, recipient: User | int | str, template: str,
           case_id: int | None = None, params: Mapping[str, Any] | None = None) -> bool:
    """Write one message unless its ``key`` is already in the outbox; True when it was new. Runs in the
    caller's transaction. Example: ``notify(f"card:{card.id}:handler", kind="warning_card",
    channel="in_app", recipient=handler, template="card.raised", case_id=card.case_id, params={...})``."""
    return notify_many([Notice(key, kind, channel, recipient, template, case_id, params or {})]) == 1


# -- what the applicant is told ------------------------------------------------------------------------------


def applicant_notice(spec: TransitionSpec) -> str | None:
    """The kind of message a transition owes the applicant, from what it declares, or None: ``accepted``
    (``accepts``), ``supplement`` (it asks for missing materials without accepting), ``paused`` (clock
    ``pause``), ``extended`` (clock ``extend``), ``ready_for_pickup`` (a decision owing delivery),
    ``decided``, ``ended`` (an outcome without a decision: refused, terminated, abandoned ...)."""
    if spec.accepts:
        return "accepted"
    if "missing_materials" in spec.requires:
        return "supplement"
    if spec.clock == "pause":
        return "paused"
    if spec.clock == "extend":
        return "extended"
    if spec.decides:
        return "ready_for_pickup" if spec.owes_delivery else "decided"
    if spec.outcome:
        return "ended"
    return None


def _event_key(number: str, trigger: str, at: datetime) -> str:
    return f"case-event:{number}:{trigger}:{at.astimezone(UTC).strftime('%Y%m%dT%H%M%S.%fZ')}"


def _case_params(case: Case, definition: WorkflowDefinition, day: date, trigger: str,
                 item_name: str | None) -> dict[str, Any]:
    return {
        "centre": current_app.config.get("CENTRE_NAME", ""), "number": case.number,
        "item": item_name or case.title, "day": day,
        "accepted_on": case.accepted_on or day, "due": case.due_delivery or case.due_promised or "",
        "outcome": definition.label(trigger),  # the action's Chinese name: 准予许可, 视为放弃申请 ...
        "materials": "、".join(case.outstanding_materials or []),
    }


def tell_applicant(case: Case, spec: TransitionSpec, definition: WorkflowDefinition, actor_role: str,
                   at: datetime) -> None:
    """The message a transition owes the applicant, if any, by SMS to the case's phone (called by
    :func:`services.core.perform`; added to the session, inserted with its flush). Nothing when the applicant
    did it themselves, or left no phone number. The params are filled when the verb flushes its columns."""
    kind = applicant_notice(spec)
    if kind is None or actor_role == "applicant" or not case.applicant_phone.strip():
        return
    message = OutboxMessage(
        key=_event_key(case.number, spec.trigger, at), kind=kind, channel=Channel.SMS,
        address=case.applicant_phone.strip(), case=case, template=f"case.{kind}", params={},
        status=OutboxStatus.PENDING, next_attempt_at=utcnow(),
    )
    message.pending_params = (definition, at.date(), spec.trigger)  # type: ignore[attr-defined]
    db.session.add(message)


@sa.event.listens_for(OutboxMessage, "before_insert")
def _fill_case_params(_mapper: Any, connection: sa.Connection, message: OutboxMessage) -> None:
    """A message added by :func:`tell_applicant` takes its params (due dates ...) when the case is flushed."""
    pending = getattr(message, "pending_params", None)
    case = message.case
    if pending is not None and case is not None:
        definition, day, trigger = pending
        item_name = connection.scalar(sa.select(Item.name).where(Item.id == case.item_id)) if case.item_id else None
        message.params = _jsonable(_case_params(case, definition, day, trigger, item_name))


def tell_applicants_of_events(*conditions: sa.ColumnElement[bool]) -> int:
    """:func:`tell_applicant` for the events matching ``conditions`` (written set-based by a sweep), in one
    ``notify_many``; the keys are the same, so telling twice adds nothing. Returns the rows added."""
    from workflows.registry import get_definition

    rows = db.session.execute(
        sa.select(CaseEvent.trigger, CaseEvent.at, CaseEvent.actor_role, Case)
        .join(Case, Case.id == CaseEvent.case_id).where(*conditions).order_by(CaseEvent.id)
    ).all()
    notices = []
    for trigger, at, actor_role, case in rows:
        try:
            definition = get_definition(case.workflow_key, case.workflow_version)
        except LookupError:
            continue
        spec = next((t for t in definition.transitions if t.trigger == trigger), None)
        kind = applicant_notice(spec) if spec is not None else None
        if kind is None or actor_role == "applicant" or not case.applicant_phone.strip():
            continue
        day = at.astimezone(_local_zone()).date()
        params = _case_params(case, definition, day, trigger, case.item.name if case.item is not None else None)
        notices.append(Notice(_event_key(case.number, trigger, at), kind, Channel.SMS, case.applicant_phone.strip(),
                              f"case.{kind}", case.id, params))
    return notify_many(notices)


def _local_zone() -> Any:
    from .clock import local_now

    return local_now().tzinfo


def _jsonable(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date | datetime) else v) for k, v in params.items()}


# -- in-app messages -----------------------------------------------------------------------------------------


def unread_count(user_id: int) -> int:
    """In-app messages to this user not read yet (the header's badge)."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.user_id == user_id, OutboxMessage.channel == Channel.IN_APP,
               OutboxMessage.read_at.is_(None))
    ) or 0


def inbox(user_id: int, *, limit: int = 200) -> list[OutboxMessage]:
    """This user's in-app messages, newest first."""
    return list(db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.user_id == user_id, OutboxMessage.channel == Channel.IN_APP)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)
    ))


def mark_read(user_id: int, message_ids: Iterable[int] | None = None) -> int:
    """Mark this user's messages read (all of them when ``message_ids`` is None); returns how many changed.
    Another user's message ids are ignored."""
    query = (sa.update(OutboxMessage)
             .where(OutboxMessage.user_id == user_id, OutboxMessage.channel == Channel.IN_APP,
                    OutboxMessage.read_at.is_(None)))
    if message_ids is not None:
        query = query.where(OutboxMessage.id.in_(list(message_ids)))
    return db.session.execute(query.values(read_at=utcnow())).rowcount


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
    OUTBOX_EMAIL_BACKEND ``log`` or ``smtp`` (MAIL_*). Tests put their own in ``app.extensions
    ["outbox_backends"]``."""
    sms: Backend = LogBackend()
    if config.get("OUTBOX_SMS_BACKEND") == "http":
        sms = SmsBackend(HttpSmsGateway(config["SMS_GATEWAY_URL"], config.get("SMS_GATEWAY_TOKEN", ""),
                                        config.get("SMS_SIGN_NAME", "")))
    email: Backend = SmtpBackend(config) if config.get("OUTBOX_EMAIL_BACKEND") == "smtp" else LogBackend()
    return {Channel.SMS: sms, Channel.EMAIL: email}


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
