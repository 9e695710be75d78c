"""Errors as ``application/problem+json`` (RFC 9457): ``type``, ``title``, ``status``, ``detail``, and the
members clients rely on: a stable ``code``, the ``field`` at fault and, for input errors, every field's messages
in ``errors``."""

from __future__ import annotations

import json
from collections.abc import Mapping

from flask import Response
from werkzeug.http import HTTP_STATUS_CODES

PROBLEM_MIMETYPE = "application/problem+json"


def problem(status: int, code: str, detail: str, *, field: str | None = None,
            errors: Mapping[str, list[str]] | None = None, headers: Mapping[str, str] | None = None) -> Response:
    body: dict[str, object] = {"type": "about:blank", "title": HTTP_STATUS_CODES.get(status, "Error"),
                               "status": status, "detail": detail, "code": code}
    if field:
        body["field"] = field
    if errors:
        body["errors"] = {name: [str(m) for m in messages] for name, messages in errors.items()}
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIMETYPE)
    response.headers.update(headers or {})
    return response


def field_errors(messages: object, prefix: str = "") -> dict[str, list[str]]:
    """Nested validation messages (webargs, marshmallow, WTForms) as ``{"field.sub": [messages]}``; a form's
    ``trigger-`` prefix is dropped."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(field_errors(value, name))
    elif isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_"] = [str(m) for m in messages]
    elif isinstance(messages, list | tuple):
        for value in messages:
            flat.update(field_errors(value, prefix))
    else:
        flat[prefix or "_"] = [str(messages)]
    return flat


def input_problem(messages: object, detail: str, *, status: int = 400) -> Response:
    """Field errors of the input: ``field`` is the first one at fault."""
    errors = field_errors(messages)
    # webargs nests by location ("json", "query"): those are not fields
    errors = {name.split(".", 1)[1] if name.split(".", 1)[0] in ("json", "query", "headers") and "." in name
              else name: messages for name, messages in errors.items()}
    return problem(status, "invalid_input", detail, field=next(iter(errors), None), errors=errors)
