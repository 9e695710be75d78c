"""Error pages for people and machine-readable errors (``application/problem+json``, see api.problems) for the
API and for clients asking for JSON."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from .api.problems import input_problem, problem
from .extensions import db
from .services import Conflict, ServiceError


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        db.session.rollback()
        if _wants_json():
            messages = (getattr(exc, "data", None) or {}).get("messages")  # webargs' input errors (422)
            if messages:
                return input_problem(messages, _("Please correct the errors below."), status=exc.code or 422)
            return problem(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or "",
                           headers={k: v for k, v in exc.get_headers() if k.lower() != "content-type"})
        return render_template("errors/error.html", error=exc), exc.code

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):  # type: ignore[no-untyped-def]
        db.session.rollback()
        if _wants_json():
            return problem(400, "csrf", exc.description or "")
        return render_template("errors/error.html", error=exc), 400

    @app.errorhandler(StaleDataError)
    def _lost_update(_exc: StaleDataError):  # type: ignore[no-untyped-def]
        # A concurrent request changed the same row first (lock_version); nothing of this request is kept.
        return _service_error(Conflict(_("Somebody else changed this record first. Reload and try again; nothing "
                                         "was changed.")))

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):  # type: ignore[no-untyped-def]
        db.session.rollback()
        if _wants_json():
            detail = getattr(exc, "detail", None)  # a form's field errors (commands.InputRejected)
            if isinstance(detail, dict) and detail:
                return input_problem(detail, exc.message, status=exc.status_code)
            return problem(exc.status_code, exc.code, exc.message, field=exc.field,
                           headers=getattr(exc, "headers", None))
        return render_template("errors/error.html", error=exc), exc.status_code
