"""Integration events: each status change is written once per active subscription to the outbox and POSTed
signed (HMAC-SHA256 over timestamp and body) to a fake receiver (no network); failures are retried with backoff
and end as dead letters; a delivered event is never sent again."""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Channel, OutboxMessage, OutboxStatus, WebhookSubscription, utcnow
from service_center.services import reception
from service_center.services.delivery import LogBackend, send_pending
from service_center.services.webhooks import (
    ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookBackend,
    signature,
    verify,
)
from tests.hall import at

SECRET = "s3cret-for-the-provincial-platform"


class FakeReceiver:
    """Answers each POST with the next status of ``statuses`` (then 200) and records what it got."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.received: list[tuple[str, dict, dict]] = []

    def __call__(self, url: str, body: bytes, headers, timeout: float) -> int:
        assert verify(SECRET, headers, body), "the signature must verify"
        self.received.append((url, dict(headers), json.loads(body)))
        return self.statuses.pop(0) if self.statuses else 200


def subscribe(active: bool = True, name: str = "province") -> WebhookSubscription:
    subscription = WebhookSubscription(name=name, url=f"https://{name}.example/hooks", secret=SECRET, active=active)
    db.session.add(subscription)
    db.session.flush()
    return subscription


def webhook_rows() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.channel == Channel.WEBHOOK)
                                   .order_by(OutboxMessage.id).execution_options(populate_existing=True)))


def deliver(receiver: FakeReceiver, now=None):
    return send_pending(now=now, backends={Channel.WEBHOOK: WebhookBackend(transport=receiver),
                                           Channel.SMS: LogBackend()})  # the applicant's SMS goes too


def test_state_changes_are_written_once_per_active_subscription(app, hall):
    subscription = subscribe()
    subscribe(active=False, name="retired")
    case = hall.receive(day="2026-03-02")
    reception.accept(case, hall.actor("clerk"), when=at("2026-03-03"))  # accepted, then into review by itself
    db.session.commit()
    rows = webhook_rows()
    assert [(r.params["from"], r.params["to"], r.params["trigger"]) for r in rows] == [
        ("received", "accepted", "accept"), ("accepted", "under_review", "start_review")]
    assert {r.address for r in rows} == {subscription.url}
    assert all(r.key.startswith(f"webhook:{subscription.id}:{case.number}:") for r in rows)
    sent = json.dumps([r.params for r in rows], ensure_ascii=False)
    assert "applicant" not in sent
    assert "张三" not in sent
    hall.start_procedure(case, hall.actor("reviewer"), "inspection", reason="现场核查", when=at("2026-03-04"))
    db.session.commit()
    assert len(webhook_rows()) == 2  # internal transitions change no state: no event


def test_delivery_is_signed_and_never_repeated(app, hall):
    subscribe()
    case = hall.receive(day="2026-03-02")
    reception.refuse(case, hall.actor("clerk"), "不属于受理范围", when=at("2026-03-03"))
    db.session.commit()
    receiver = FakeReceiver()
    result = deliver(receiver)
    assert result.sent == 2
    assert len(receiver.received) == 1
    url, headers, body = receiver.received[0]
    row = webhook_rows()[0]
    assert (url, headers[ID_HEADER], body["id"], body["event"]) == (
        "https://province.example/hooks", row.key, row.key, "case.status_changed")
    assert body["data"] == {**{k: v for k, v in row.params.items() if k != "subscription_id"}}
    assert body["data"]["to"] == "refused"
    assert body["data"]["state_label"] == "不予受理"
    raw = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    assert headers[SIGNATURE_HEADER] == signature(SECRET, headers[TIMESTAMP_HEADER], raw)
    assert not verify("another-secret-of-16+", headers, raw)
    assert not verify(SECRET, headers, raw + b" ")
    assert not verify(SECRET, headers, raw, now=int(headers[TIMESTAMP_HEADER]) + 3600)  # a replay, an hour on
    assert deliver(receiver).sent == 0
    assert len(receiver.received) == 1
    assert row.status == OutboxStatus.SENT


def test_failures_are_retried_with_backoff_then_dead(app, hall):
    app.config.update(OUTBOX_MAX_ATTEMPTS=3, OUTBOX_RETRY_SECONDS=60)
    try:
        subscribe()
        case = hall.receive(day="2026-03-02")
        reception.refuse(case, hall.actor("clerk"), "不属于受理范围", when=at("2026-03-03"))
        db.session.commit()
        receiver = FakeReceiver(503, 500, 502)
        start = utcnow()
        assert deliver(receiver, now=start).retried == 1
        row = webhook_rows()[0]
        assert (row.attempts, row.status, row.last_error) == (1, OutboxStatus.PENDING,
                                                             "WebhookRefused: the receiver answered 503")
        assert row.next_attempt_at == start + timedelta(seconds=60)
        assert deliver(receiver, now=start + timedelta(seconds=30)).retried == 0  # not due yet
        assert deliver(receiver, now=start + timedelta(seconds=61)).retried == 1
        assert webhook_rows()[0].next_attempt_at == start + timedelta(seconds=61 + 120)
        assert deliver(receiver, now=start + timedelta(seconds=200)).dead == 1
        assert webhook_rows()[0].status == OutboxStatus.DEAD
        assert len(receiver.received) == 3
    finally:
        app.config.update(OUTBOX_MAX_ATTEMPTS=8, OUTBOX_RETRY_SECONDS=60)


def test_a_retry_after_a_failure_delivers_the_same_event_once(app, hall):
    subscribe()
    case = hall.receive(day="2026-03-02")
    reception.refuse(case, hall.actor("clerk"), "不属于受理范围", when=at("2026-03-03"))
    db.session.commit()
    receiver = FakeReceiver(500)
    start = utcnow()
    deliver(receiver, now=start)
    deliver(receiver, now=start + timedelta(hours=1))
    deliver(receiver, now=start + timedelta(hours=2))
    ids = [headers[ID_HEADER] for _url, headers, _body in receiver.received]
    assert len(ids) == 2
    assert ids[0] == ids[1]
    assert webhook_rows()[0].status == OutboxStatus.SENT


def test_a_deactivated_subscription_gets_nothing_more(app, hall):
    subscription = subscribe()
    case = hall.receive(day="2026-03-02")
    reception.refuse(case, hall.actor("clerk"), "不属于受理范围", when=at("2026-03-03"))
    subscription.active = False
    db.session.commit()
    receiver = FakeReceiver()
    assert deliver(receiver).retried == 1
    assert receiver.received == []


def test_the_command_adds_lists_and_deactivates_subscriptions(app, make_user):
    from service_center.models import Role
    from service_center.services.api_tokens import create_integration_client

    client = create_integration_client(name="省平台", role=Role.MANAGER, department=None, windows=[],
                                       created_by=make_user(Role.ADMIN))
    db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["webhooks", "add", "x", "https://gov.example/hooks", "--client", "无此系统"]
                         ).exit_code != 0
    added = runner.invoke(args=["webhooks", "add", "province", "https://gov.example/hooks", "--client", "省平台"])
    assert added.exit_code == 0, added.output
    secret = added.output.split("shown once, give it to the receiver): ")[1].strip()
    db.session.expire_all()
    stored = db.session.scalar(sa.select(WebhookSubscription))
    assert (stored.name, stored.url, stored.secret, stored.active, stored.client_id) == (
        "province", "https://gov.example/hooks", secret, True, client.id)
    assert len(secret) >= 32
    for bad in (["province", "https://other.example"], ["ftp", "ftp://gov.example"],
                ["short", "https://gov.example", "--secret", "tooshort"]):
        refused = runner.invoke(args=["webhooks", "add", *bad])
        assert refused.exit_code != 0
    listed = runner.invoke(args=["webhooks", "list"])
    assert "province\tactive\thttps://gov.example/hooks\t省平台" in listed.output
    assert secret not in listed.output
    assert runner.invoke(args=["webhooks", "deactivate", "province"]).exit_code == 0
    db.session.expire_all()
    assert db.session.scalar(sa.select(WebhookSubscription.active)) is False
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookSubscription)) == 1
