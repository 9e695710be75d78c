"""The notifications outbox (通知发件箱): write a message in the transaction that caused it, send it later.

Writing:

- :func:`notify` writes one message, :func:`notify_many` many in one statement; both are
  ``INSERT ... ON CONFLICT (key) DO NOTHING``: writing the same key again (a re-run of a job, a retried sweep)
  adds nothing. Choose keys that name the fact, e.g. ``card:{card_id}:handler`` or
  ``case-event:{number}:{trigger}:{at}``.
- :func:`tell_applicant` runs after every transition :func:`services.core.perform` fires (a hook): what the applicant
  is told is derived from what the transition declares (:func:`applicant_notice`): accepted, supplement
  needed, clock stopped (special procedure), extended, decided, ready for pickup (a grant owing delivery),
  ended (refused, terminated, abandoned ...). :func:`tell_applicants_of_events` does the same set-based for
  events a sweep wrote with ``INSERT ... SELECT``.

Templates: a message is ``template`` + ``params`` (JSON), rendered when sent or shown. :data:`TEMPLATES`
maps a key to a title and a body (English msgids; the catalogue carries the Chinese, and SMS and e-mail are
always rendered in Chinese); add yours with :func:`register_template`.

Sending: :mod:`services.delivery` (the ``outbox.send`` job) delivers the ``pending`` rows through backends,
retries with backoff and keeps dead letters.

In-app messages (staff) are delivered by being written: ``sent`` at once, ``read_at`` when read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from workflows.definitions.base import TransitionSpec, WorkflowDefinition
from workflows.engine import Fired

from ..extensions import db
from ..models import Case, CaseEvent, Channel, Item, OutboxMessage, OutboxStatus, User, utcnow
from .clock import local_now
from .core import Actor, on_perform

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


@on_perform
def tell_applicant(case: Case, fired: Fired, actor: Actor, at: datetime) -> None:
    """The message a transition owes the applicant, if any, by SMS to the case's phone (a hook of
    :func:`services.core.perform`; added to the session, inserted with its flush). Nothing when the applicant
    did it themselves, or left no phone number. The params are filled when the verb flushes its columns."""
    spec, definition, actor_role = fired.spec, fired.definition, actor.role
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
