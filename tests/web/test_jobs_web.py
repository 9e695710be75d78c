"""The admins' page of job runs, failures and dead letters; staff notifications in the app with the unread count
in the header."""

from __future__ import annotations

import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import JobFailure, JobOutcome, JobRun, OutboxMessage, OutboxStatus, Role, utcnow
from service_center.services.outbox import notify
from tests.conftest import extract_csrf


def test_admins_see_each_job_its_runs_failures_and_dead_letters(client, login_as):
    login_as(Role.ADMIN)
    run = JobRun(job="cases.deemed_acceptance", period="2026-03-10T00:30", counts={"deemed_accepted": 4, "failed": 1},
                 error="", runner="host:1", outcome=JobOutcome.PARTIAL, finished_at=utcnow())
    run.failures.append(JobFailure(subject="SC20260302-00007", reason="committed v99: no such version"))
    db.session.add(run)
    notify("dead:1", kind="accepted", channel="sms", recipient="13812345678", template="case.accepted")
    db.session.execute(sa.update(OutboxMessage).values(status=OutboxStatus.DEAD, attempts=8,
                                                       last_error="ConnectionError: gateway down"))
    db.session.commit()
    html = client.get("/admin/jobs").get_data(as_text=True)
    assert "cases.deemed_acceptance" in html
    assert "outbox.send" in html
    assert "2026-03-10T00:30" in html
    assert "deemed_accepted 4" in html
    assert "ConnectionError: gateway down" in html
    assert "13812345678" not in html  # the phone is masked
    assert "partial" in client.get("/admin/jobs?outcome=partial").get_data(as_text=True)
    assert "尚无运行记录。" in client.get("/admin/jobs?outcome=ok").get_data(as_text=True)  # none ended ok
    assert client.get("/admin/jobs?job=nope&outcome=bogus").status_code == 200
    detail = client.get(f"/admin/jobs/runs/{run.id}").get_data(as_text=True)
    assert "SC20260302-00007" in detail
    assert "committed v99: no such version" in detail
    assert client.get("/admin/jobs/runs/999999").status_code == 404
    token = extract_csrf(html)
    assert client.post("/admin/jobs/dead-letters/retry", data={"csrf_token": token, "message_id": "x"}
                       ).status_code == 302
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.status == OutboxStatus.DEAD
    client.post("/admin/jobs/dead-letters/retry", data={"csrf_token": token, "message_id": str(message.id)})
    db.session.expire_all()
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)


def test_only_admins_see_the_jobs_page(client, login_as):
    login_as(Role.MANAGER)
    assert client.get("/admin/jobs").status_code == 403


def test_staff_see_their_notifications_with_the_unread_count_and_mark_them_read(client, login_as, make_user):
    me = login_as(Role.REVIEWER)
    other = make_user(Role.REVIEWER)
    for n in range(2):
        notify(f"n:{n}", kind="test", channel="in_app", recipient=me, template="case.decided",
               params={"centre": "中心", "number": f"SC{n}", "item": "某事项", "day": "2026-03-10", "outcome": "准予"})
    notify("n:other", kind="test", channel="in_app", recipient=other, template="case.decided")
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert 'aria-label="2 条未读">2</span>' in home
    page = client.get("/notifications").get_data(as_text=True)
    assert "【中心】您的办件SC1（某事项）已于2026-03-10作出决定：准予。" in page
    assert "SC0" in page
    token = extract_csrf(page)
    mine = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.user_id == me.id)
                              .order_by(OutboxMessage.id)).all()
    theirs = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.user_id == other.id))
    client.post("/notifications/read", data={"csrf_token": token, "message_id": [str(mine[0].id), str(theirs.id)]})
    db.session.expire_all()
    assert (mine[0].read_at is not None, mine[1].read_at, theirs.read_at) == (True, None, None)
    assert 'aria-label="1 条未读">1</span>' in client.get("/").get_data(as_text=True)
    assert client.post("/notifications/read", data={"csrf_token": token, "message_id": "abc"}).status_code == 302
    client.post("/notifications/read", data={"csrf_token": token, "all": "1"})
    db.session.expire_all()
    assert mine[1].read_at is not None
    assert "条未读" not in client.get("/").get_data(as_text=True)
