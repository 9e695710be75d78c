"""Staff endpoints on cases: the list (the page's filters and scope), one case with its clock, steps and events
(``ETag``: its version), every action of the command path and the departments' step decisions (``If-Match``,
``Idempotency-Key``), and the notices the applicant is owed, as data."""

from __future__ import annotations

import re

from flask import request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from werkzeug.datastructures import MultiDict

from workflows.engine import definition_of

from ..auth import OVERSIGHT_ROLES
from ..case_labels import kind_choices, state_choices
from ..commands import Command, InputRejected, run_action, run_step_action
from ..extensions import db
from ..forms.case_filters import CaseFilterForm
from ..labels import workflow_label
from ..models import Case
from ..models.api import TokenScope
from ..queries.cases import case_list_query, filter_choices
from ..queries.deadlines import Deadlines
from ..queries.scope import can_see
from ..services import Conflict, NotFound, ServiceError
from ..services.clock import read_clock
from ..services.core import Forbidden, actions_for
from ..views.cases.action_specs import build_form, form_inputs, spec_for
from ..views.cases.detail import event_label
from ..views.cases.notices import NOTICE_TITLES, available_notices
from . import schemas as s
from .idempotency import run_once
from .notices import notice_data
from .paging import cursor_page
from .tokens import BEARER, api_user, token_required

blp = Blueprint("api_cases", __name__, description="Cases: lists, a case, actions, step decisions, notices (staff)")

_ETAG = re.compile(r'^(?:W/)?"case-(\d+)-v(\d+)"$')


class PreconditionFailed(ServiceError):
    status_code = 412
    code = "precondition_failed"


def etag(case: Case) -> str:
    return f'"case-{case.id}-v{case.lock_version}"'


def if_match(case_id: int) -> int | None:
    """The case version the client's If-Match names (None without one, or ``*``)."""
    header = (request.headers.get("If-Match") or "").strip()
    if not header or header == "*":
        return None
    match = _ETAG.match(header)
    if match is None or int(match.group(1)) != case_id:
        raise PreconditionFailed(_("If-Match must be the ETag of this case."), field="If-Match")
    return int(match.group(2))


def summary(case: Case) -> dict:
    item = case.item
    return {
        "id": case.id, "number": case.number, "title": case.title, "kind": definition_of(case).kind,
        "workflow_key": case.workflow_key, "state": case.state, "state_label": workflow_label(case, case.state),
        "in_progress": case.in_progress, "item_code": item.code if item else None,
        "item_name": item.name if item else None, "department_id": case.department_id,
        "window_id": case.window_id, "applicant_name": case.applicant_name, "received_on": case.received_on,
        "accepted_on": case.accepted_on, "due_promised": case.due_promised, "due_statutory": case.due_statutory,
        "closed_on": case.closed_on, "outcome": str(case.outcome) if case.outcome else None,
        "lock_version": case.lock_version,
    }


def detail(case: Case) -> dict:
    user = api_user()
    clock = read_clock(case)
    actions = []
    for trigger in actions_for(case, user):
        if spec_for(case, trigger) is not None:
            fields = build_form(case, trigger, spec_for(case, trigger), bound=False)._fields  # type: ignore[arg-type]
            actions.append({"trigger": trigger, "label": workflow_label(case, trigger),
                            "inputs": [n for n in fields if n not in ("csrf_token", "lock_version")]})
    return {
        **summary(case),
        "applicant_id_number": case.applicant_id_number, "applicant_phone": case.applicant_phone,
        "outcome_reason": case.outcome_reason, "outstanding_materials": list(case.outstanding_materials or []),
        "clock": None if clock is None else {"used": clock.used, "left_promised": clock.left_promised,
                                             "left_statutory": clock.left_statutory},
        "steps": [{"id": st.id, "department_id": st.department_id, "department": st.department.name,
                   "is_lead": st.is_lead, "status": str(st.status), "due_on": st.due_on,
                   "decided_at": st.decided_at, "opinion": st.opinion, "lock_version": st.lock_version}
                  for st in case.steps],
        "events": [{"at": e.at, "trigger": e.trigger, "label": event_label(case, e.trigger),
                    "from_state": e.from_state, "to_state": e.to_state, "actor_id": e.actor_id,
                    "actor_role": e.actor_role, "comment": e.comment} for e in case.events],
        "actions": actions,
        "notices": available_notices(case),
    }


def case_in_scope(case_id: int) -> Case:
    """The case, 404 when there is none, 403 when it is outside the token user's scope (as the pages)."""
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound(_("No such case."))
    if not can_see(case, api_user()):
        raise Forbidden(_("This case is not within your scope."))
    return case


@blp.route("/cases")
@blp.doc(security=BEARER)
@blp.arguments(s.CaseListArgs, location="query", as_kwargs=False)
@blp.response(200, s.CasePage)
@token_required()
def list_cases(args: dict):  # type: ignore[no-untyped-def]
    """The cases the token's user sees, with the case list page's filters (a bad filter is a 400 on its field)."""
    user = api_user()
    choices = {**filter_choices(user), "state": state_choices(), "kind": kind_choices()}
    form = CaseFilterForm.for_list(MultiDict({k: v for k, v in request.args.items()}), choices,
                                   with_kind=user.role in OVERSIGHT_ROLES)
    if form.errors:
        raise InputRejected(form.errors)
    query = case_list_query(user, form.filters(args["q"].strip()), deadlines=Deadlines.now())
    items, next_cursor = cursor_page(query, Case.id, args)
    return {"items": [summary(c) for c in items], "next_cursor": next_cursor}


@blp.route("/cases/<int:case_id>")
@blp.doc(security=BEARER)
@blp.response(200, s.CaseDetail, headers={"ETag": {"schema": {"type": "string"}}})
@token_required()
def get_case(case_id: int):  # type: ignore[no-untyped-def]
    """A case with its clock, steps, events, the actions the user may take now and the notices it has. The
    ``ETag`` is its version: send it back as ``If-Match`` when acting."""
    case = case_in_scope(case_id)
    return detail(case), 200, {"ETag": etag(case)}


def _formdata(trigger: str, body: dict, version: int) -> MultiDict:
    """The JSON body as the action form's data (the page's validation applies unchanged)."""
    data = MultiDict({f"{trigger}-lock_version": str(version)})
    for name, value in body.items():
        values = value if isinstance(value, list) else [value]
        for one in values:
            if isinstance(one, bool):
                if one:
                    data.add(f"{trigger}-{name}", "y")
            elif one is not None:
                data.add(f"{trigger}-{name}", one.isoformat() if hasattr(one, "isoformat") else str(one))
    return data


def _respond(case: Case) -> tuple[int, dict, dict[str, str]]:
    return 200, s.CaseSummary().dump(summary(case)), {"ETag": etag(case)}


def _precondition(run):  # type: ignore[no-untyped-def]
    """A version conflict after an If-Match is 412 (the client's precondition failed); without one, 409."""
    try:
        return run()
    except Conflict as exc:
        if request.headers.get("If-Match") and exc.code == Conflict.code:  # the version, not the state or a twin
            raise PreconditionFailed(exc.message, field="If-Match") from exc
        raise


@blp.route("/cases/<int:case_id>/actions/<trigger>", methods=["POST"])
@blp.doc(security=BEARER, parameters=[
    {"in": "header", "name": "If-Match", "schema": {"type": "string"}, "required": False},
    {"in": "header", "name": "Idempotency-Key", "schema": {"type": "string", "maxLength": 200}, "required": False}])
@blp.arguments(s.ActionBody)
@blp.response(200, s.CaseSummary)
@token_required(TokenScope.ACT)
def act(body: dict, case_id: int, trigger: str):  # type: ignore[no-untyped-def]
    """Fire ``trigger`` on the case through the command path (the same verbs, rules and scope checks as the case
    page); each action reads the inputs listed under the case's ``actions``."""
    user = api_user()

    def read_inputs(case: Case, _command: Command) -> tuple[dict[str, object], int | None]:
        expected = if_match(case.id)
        spec = spec_for(case, trigger)
        form = build_form(case, trigger, spec, bound=True,  # type: ignore[arg-type]
                          formdata=_formdata(trigger, body, case.lock_version))
        if not form.validate():
            raise InputRejected(form.errors)
        return form_inputs(form), expected

    return _precondition(lambda: run_once(lambda done: run_action(case_id, trigger, user, read_inputs, done),
                                          _respond))


@blp.route("/cases/<int:case_id>/steps/<int:step_id>/decision", methods=["POST"])
@blp.doc(security=BEARER, parameters=[
    {"in": "header", "name": "Idempotency-Key", "schema": {"type": "string", "maxLength": 200}, "required": False}])
@blp.arguments(s.StepDecisionBody)
@blp.response(200, s.CaseSummary)
@token_required(TokenScope.ACT)
def decide_step(body: dict, case_id: int, step_id: int):  # type: ignore[no-untyped-def]
    """A department's decision on its share of a joint approval (approve, reject, return for supplement)."""
    user = api_user()
    return _precondition(lambda: run_once(lambda done: run_step_action(
        case_id, step_id, user, "decide", body, body.get("lock_version"), done), _respond))


@blp.route("/cases/<int:case_id>/steps/<int:step_id>/supplement", methods=["POST"])
@blp.doc(security=BEARER, parameters=[
    {"in": "header", "name": "Idempotency-Key", "schema": {"type": "string", "maxLength": 200}, "required": False}])
@blp.response(200, s.CaseSummary)
@token_required(TokenScope.ACT)
def step_supplement(case_id: int, step_id: int):  # type: ignore[no-untyped-def]
    """The supplement a department asked for arrived: its share is pending again."""
    user = api_user()
    return run_once(lambda done: run_step_action(case_id, step_id, user, "supplement", {}, None, done), _respond)


@blp.route("/cases/<int:case_id>/notices")
@blp.doc(security=BEARER)
@blp.response(200, s.NoticeList)
@token_required()
def notices(case_id: int):  # type: ignore[no-untyped-def]
    """The written notices the applicant is owed and has been given so far, as data (the printed sheets' facts)."""
    case = case_in_scope(case_id)
    return {"items": [notice_data(case, kind, str(NOTICE_TITLES[kind])) for kind in available_notices(case)]}
