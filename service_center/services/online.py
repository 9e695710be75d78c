"""Online applications (网上申报) and the applicant's online supplement (网上补正).

An applicant without an account applies for a published item online: the application is received at the
window the applicant chose among the item's windows, the receipt date being the day of the submission, and it
waits there in a state its definition declares ``online_review_states`` until a clerk of that window pre-reviews
it (网上预审) by the same transitions, rules and clocks as at the counter (``commands.run_action``): accept,
the one-time notice to supplement, or refusal; with no notice within the notice period it counts as accepted
as of the submission day, exactly as at the counter. The materials checklist is taken from the uploads: a
material with a file counts as handed in; the clerk's notice names any defect.

After the notice the applicant uploads the missing materials online (with the case number and query code);
the clerk then records the supplement, which accepts the case.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flask_babel import gettext as _

from workflows import get_definition
from workflows.engine import definition_of

from ..extensions import db
from ..models import Case, CaseEvent, CaseFile, Item, OnlineApplication, UploadStage, Window
from ..storage import file_store
from ..uploads import CheckedFile
from . import ServiceError
from .core import APPLICANT, action_time, flush
from .intake import Applicant
from .materials import MaterialCheck, take_checklist
from .reception import ensure_item_receivable, open_application
from .refusals import ActionNotAllowed

Upload = tuple[str, CheckedFile]
"""A file for a material: (the material's name, the checked file)."""


def submit_online(item: Item, window: Window, applicant: Applicant, uploads: Sequence[Upload], *,
                  when: datetime | None = None) -> Case:
    """Receive an online application for ``item`` at ``window`` (one of the item's windows), with its files.

    Refused unless the item's workflow takes online applications, the item is receivable at that window today,
    and every key material (要件) has a file. Files are stored by content hash; nothing is committed here.
    """
    now = action_time(when)
    if not get_definition(item.workflow_key).accepts_online:
        raise ServiceError(_("“%(item)s” cannot be applied for online.", item=item.name), field="item")
    ensure_item_receivable(item, window, now.date())
    uploaded = {material for material, _file in uploads}
    missing = [m.name for m in item.materials if m.is_key and m.name not in uploaded]
    if missing:
        raise ServiceError(_("Upload the key materials: %(names)s.", names="、".join(missing)), field="materials")
    case = open_application(item, window, APPLICANT, applicant, now, data={"channel": "online"})
    case.materials_received = take_checklist(item, [MaterialCheck(m.name, m.name in uploaded)
                                                    for m in item.materials])
    db.session.add(OnlineApplication(case=case, submitted_at=now))
    _keep(case, uploads, UploadStage.APPLICATION, now)
    flush()
    return case


def supplement_online(case: Case, uploads: Sequence[Upload], *, when: datetime | None = None) -> Case:
    """The applicant uploads the materials the one-time notice listed: every listed material needs a file. The
    case stays where it is until the clerk records the supplement (which accepts it)."""
    now = action_time(when)
    online = db.session.get(OnlineApplication, case.id)
    if not awaits_online_supplement(case):
        raise ActionNotAllowed(_("No supplement is awaited online for this application."), field="materials")
    uploaded = {material for material, _file in uploads}
    unknown = sorted(uploaded - set(case.outstanding_materials))
    missing = [m for m in case.outstanding_materials if m not in uploaded]
    if unknown or missing:
        raise ServiceError(_("Upload a file for every material listed: %(names)s.",
                             names="、".join(missing or unknown)), field="materials")
    _keep(case, uploads, UploadStage.SUPPLEMENT, now)
    online.supplemented_at = now  # type: ignore[union-attr]  (awaits_online_supplement found it)
    db.session.add(CaseEvent(case=case, at=now, actor_id=None, actor_role=APPLICANT.role, trigger="online_supplement",
                             from_state=case.state, to_state=case.state,
                             data={"materials": sorted(uploaded), "files": len(uploads)}))
    case.updated_at = now  # the case row is written: a clerk's concurrent action on it conflicts instead
    flush()
    return case


def awaits_online_supplement(case: Case) -> bool:
    """An online application whose one-time notice went out, its materials outstanding, while it waits for the
    window's pre-review."""
    return (case.in_progress and case.supplement_notice_on is not None and bool(case.outstanding_materials)
            and case.state in definition_of(case).online_review_states
            and db.session.get(OnlineApplication, case.id) is not None)


def _keep(case: Case, uploads: Sequence[Upload], stage: UploadStage, now: datetime) -> None:
    store = file_store()
    for material, checked in uploads:
        store.put(checked.sha256, checked.data)
        db.session.add(CaseFile(case=case, material=material, stage=stage, filename=checked.filename,
                                content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
                                uploaded_at=now))
