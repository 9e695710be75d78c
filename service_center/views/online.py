"""Online applications (网上申报) for applicants without an account, their online supplement (网上补正), and the
window's pre-review queue (网上预审) with the materials' downloads for staff.

The application form is built from the item's materials list; every file is checked by content and size
(:mod:`service_center.uploads`) before anything is kept. The clerk's pre-review itself is the case page: its
accept / one-time notice / refusal forms go through the one command path, as at the counter.
"""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from sqlalchemy.orm import selectinload
from wtforms import Field
from wtforms.fields.choices import SelectChoice

from ..auth import OVERSIGHT_ROLES, STAFF_ROLES, roles_required
from ..extensions import db
from ..forms import Form
from ..forms.online import CaseLookupForm, material_field_name, online_application_form, supplement_form
from ..masking import mask_name, mask_phone, sees_full_identity
from ..models import ApplicantKind, Case, CaseFile, Item, ItemStatus, Role
from ..queries.online import pre_review_queue
from ..queries.scope import can_see
from ..services import ServiceError
from ..services.core import lock_case
from ..services.intake import Applicant
from ..services.online import Upload, awaits_online_supplement, submit_online, supplement_online
from ..storage import file_store
from ..throttle import lookup_throttle
from ..uploads import Limits, UploadRefused, check_upload
from .cases.track import find_tracked_case

bp = Blueprint("online", __name__)

@bp.record_once
def _register_globals(state) -> None:  # type: ignore[no-untyped-def]
    state.app.jinja_env.globals.update(awaits_online_supplement=awaits_online_supplement)


UPLOAD_ENDPOINTS = frozenset({"online.apply", "online.supplement"})


@bp.url_value_preprocessor
def _upload_body_limit(endpoint: str | None, _values: object) -> None:
    """Uploads may be larger than the app's MAX_CONTENT_LENGTH: set before the CSRF check reads the form (URL
    value preprocessors run before every ``before_request``)."""
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = Limits.from_config(current_app.config).request_bytes


def read_uploads(form: Form, fields: list[tuple[str, Field]], *, required: set[str]) -> list[Upload]:
    """The checked files of ``fields`` ((material, field) pairs); a refusal goes on the field it concerns, too
    many files on the first field. ``required``: materials that need at least one file."""
    limits = Limits.from_config(current_app.config)
    for _material, field in fields:
        field.errors = list(field.errors)  # a tuple until the form validated
    chosen = [(material, field, [f for f in field.data or [] if f and f.filename]) for material, field in fields]
    if sum(len(files) for _m, _f, files in chosen) > limits.files and chosen:
        chosen[0][1].errors.append(_("At most %(n)d files in all.", n=limits.files))
        return []
    uploads: list[Upload] = []
    for material, field, files in chosen:
        if not files and material in required:
            field.errors.append(_("Upload this material."))
        if len(files) > limits.files_per_material:
            field.errors.append(_("At most %(n)d files for one material.", n=limits.files_per_material))
            continue
        for storage in files:
            try:
                uploads.append((material, check_upload(storage.stream, storage.filename or "", limits)))
            except UploadRefused as refusal:
                field.errors.append(str(refusal))
    return uploads


def _refused(form: Form, error: ServiceError, fallback: Field) -> None:
    target = form._fields.get(error.field or "") or fallback
    target.errors.append(error.message)


@bp.route("/online/apply/<code>", methods=["GET", "POST"])
def apply(code: str):  # type: ignore[no-untyped-def]
    """网上申报: the form built from the item's materials; on success the printable receipt with the number and
    query code."""
    item = db.session.scalar(sa.select(Item).where(Item.code == code, Item.status == ItemStatus.PUBLISHED)
                             .order_by(Item.version.desc()).limit(1)
                             .options(selectinload(Item.materials), selectinload(Item.windows)))
    if item is None:
        abort(404)
    windows = [w for w in item.windows if w.is_open]
    form = online_application_form(item.materials)
    form.window.choices = [SelectChoice(w.id, f"{w.number} {w.name} · {w.hall_zone}") for w in windows]
    if request.method == "GET" and windows:
        form.window.data = windows[0].id
    material_fields = [(m.name, form[material_field_name(m)]) for m in item.materials]
    if form.validate_on_submit():
        uploads = read_uploads(form, material_fields, required={m.name for m in item.materials if m.is_key})
        if not form.errors:
            window = next(w for w in windows if w.id == form.window.data)
            try:
                case = submit_online(item, window, Applicant(
                    name=form.applicant_name.data or "", id_number=form.applicant_id_number.data or "",
                    phone=form.applicant_phone.data or "", kind=ApplicantKind(form.applicant_kind.data)), uploads)
            except ServiceError as error:
                db.session.rollback()
                _refused(form, error, material_fields[0][1] if material_fields else form.window)
            else:
                db.session.commit()
                return render_template("online/submitted.html", case=case, item=item, files=len(uploads),
                                       name=mask_name(case.applicant_name), phone=mask_phone(case.applicant_phone))
    return render_template("online/apply.html", item=item, form=form, windows=windows,
                           material_fields=material_fields), 400 if form.errors else 200


@bp.route("/online/supplement", methods=["GET", "POST"])
def supplement():  # type: ignore[no-untyped-def]
    """网上补正: the number and query code (counted like tracking), then one file field per listed material."""
    lookup = CaseLookupForm()
    if not lookup.is_submitted() and request.args.get("number"):
        lookup.number.data = request.args["number"].strip()[:40]
    if not lookup.validate_on_submit():
        return render_template("online/supplement.html", form=lookup, case=None), 400 if lookup.errors else 200
    number = (lookup.number.data or "").strip().upper()
    throttle = lookup_throttle()
    refusal = throttle.admit(number)
    case = None if refusal else find_tracked_case(number, lookup.query_code.data or "")
    if case is None:
        refusal = refusal or throttle.count_failure(number, get_remote_address())
        if refusal:
            abort(429, description=refusal)
        return render_template("online/supplement.html", form=lookup, case=None, not_found=True), 404
    if not awaits_online_supplement(case):
        return render_template("online/supplement.html", form=lookup, case=case, nothing_awaited=True)
    form = supplement_form(case.outstanding_materials)
    fields = [(name, form[f"supplement_{i}"]) for i, name in enumerate(case.outstanding_materials)]
    if "upload" in request.form and form.validate():
        uploads = read_uploads(form, fields, required=set(case.outstanding_materials))
        if not form.errors:
            try:
                supplement_online(lock_case(case.id), uploads)
            except ServiceError as error:
                db.session.rollback()
                _refused(form, error, fields[0][1])
            else:
                db.session.commit()
                return render_template("online/supplement.html", form=form, case=case, done=True)
    return render_template("online/supplement.html", form=form, case=case, fields=fields), 400 if form.errors else 200


@bp.route("/online/pre-review")
@roles_required(Role.CLERK, *OVERSIGHT_ROLES)
def queue():  # type: ignore[no-untyped-def]
    """网上预审: the online applications waiting for the window, oldest first, within the user's scope."""
    return render_template("online/queue.html", rows=pre_review_queue(current_user))


@bp.route("/cases/<int:case_id>/files/<int:file_id>")
@roles_required(*STAFF_ROLES)
def download(case_id: int, file_id: int):  # type: ignore[no-untyped-def]
    """A material file of a case the user sees, always as an attachment (never shown inline, never static). The
    administrator, who sees applicants' identities masked, gets none (the files hold ID copies)."""
    case = db.get_or_404(Case, case_id)
    if not can_see(case, current_user) or not sees_full_identity(current_user):
        abort(403)
    upload = db.session.get(CaseFile, file_id)
    if upload is None or upload.case_id != case.id:
        abort(404)
    with file_store().open(upload.sha256) as stored:  # small by the upload limit: read, and the file is closed
        content = io.BytesIO(stored.read())
    response = send_file(content, mimetype=upload.content_type, as_attachment=True, download_name=upload.filename,
                         max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
