"""The hall board (大厅显示屏, /hall-board): a big screen of today's figures per window that refreshes itself
from /hall-board.json every HALL_BOARD_REFRESH_SECONDS without reloading the page.

Who may open it: the centre's managers and the supervision office, signed in (the screen's browser is signed
in with such an account; no display-only role exists). It shows figures only, never a case or an applicant.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, current_app, jsonify, render_template, url_for
from flask_login import current_user

from ..auth import roles_required
from ..models import Role
from ..queries.hall_board import hall_board
from ..services.clock import local_now
from .statistics import strict_csp

bp = Blueprint("hall_board", __name__)
bp.after_request(strict_csp)

HALL_BOARD_ROLES = (Role.MANAGER, Role.SUPERVISOR)


def _figures() -> dict[str, object]:
    now = local_now()
    rows, totals = hall_board(now.date(), current_user)
    return {"day": now.date().isoformat(), "as_of": now.isoformat(timespec="seconds"),
            "as_of_label": now.strftime("%H:%M:%S"),
            "windows": [asdict(row) for row in rows], "totals": asdict(totals)}


@bp.route("/hall-board")
@roles_required(*HALL_BOARD_ROLES)
def board():  # type: ignore[no-untyped-def]
    return render_template("statistics/hall_board.html", board=_figures(),
                           refresh=current_app.config["HALL_BOARD_REFRESH_SECONDS"],
                           data_url=url_for("hall_board.figures"))


@bp.route("/hall-board.json")
@roles_required(*HALL_BOARD_ROLES)
def figures():  # type: ignore[no-untyped-def]
    return jsonify(_figures())
