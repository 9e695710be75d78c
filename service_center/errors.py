"""Error pages for people and machine-readable errors for the API."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .services import Conflict, ServiceError


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        db.session.rollback()
        if _wants_json():
            return jsonify(error={"code": exc.name.lower().replace(" ", "_"), "message": exc.description}), exc.code
        return render_template("errors/error.html", error=exc), exc.code

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):  # type: ignore[no-untyped-def]
        db.session.rollback()
        if _wants_json():
            return jsonify(error={"code": "csrf", "message": exc.description}), 400
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
            body = {"code": exc.code, "message": exc.message}
            if exc.field:
                body["field"] = exc.field
            return jsonify(error=body), exc.status_code
        return render_template("errors/error.html", error=exc), exc.status_code
