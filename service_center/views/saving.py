"""Submitting a validated form to a service: one way to commit, or to show the service's refusal on the form."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import flash, redirect
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ..extensions import db
from ..services import ServiceError


def save_or_show(form: FlaskForm, save: Callable[[], object], *, saved: str, then: str,
                 fields: Mapping[str, str] | None = None, default_field: str | None = None) -> Response | None:
    """Run ``save`` (a service call) for a validated form.

    Success: commit, flash ``saved`` and return the redirect to ``then``. A :class:`ServiceError`: roll back, so
    nothing of it is kept, and put its message on its field (service field names mapped by ``fields``, else
    ``default_field``); returns None and the view re-renders the form (400, the input kept). Without a field
    to show it on, the error propagates to the app's error page (its own 4xx).
    """
    try:
        save()
    except ServiceError as error:
        db.session.rollback()
        name = (fields or {}).get(error.field or "", error.field or "")
        target = name if name in form else default_field
        if target is None:
            raise  # no field to show it on: the error page answers with its 4xx and message
        form[target].errors.append(error.message)
        return None
    db.session.commit()
    flash(saved, "success")
    return redirect(then)
