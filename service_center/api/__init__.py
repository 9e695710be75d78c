"""The JSON API (/api/v1): flask-smorest blueprints over the command path and the read side, an OpenAPI 3.1
document generated from the code (/api/v1/openapi.json) and its documentation page (/api/v1/docs).

Only bearer tokens authenticate (service_center.api.tokens): the session cookie is never read here, so the
blueprints need no CSRF protection and are exempt from it. Every request counts against a rate limit per token
(per address when no token is sent). Errors are ``application/problem+json`` (service_center.errors).
"""

from __future__ import annotations

import hashlib
import http

from flask import Flask, Response, abort, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_smorest import Api

from ..security import NUL

API_PREFIX = "/api/v1"


class ServiceCenterApi(Api):
    """flask-smorest's Api without its app-wide HTTPException handler (service_center.errors answers every error,
    as problem+json under /api/), its error responses documented as problem+json."""

    def _register_error_handlers(self) -> None:
        return None

    def _register_responses(self) -> None:
        from flask_smorest.utils import prepare_response

        from .problems import PROBLEM_MIMETYPE
        from .schemas import Problem

        for name, description in [*((s.name, s.phrase) for s in http.HTTPStatus if s >= 400),
                                  ("DEFAULT_ERROR", "An error (application/problem+json)")]:
            response = {"description": description, "schema": Problem}
            prepare_response(response, self.spec, PROBLEM_MIMETYPE)
            self.spec.components.response(name, response, lazy=True)


def rate_limit_key() -> str:
    """The bucket a request counts in: its token (hashed), else its address."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer " and header[7:].strip():
        return "api-token:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:32]
    return "api-address:" + get_remote_address()


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul_in_json(api_blueprints: set[str]) -> None:
    """As security.py does for forms and query strings: NUL in a JSON body is 400 (PostgreSQL cannot store it)."""
    if request.blueprint in api_blueprints and request.is_json and _has_nul(request.get_json(silent=True)):
        abort(400, description=_("The request contains a character that is not allowed."))


def init_app(app: Flask) -> None:
    """Register the API on ``app`` (after the page blueprints and the limiter: throttle.init_app)."""
    from ..extensions import csrf
    from ..views import tokens as tokens_pages
    from . import cases, docs, public, supervision

    app.config.setdefault("API_TITLE", "service_center API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_RATE_LIMIT", "300 per minute")
    api = ServiceCenterApi(app, spec_kwargs={"info": {"description": "See docs/API.md: authentication, errors, "
                                                                     "ETag / If-Match, idempotency, pagination."}})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                                   "description": "A personal access token or an integration key."})
    api_blueprints = {public.blp.name, cases.blp.name, supervision.blp.name}
    for module in (public, cases, supervision):
        api.register_blueprint(module.blp, url_prefix=API_PREFIX)
        csrf.exempt(module.blp)  # no cookie is read: a token in a header is not sent by browsers on their own
    app.register_blueprint(docs.bp)
    app.register_blueprint(tokens_pages.bp)  # the pages where tokens and integration clients are managed

    app.before_request(lambda: refuse_nul_in_json(api_blueprints))

    @app.after_request
    def _not_cached(response: Response) -> Response:
        if request.blueprint in api_blueprints:  # personal data, per token: never kept by a cache
            response.headers["Cache-Control"] = "no-store"
        return response

    limiter = app.extensions["service_center.limiter"]
    limit = limiter.limit(app.config["API_RATE_LIMIT"], key_func=rate_limit_key, scope="api")
    for endpoint, view in list(app.view_functions.items()):
        if endpoint.split(".", 1)[0] in api_blueprints:
            app.view_functions[endpoint] = limit(view)
    # every complaint filed counts per address, as on the complaint page (COMPLAINT_RATE_LIMIT)
    complaints = limiter.limit(app.config["COMPLAINT_RATE_LIMIT"], methods=["POST"], scope="api-complaints")
    app.view_functions["api_public.complain"] = complaints(app.view_functions["api_public.complain"])
