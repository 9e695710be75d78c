"""Login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..forms.auth import LoginForm
from ..services.accounts import LoginRefused, authenticate, end_sessions

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only follow relative redirects on this site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("main.index")


def _fresh_session() -> None:
    """Start a new session at sign-in and sign-out: nothing planted before carries over, the CSRF secret included
    (Flask-WTF makes a new one on the next form). Only the chosen language is kept."""
    lang = session.get("lang")
    session.clear()
    g.pop("csrf_token", None)  # the token this request already derived from the old secret
    if lang:
        session["lang"] = lang


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data, address=request.remote_addr or "")
        except LoginRefused as refused:
            db.session.commit()  # keep the failure count and the lock
            form.password.errors = [refused.message]
            status = 401
        else:
            db.session.commit()
            _fresh_session()
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():  # type: ignore[no-untyped-def]
    end_sessions(current_user)
    db.session.commit()
    _fresh_session()
    logout_user()  # after: it leaves the note that deletes the remember-me cookie
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))
