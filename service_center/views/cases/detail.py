"""The case page: facts, parallel steps, pauses, extensions, history, and the forms for what the user may do."""

from __future__ import annotations

from flask import abort, render_template
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from workflows.engine import definition_of

from ...auth import STAFF_ROLES, roles_required
from ...case_labels import EVENT_LABELS
from ...extensions import db
from ...forms.cases import StepDecisionForm
from ...labels import workflow_label
from ...masking import sees_full_identity
from ...models import Case, CaseStep, Role, StepStatus, User
from ...queries.approvals import OPINION_TRIGGER
from ...queries.deadlines import Deadlines
from ...queries.online import case_files
from ...queries.scope import can_see
from ...services.clock import read_clock
from ...services.core import actions_for
from ...services.decisions import rejected_steps
from . import bp
from .action_specs import build_form, spec_for
from .notices import NOTICE_TITLES, available_notices, returned_steps


def load_case_in_scope(case_id: int) -> Case:
    """The case, or 404; 403 unless it is within the user's scope."""
    case = db.get_or_404(Case, case_id)
    if not can_see(case, current_user):
        abort(403)
    return case


def event_label(case: Case, trigger: str) -> str:
    """A history entry's label: the workflow's trigger label, or the service layer's own events."""
    if trigger in EVENT_LABELS:
        return str(EVENT_LABELS[trigger])
    return workflow_label(case, trigger)


def decidable_steps(case: Case, user: User) -> list[CaseStep]:
    """The pending parallel-review steps of the user's own department (reviewers and heads)."""
    if user.role not in (Role.REVIEWER, Role.DEPT_HEAD) or case.state not in definition_of(case).step_states:
        return []
    return [s for s in case.steps if s.status == StepStatus.PENDING and s.department_id == user.department_id]


def step_form(step: CaseStep | int, *, bound: bool) -> StepDecisionForm:
    """A department's decision form for its step (the step itself, or its id when reading a submitted form)."""
    step_id = step if isinstance(step, int) else step.id
    form = StepDecisionForm(prefix=f"step{step_id}", **({} if bound else {"formdata": None}))
    if not bound and not isinstance(step, int):
        form.lock_version.data = step.lock_version
    return form


def render_case(case: Case, *, failed: tuple[str, FlaskForm] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    """Render the case page; ``failed`` is the (key, bound form) of an action that was refused, shown with its
    errors and input instead of a fresh form."""
    failed_key, failed_form = failed if failed else (None, None)
    actions = []
    for trigger in actions_for(case, current_user):
        spec = spec_for(case, trigger)
        if spec is None:
            continue
        form = failed_form if trigger == failed_key else build_form(case, trigger, spec, bound=False)
        actions.append({"trigger": trigger, "label": workflow_label(case, trigger), "spec": spec, "form": form})
    actions.sort(key=lambda a: (not a["spec"].primary, a["spec"].confirm))  # the usual next step first, ends last
    disagreed = rejected_steps(case)
    for action in actions:
        if action["trigger"] == "grant" and disagreed:  # a grant over a department's 不同意
            action["warning"] = _("%(departments)s disagreed (不同意). Granting over it needs your written reasons, "
                                  "recorded with the decision.",
                                  departments="、".join(s.department.name for s in disagreed))
    definition = definition_of(case)
    deciders = {role for t in definition.transitions_from(case.state) if t.decides and not t.automatic
                for role in t.roles}
    steps = [
        (step, failed_form if failed_key == f"step{step.id}" else step_form(step, bound=False))
        for step in decidable_steps(case, current_user)
    ]
    deadlines = Deadlines.now()
    return render_template(
        "cases/detail.html",
        case=case,
        actions=actions,
        step_forms=steps,
        events=list(reversed(case.events)),
        event_label=lambda t: event_label(case, t),
        state_label=lambda s: workflow_label(case, s) if s else "",
        badges=deadlines.badges([case]),
        in_step_review=case.state in definition_of(case).step_states,
        clock=read_clock(case),
        opinions=[e for e in case.events if e.trigger == OPINION_TRIGGER],
        head_decides=case.in_progress and bool(deciders) and str(current_user.role) not in deciders,
        join_rule=case.item.join_rule if definition.step_states and case.item is not None else None,
        returned_steps=returned_steps(case),
        notices=[(kind, NOTICE_TITLES[kind]) for kind in available_notices(case)],
        failed_key=failed_key,
        case_files=case_files(case.id),
        can_download_files=sees_full_identity(current_user),
    ), status


@bp.route("/cases/<int:case_id>")
@roles_required(*STAFF_ROLES)
def detail(case_id: int):  # type: ignore[no-untyped-def]
    return render_case(load_case_in_scope(case_id))
