"""Case pages: the counter (receive an application), the case list and page with its action forms, the
printable notices, and public tracking for applicants (no login).

Views stay thin: form -> scope check -> one service call -> one commit -> redirect. A refused action
(:class:`~service_center.services.ServiceError`) rolls back and re-renders the case page with the message.
"""

from __future__ import annotations

from flask import Blueprint

from ...case_labels import TEMPLATE_GLOBALS

bp = Blueprint("cases", __name__)


@bp.record_once
def _register_globals(state) -> None:  # type: ignore[no-untyped-def]
    from ...labels import workflow_label

    state.app.jinja_env.globals.update(TEMPLATE_GLOBALS, workflow_label=workflow_label)


from . import actions, counter, detail, listing, notices, track  # noqa: E402,F401  (routes register on bp)
