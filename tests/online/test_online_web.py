"""Online applications end to end through the pages: the guide's link, the form built from the materials list,
uploads checked by content and size with safe names, the printable receipt, the window's pre-review queue and
its scope, downloads, the one-time notice answered by an online supplement, then acceptance."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import CaseEvent, CaseFile, OnlineApplication, Role, UploadStage
from service_center.services.clock import local_today
from tests.conftest import extract_csrf
from tests.online.conftest import EXE, JPEG, PDF, PNG, apply_online, files, newest_case, post_multipart
from tests.web.test_cases_web import reload, sign_in


def test_the_guide_links_to_the_online_form_built_from_the_items_materials(client, hall):
    db.session.commit()
    guide = client.get(f"/guide/{hall.committed.code}").get_data(as_text=True)
    assert f'href="/online/apply/{hall.committed.code}"' in guide
    page = client.get(f"/online/apply/{hall.committed.code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for material in hall.committed.materials:
        assert f'name="material_{material.id}"' in html
        assert material.name in html
    assert 'enctype="multipart/form-data"' in html
    complaint_kind = client.get("/online/apply/NO-SUCH-ITEM")
    assert complaint_kind.status_code == 404


def test_an_instant_item_is_not_applied_for_online(client, hall):
    db.session.commit()
    assert f'/online/apply/{hall.instant.code}"' not in client.get(f"/guide/{hall.instant.code}").get_data(as_text=True)
    response = apply_online(client, hall.instant)
    assert response.status_code == 400
    assert "cannot be applied for online" in response.get_data(as_text=True) or "不能网上申报" in response.get_data(
        as_text=True)
    assert newest_case() is None


def test_an_online_application_gets_its_number_and_code_at_once_and_waits_at_the_window(client, hall, store):
    response = apply_online(client, hall.committed, {"申请书": [(PDF, "申请书.pdf")],
                                                     "身份证复印件": [(PNG, "正面.png"), (JPEG, "反面.jpg")]})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    case = newest_case()
    assert case is not None
    assert case.number in html
    assert case.query_code in html
    assert "window.print()" in html
    assert case.state == "received"
    assert case.window_id == hall.window.id
    assert case.first_contact_id is None
    assert case.received_on == local_today()
    assert case.applicant_id_number == "330102199001011234"
    assert [m["received"] for m in case.materials_received] == [True, True]
    assert db.session.get(OnlineApplication, case.id) is not None
    stored = list(db.session.scalars(sa.select(CaseFile).where(CaseFile.case_id == case.id).order_by(CaseFile.id)))
    assert [(f.material, f.filename, f.content_type, f.stage) for f in stored] == [
        ("申请书", "申请书.pdf", "application/pdf", UploadStage.APPLICATION),
        ("身份证复印件", "正面.png", "image/png", UploadStage.APPLICATION),
        ("身份证复印件", "反面.jpg", "image/jpeg", UploadStage.APPLICATION),
    ]
    for f, data in zip(stored, (PDF, PNG, JPEG), strict=True):
        assert f.sha256 == hashlib.sha256(data).hexdigest()
        assert f.size == len(data)
        assert store.path(f.sha256).read_bytes() == data
    event = db.session.scalar(sa.select(CaseEvent).where(CaseEvent.case_id == case.id))
    assert (event.trigger, event.actor_role, event.data["channel"]) == ("receive", "applicant", "online")


def test_a_key_material_without_a_file_is_a_field_error_and_nothing_is_kept(client, hall, store):
    response = apply_online(client, hall.committed, {"身份证复印件": [(PDF, "id.pdf")]})
    assert response.status_code == 400
    key = hall.committed.materials[0]
    html = response.get_data(as_text=True)
    assert html.index('role="alert"', html.index(f'id="material_{key.id}"')) > 0
    assert newest_case() is None
    assert not (store.root.exists() and any(store.root.rglob("*")))


@pytest.mark.parametrize(("content", "name", "message"), [
    (EXE, "invoice.pdf", "“invoice.pdf”不是 PDF、JPEG 或 PNG 文件"),  # an executable renamed .pdf
    (b"just some text, not a picture", "photo.png", "“photo.png”不是 PDF、JPEG 或 PNG 文件"),
    (b"", "empty.pdf", None),  # an empty file part: no file, so the key material is missing
])
def test_files_are_checked_by_content(client, hall, store, content, name, message):
    response = apply_online(client, hall.committed, {"申请书": [(content, name)]})
    assert response.status_code == 400
    if message:
        assert message in response.get_data(as_text=True)
    assert newest_case() is None


def test_an_oversized_file_is_refused(client, hall, store, app):
    app.config["ONLINE_MAX_FILE_MB"] = 0.001  # 1 KiB
    try:
        response = apply_online(client, hall.committed, {"申请书": [(PDF + b"0" * 2048, "big.pdf")]})
    finally:
        app.config["ONLINE_MAX_FILE_MB"] = 5
    assert response.status_code == 400
    assert "“big.pdf”超过" in response.get_data(as_text=True)
    assert newest_case() is None


def test_a_request_larger_than_every_limit_together_is_refused_before_it_is_read(client, hall, store, app):
    app.config.update(ONLINE_MAX_FILE_MB=0.001, ONLINE_MAX_FILES=1)
    try:
        response = apply_online(client, hall.committed, {"申请书": [(PDF + b"0" * (3 * 1024 * 1024), "huge.pdf")]})
    finally:
        app.config.update(ONLINE_MAX_FILE_MB=5, ONLINE_MAX_FILES=20)
    assert response.status_code == 413
    assert newest_case() is None


def test_too_many_files_are_refused(client, hall, store, app):
    per_material = apply_online(client, hall.committed, {"申请书": [(PDF, f"{n}.pdf") for n in range(6)]})
    assert per_material.status_code == 400
    assert newest_case() is None
    app.config["ONLINE_MAX_FILES"] = 3
    try:
        in_all = apply_online(client, hall.committed, {"申请书": [(PDF, "1.pdf"), (PDF, "2.pdf")],
                                                       "身份证复印件": [(PNG, "3.png"), (PNG, "4.png")]})
    finally:
        app.config["ONLINE_MAX_FILES"] = 20
    assert in_all.status_code == 400
    assert newest_case() is None


@pytest.mark.parametrize(("name", "shown"), [
    ("../../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\windows\\system.ini", "windowssystem.pdf"),  # the form parser drops the backslashes themselves
    ("evil\x00.exe.pdf", "evil.exe.pdf"),
    ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
    ("", None),
])
def test_file_names_are_only_shown_and_cleaned(client, hall, store, name, shown):
    response = apply_online(client, hall.committed, {"申请书": [(PDF, name)]})
    if shown is None:  # a file field with no name is no file at all: the key material is missing
        assert response.status_code == 400
        return
    assert response.status_code == 200
    stored = db.session.scalar(sa.select(CaseFile))
    assert stored.filename == shown
    assert [p.name for p in store.root.rglob("*") if p.is_file()] == [hashlib.sha256(PDF).hexdigest()]


def test_a_bad_identity_number_is_a_field_error(client, hall, store):
    response = apply_online(client, hall.committed, applicant_id_number="330102199001011235")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="applicant_id_number"' in html
    assert newest_case() is None


# -- the window's pre-review ------------------------------------------------------------------------------------


def post_action(client, case, trigger: str, **fields):
    """POST one action form of the case page (prefixed fields, CSRF token, the lock_version)."""
    token = extract_csrf(client.get("/online/pre-review").get_data(as_text=True))
    data = {f"{trigger}-csrf_token": token, f"{trigger}-lock_version": case.lock_version}
    data.update({f"{trigger}-{k}": v for k, v in fields.items()})
    return client.post(f"/cases/{case.id}/actions/{trigger}", data=data)


def signed_in(app, user):
    """A client of its own signed in as ``user``."""
    client = app.test_client()
    sign_in(client, user)
    return client


def test_the_pre_review_queue_and_the_case_are_the_serving_windows_only(app, client, hall, store, make_user):
    apply_online(client, hall.committed)
    case = newest_case()
    clerk = signed_in(app, hall.clerk)
    queue = clerk.get("/online/pre-review").get_data(as_text=True)
    assert case.number in queue
    page = clerk.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="case-files"' in page
    assert "申请书.pdf" in page
    client = signed_in(app, make_user(Role.CLERK))  # a clerk of another window, which does not serve the item
    assert case.number not in client.get("/online/pre-review").get_data(as_text=True)
    assert client.get(f"/cases/{case.id}").status_code == 403
    refused = post_action(client, case, "accept")
    assert refused.status_code in (403, 404)
    assert reload(case).state == "received"
    upload = db.session.scalar(sa.select(CaseFile).where(CaseFile.case_id == case.id).limit(1))
    assert client.get(f"/cases/{case.id}/files/{upload.id}").status_code == 403


def test_downloads_are_attachments_of_cases_in_scope(app, client, hall, store, make_user):
    apply_online(client, hall.committed)
    case = newest_case()
    first = db.session.scalar(sa.select(CaseFile).where(CaseFile.case_id == case.id).order_by(CaseFile.id).limit(1))
    client = signed_in(app, hall.clerk)
    response = client.get(f"/cases/{case.id}/files/{first.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    other = newest_case()
    assert client.get(f"/cases/{other.id + 1}/files/{first.id}").status_code == 404
    for role in (Role.ADMIN, Role.REVIEWER):  # the admin sees identities masked; another department's reviewer
        assert signed_in(app, make_user(role)).get(f"/cases/{case.id}/files/{first.id}").status_code == 403
    supervisor = signed_in(app, make_user(Role.SUPERVISOR))
    assert supervisor.get(f"/cases/{case.id}/files/{first.id}").status_code == 200
    assert supervisor.get(f"/static/../instance/uploads/{first.sha256[:2]}/{first.sha256}").status_code == 404


def _supplement(client, case, query_code: str, uploads: dict[int, list[tuple[bytes, str]]]):
    html = client.get(f"/online/supplement?number={case.number}").get_data(as_text=True)
    data: dict[str, object] = {"csrf_token": extract_csrf(html), "number": case.number, "query_code": query_code}
    lookup = client.post("/online/supplement", data=data)
    if lookup.status_code != 200 or not uploads:
        return lookup
    data["upload"] = "1"
    for position, contents in uploads.items():
        data[f"supplement_{position}"] = files(*contents)
    return post_multipart(client, "/online/supplement", data)


def test_notice_online_supplement_then_acceptance(app, client, hall, store):
    apply_online(client, hall.committed, {"申请书": [(PDF, "申请书.pdf")]})
    case = newest_case()
    assert [m["received"] for m in case.materials_received] == [True, False]
    clerk = signed_in(app, hall.clerk)
    response = post_action(clerk, case, "request_supplement", missing_materials=["身份证复印件"])
    assert response.status_code == 302, response.get_data(as_text=True)
    case = reload(case)
    assert case.state == "supplement_requested"
    assert case.outstanding_materials == ["身份证复印件"]
    # The applicant: tracking offers the upload; a wrong code is "not found"; then the missing file.
    track_html = client.get("/track").get_data(as_text=True)
    tracked = client.post("/track", data={"csrf_token": extract_csrf(track_html), "number": case.number,
                                          "query_code": case.query_code}).get_data(as_text=True)
    assert 'id="track-supplement-online"' in tracked
    assert _supplement(client, case, "WRONG1", {}).status_code == 404
    form = _supplement(client, case, case.query_code, {})
    assert form.status_code == 200
    assert 'name="supplement_0"' in form.get_data(as_text=True)
    bad = _supplement(client, case, case.query_code, {0: [(EXE, "id.pdf")]})
    assert bad.status_code == 400
    done = _supplement(client, case, case.query_code, {0: [(JPEG, "身份证.jpg")]})
    assert done.status_code == 200
    assert 'id="supplement-done"' in done.get_data(as_text=True)
    supplement = db.session.scalar(sa.select(CaseFile).where(CaseFile.stage == UploadStage.SUPPLEMENT))
    assert (supplement.material, supplement.filename) == ("身份证复印件", "身份证.jpg")
    # The clerk sees the upload in the queue, then records the supplement: accepted today.
    assert 'class="badge supplement-uploaded"' in clerk.get("/online/pre-review").get_data(as_text=True)
    case = reload(case)
    assert post_action(clerk, case, "record_supplement").status_code == 302
    case = reload(case)
    assert case.accepted_on == local_today()
    assert case.state == "under_review"
    assert case.number not in clerk.get("/online/pre-review").get_data(as_text=True)
    # Nothing is awaited any more: the form says so and takes no file.
    late = _supplement(client, case, case.query_code, {})
    assert late.status_code == 200
    assert 'name="supplement_0"' not in late.get_data(as_text=True)


def test_every_online_submission_counts_against_the_address_limit(database_url, app, hall, store):
    from service_center import create_app

    limited = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_ENABLED=True,
                         ONLINE_RATE_LIMIT="2 per minute")
    limited.extensions["file_store"] = store
    db.session.commit()
    try:
        client = limited.test_client()
        for _attempt in range(2):  # refused submissions count too: each POST may file a case
            assert apply_online(client, hall.committed, {"身份证复印件": [(PDF, "id.pdf")]}).status_code == 400
        refused = apply_online(client, hall.committed)
        assert refused.status_code == 429
        assert newest_case() is None
    finally:
        with limited.app_context():
            db.engine.dispose()
