"""Request and response hygiene for every page: no NUL characters in, no caching or framing of staff pages out,
HTTPS only (HSTS) in production.

NUL (U+0000) is never meaningful in a form, a query string or a path, and PostgreSQL cannot store it in text
(psycopg raises): such a request is answered 400 before any view runs, on both databases alike.
"""

from __future__ import annotations

from flask import Flask, Response, abort, request
from flask_babel import gettext as _
from flask_login import current_user

NUL = "\x00"

# Pages showing an applicant's personal data outside the staff area (the tracking result).
_PRIVATE_PUBLIC_ENDPOINTS = frozenset({"cases.track"})


def _has_nul() -> bool:
    if NUL in request.path:
        return True
    for source in (request.args, request.form):
        for key, values in source.lists():
            if NUL in key or any(NUL in value for value in values):
                return True
    return False


def init_app(app: Flask) -> None:
    hsts_seconds = int(app.config.get("HSTS_SECONDS") or 0)

    @app.before_request
    def _refuse_nul() -> None:
        if _has_nul():
            abort(400, description=_("The request contains a character that is not allowed."))

    @app.after_request
    def _hardening_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if hsts_seconds:  # production: browsers keep to HTTPS for this site (they ignore it over plain HTTP)
            response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts_seconds}")
        if request.endpoint != "static" and (
            current_user.is_authenticated or request.endpoint in _PRIVATE_PUBLIC_ENDPOINTS
        ):
            # Shared counter PCs: personal data must not stay in the browser cache after sign-out.
            response.headers["Cache-Control"] = "no-store"
        return response
