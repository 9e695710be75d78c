"""The notifications outbox: one row per applicant-facing change, re-runs add nothing, the sender's retries with
backoff and dead letters (a fake backend), the SMS gateway adapter (no traffic), in-app messages."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.jobs import run_job
from service_center.models import Channel, OutboxMessage, OutboxStatus
from service_center.services import decisions, delivery, outbox, reception
from service_center.services.delivery import HttpSmsGateway, SmsBackend, send_pending
from service_center.services.outbox import Notice, notify, notify_many
from tests.services.conftest import at


def messages(**where):
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id).execution_options(populate_existing=True)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return list(db.session.scalars(query))


def test_notify_and_notify_many_add_a_key_once(app, hall):
    assert notify("card:1:handler", kind="warning_card", channel="in_app", recipient=hall.reviewer,
                  template="card.raised", params={"level": "yellow"})
    assert not notify("card:1:handler", kind="warning_card", channel="in_app", recipient=hall.reviewer,
                      template="card.raised")
    rows = [Notice(f"sms:{n}", "test", Channel.SMS, "13900000000", "case.accepted") for n in range(3)]
    assert notify_many(rows) == 3
    assert notify_many([*rows, Notice("sms:3", "test", "sms", "13900000000", "case.accepted")]) == 1
    db.session.commit()
    in_app = messages(channel=Channel.IN_APP)
    assert [(m.key, m.user_id, m.status, m.params) for m in in_app] == [
        ("card:1:handler", hall.reviewer.id, OutboxStatus.SENT, {"level": "yellow"})]
    assert [m.status for m in messages(channel=Channel.SMS)] == [OutboxStatus.PENDING] * 4
    with pytest.raises(ValueError, match="in_app goes to a user"):
        notify("bad", kind="x", channel="in_app", recipient="13900000000", template="t")


def test_each_applicant_facing_change_writes_one_message(app, hall):
    case = hall.receive(day="2026-03-02")
    reception.request_supplement(case, hall.actor("clerk"), ["身份证复印件"], when=at("2026-03-03"))
    reception.record_supplement(case, hall.actor("clerk"), when=at("2026-03-04"))
    db.session.commit()
    decisions.decide(case, hall.actor("head"), True, when=at("2026-03-09"))
    db.session.commit()
    rows = messages(case_id=case.id)
    assert [(m.kind, m.template, m.address) for m in rows] == [
        ("supplement", "case.supplement", "13800000000"),
        ("accepted", "case.accepted", "13800000000"),
        ("ready_for_pickup", "case.ready_for_pickup", "13800000000"),
    ]
    assert rows[0].params["materials"] == "身份证复印件"
    assert (rows[1].params["accepted_on"], rows[1].params["due"]) == ("2026-03-04", case.due_promised.isoformat())
    assert rows[2].params["due"] == case.due_delivery.isoformat()
    with app.test_request_context(), delivery.force_locale("zh_CN"):
        _title, body = outbox.render(rows[1].template, rows[1].params)
    assert body == (f"【政务服务中心】您的办件{case.number}（{case.item.name}）已于2026-03-04受理，"
                    f"承诺于{case.due_promised.isoformat()}前办结。")


def test_repeated_sweep_jobs_add_no_message(app, hall):
    cases = [hall.receive(day="2026-03-02") for _n in range(2)]
    db.session.commit()
    for hour in (10, 11):
        run_job("cases.deemed_acceptance", now=at("2026-03-10", hour))
    count = len(messages())
    outbox.tell_applicants_of_events(sa.true())  # telling every event again adds nothing either
    db.session.commit()
    assert count == len(messages()) == len(cases)


class FakeBackend:
    """Fails the first ``failures`` sends of each message, then delivers."""

    def __init__(self, failures: int = 0) -> None:
        self.failures, self.tries, self.sent = failures, {}, []

    def send(self, message) -> None:
        self.tries[message.key] = self.tries.get(message.key, 0) + 1
        if self.tries[message.key] <= self.failures:
            raise ConnectionError("gateway down")
        self.sent.append(message)


def test_the_sender_retries_with_backoff_and_ends_in_a_dead_letter(app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 4)
    monkeypatch.setitem(app.config, "OUTBOX_RETRY_SECONDS", 60)
    notify("m1", kind="test", channel="sms", recipient="13900000000", template="case.decided",
           params={"number": "SC1", "outcome": "准予"})
    db.session.commit()
    start, backend = datetime.now(UTC) + timedelta(seconds=1), FakeBackend(failures=10)
    backends = {Channel.SMS: backend}
    now, waits = start, []
    for _n in range(3):
        result = send_pending(now=now, backends=backends)
        assert (result.sent, result.retried, result.dead) == (0, 1, 0)
        (message,) = messages()
        waits.append(message.next_attempt_at - now)
        assert send_pending(now=message.next_attempt_at - timedelta(seconds=1), backends=backends).retried == 0
        now = message.next_attempt_at
    assert waits == [timedelta(seconds=60), timedelta(seconds=120), timedelta(seconds=240)]
    result = send_pending(now=now, backends=backends)
    (message,) = messages()
    assert (result.dead, message.status, message.attempts) == (1, OutboxStatus.DEAD, 4)
    assert message.last_error == "ConnectionError: gateway down"
    assert send_pending(now=now + timedelta(days=1), backends=backends).retried == 0
    assert delivery.dead_letters() == [message]
    assert delivery.retry_dead([message.id]) == 1
    result = send_pending(now=datetime.now(UTC), backends={Channel.SMS: FakeBackend()})
    assert (result.sent, messages()[0].status) == (1, OutboxStatus.SENT)


def test_a_message_that_fails_once_is_sent_in_chinese_on_the_next_attempt(app):
    notify("m2", kind="test", channel="sms", recipient="13900000000", template="case.ended",
           params={"centre": "某市政务服务中心", "number": "SC2", "item": "某许可", "day": "2026-03-10",
                   "outcome": "视为放弃申请"})
    db.session.commit()
    backend, now = FakeBackend(failures=1), datetime.now(UTC) + timedelta(seconds=1)
    send_pending(now=now, backends={Channel.SMS: backend})
    send_pending(now=now + timedelta(minutes=1), backends={Channel.SMS: backend})
    (message,) = messages()
    assert (message.status, message.attempts, message.sent_at, message.last_error) == (
        OutboxStatus.SENT, 2, now + timedelta(minutes=1), "")
    assert backend.sent[0].body == "【某市政务服务中心】您的办件SC2（某许可）已于2026-03-10终结：视为放弃申请。"


def test_the_http_sms_gateway_posts_json_and_fails_on_an_error_status(app, monkeypatch):
    seen = []

    class Response(io.BytesIO):
        def __init__(self, status):
            super().__init__(b"{}")
            self.status = status

    statuses = [200, 503]

    def urlopen(request, timeout):
        seen.append((request.full_url, dict(request.header_items()), json.loads(request.data), timeout))
        return Response(statuses.pop(0))

    monkeypatch.setattr(delivery.urllib.request, "urlopen", urlopen)
    gateway = HttpSmsGateway("https://sms.example/send", token="t0k", sign="某市政务")
    backend = SmsBackend(gateway)
    message = outbox.Rendered(1, "k", Channel.SMS, "13900000000", "case.decided", {"number": "SC1"}, "t", "正文")
    backend.send(message)
    url, headers, payload, _timeout = seen[0]
    assert (url, headers["Authorization"], payload) == ("https://sms.example/send", "Bearer t0k", {
        "phone": "13900000000", "text": "正文", "template": "case.decided", "params": {"number": "SC1"},
        "sign": "某市政务"})
    with pytest.raises(delivery.DeliveryError, match="503"):
        backend.send(message)
    with pytest.raises(ValueError, match="http"):
        HttpSmsGateway("file:///etc/passwd")
    backends = delivery.backends_from_config({**app.config, "OUTBOX_SMS_BACKEND": "http",
                                            "SMS_GATEWAY_URL": "https://sms.example/send"})
    assert isinstance(backends[Channel.SMS], SmsBackend)
    assert isinstance(delivery.backends_from_config(app.config)[Channel.SMS], delivery.LogBackend)


def test_in_app_messages_count_unread_and_are_marked_read_by_their_user_only(app, hall):
    for n in range(3):
        notify(f"note:{n}", kind="test", channel="in_app", recipient=hall.reviewer, template="case.decided")
    notify("note:other", kind="test", channel="in_app", recipient=hall.head, template="case.decided")
    db.session.commit()
    mine = outbox.inbox(hall.reviewer.id)
    assert (outbox.unread_count(hall.reviewer.id), [m.key for m in mine]) == (3, ["note:2", "note:1", "note:0"])
    other = messages(user_id=hall.head.id)[0]
    assert outbox.mark_read(hall.reviewer.id, [mine[0].id, other.id]) == 1
    assert (outbox.unread_count(hall.reviewer.id), outbox.unread_count(hall.head.id)) == (2, 1)
    assert outbox.mark_read(hall.reviewer.id) == 2
    assert outbox.unread_count(hall.reviewer.id) == 0
