"""``Idempotency-Key`` on the API's acting POSTs: the first request with a key acts and stores its response in
the same transaction; a retry with the same key and token gets the stored response (``Idempotent-Replayed:
true``) and acts no more. The record is unique per token and key, so of two concurrent twins the second waits at
its insert (PostgreSQL) or at its write transaction (SQLite) and then replays. A refused request stores nothing
(it changed nothing): its retry runs again."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import sqlalchemy as sa
from flask import Response, g, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Case
from ..models.api import IdempotencyRecord
from ..services import Conflict, ServiceError

HEADER = "Idempotency-Key"
MAX_KEY = 200
REPLAYED = "Idempotent-Replayed"


class KeyReused(ServiceError):
    status_code = 422
    code = "idempotency_key_reused"


class InFlight(Conflict):
    code = "idempotency_in_flight"


def _fingerprint() -> str:
    return hashlib.sha256(b"\0".join([request.method.encode(), request.path.encode(),
                                      request.get_data()])).hexdigest()


def _reply(status: int, body: str, headers: dict[str, str]) -> Response:
    return Response(body, status=status, mimetype="application/json", headers=headers)


Respond = Callable[[Case], tuple[int, dict, dict[str, str]]]


def run_once(run: Callable[[Callable[[Case], None]], object], respond: Respond) -> Response:
    """Run ``run(on_done)`` (the command path, which calls ``on_done`` with the case before its commit) once per
    Idempotency-Key; the response is ``respond(case)``, stored with the key in the action's transaction."""
    key = request.headers.get(HEADER)
    record = None
    if key is not None:
        if not 1 <= len(key) <= MAX_KEY:
            raise ServiceError(_("Between 1 and %(n)d characters.", n=MAX_KEY), field=HEADER)
        fingerprint = _fingerprint()
        record = IdempotencyRecord(token_id=g.api_token.id, key=key, fingerprint=fingerprint)
        db.session.add(record)
        try:
            db.session.flush()  # PostgreSQL: a concurrent twin's insert waits here until this one commits
        except IntegrityError:
            db.session.rollback()
            return _replay(key, fingerprint)
    answer: list[tuple[int, str, dict[str, str]]] = []

    def on_done(case: Case) -> None:
        status, body, headers = respond(case)
        text = json.dumps(body, ensure_ascii=False, default=str)
        if record is not None:
            record.status_code, record.response_body = status, text
        answer.append((status, text, headers))

    run(on_done)
    return _reply(*answer[0])


def _replay(key: str, fingerprint: str) -> Response:
    stored = db.session.scalar(sa.select(IdempotencyRecord).where(
        IdempotencyRecord.token_id == g.api_token.id, IdempotencyRecord.key == key))
    if stored is None or stored.status_code is None:
        raise InFlight(_("A request with this Idempotency-Key is still being processed; try again shortly."))
    if stored.fingerprint != fingerprint:
        raise KeyReused(_("This Idempotency-Key was used for a different request."), field=HEADER)
    return _reply(stored.status_code, stored.response_body or "", {REPLAYED: "true"})
