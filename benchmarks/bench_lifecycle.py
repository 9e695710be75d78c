"""Full joint lifecycles per second through the case services on PostgreSQL, against bare SQL as the floor.

One lifecycle: receive -> accept (fans out 3 parallel steps) -> 3 step approvals (the last one joins) ->
grant -> deliver -> close: 8 actions, each committed on its own as a request would (load the case, act,
commit). The floor writes the same rows (the case, its 3 steps, its events, the counter) with hand-written
SQL over one psycopg connection in the same 8 transactions per case, with no reads, no ORM and no workflow
checks. Both run in one process, one after the other, on a scratch database that is dropped and recreated.

Run (PostgreSQL must be reachable; the scratch database is created if missing)::

    .venv/bin/python -m benchmarks.bench_lifecycle [cases]          # default 300
    BENCH_DATABASE_URL=postgresql+psycopg://user@host:5432/sc_bench .venv/bin/python -m benchmarks.bench_lifecycle

The database named in BENCH_DATABASE_URL (default ``sc_bench`` on the local server) is wiped.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import psycopg
import sqlalchemy as sa

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/sc_bench"
TZ = ZoneInfo("Asia/Shanghai")
DEPARTMENTS = 18
ITEMS = 24
ACTIONS_PER_CASE = 8  # transactions per lifecycle, both ways
START = date(2026, 3, 1)  # case k is received on the k-th working day after this


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def ensure_database(url: str) -> None:
    """Create the scratch database if it does not exist (connects to the server's ``postgres`` database)."""
    target = sa.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": target.database}).scalar()
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    finally:
        admin.dispose()


@dataclass
class Hall:
    """Ids of the generated data (objects would expire after every commit)."""

    item_ids: list[int]
    window_of_item: dict[int, int]
    clerk_of_window: dict[int, int]
    reviewer_of_department: dict[int, int]
    head_of_department: dict[int, int]
    departments_of_item: dict[int, list[int]]


def generate(db, models) -> Hall:  # type: ignore[no-untyped-def]
    """A hall: DEPARTMENTS departments with one window, clerk, reviewer and head each, and ITEMS joint items
    (lead + 2 other departments, promised 30 / statutory 45 working days)."""
    departments = [models.Department(code=f"B{n:03d}", name=f"部门{n}", contact_phone="12345", head_name="负责人")
                   for n in range(DEPARTMENTS)]
    db.session.add_all(departments)
    windows = [models.Window(number=f"{n + 1:03d}", name=f"窗口{n + 1}", department=d, hall_zone="A",
                             opening_hours="9:00-17:00") for n, d in enumerate(departments)]
    db.session.add_all(windows)
    users = []
    for n, (department, window) in enumerate(zip(departments, windows, strict=True)):
        clerk = models.User(username=f"clerk{n}", display_name=f"窗口{n}", role=models.Role.CLERK,
                            department=department)
        clerk.windows = [window]
        reviewer = models.User(username=f"reviewer{n}", display_name=f"审批{n}", role=models.Role.REVIEWER,
                               department=department)
        head = models.User(username=f"head{n}", display_name=f"负责人{n}", role=models.Role.DEPT_HEAD,
                           department=department)
        for user in (clerk, reviewer, head):
            user.set_password(secrets.token_urlsafe(12))
        users.append((clerk, reviewer, head))
    db.session.add_all(u for trio in users for u in trio)
    items = []
    for n in range(ITEMS):
        lead = departments[n % DEPARTMENTS]
        others = [departments[(n + 1) % DEPARTMENTS], departments[(n + 2) % DEPARTMENTS]]
        item = models.Item(code=f"JOINT-{n:03d}", name=f"联办事项{n}", category=models.ItemCategory.LICENSING,
                           department=lead, lead_department=lead, case_type=models.CaseType.JOINT,
                           workflow_key="joint", join_rule=models.JoinRule.LEAD_CONSOLIDATES,
                           statutory_limit_days=45, promised_limit_days=30, status=models.ItemStatus.PUBLISHED)
        item.participating_departments = [lead, *others]
        item.windows = [windows[n % DEPARTMENTS]]
        item.materials = [models.ItemMaterial(position=1, name="申请书", is_key=True),
                          models.ItemMaterial(position=2, name="营业执照", is_key=False)]
        items.append(item)
    db.session.add_all(items)
    db.session.commit()
    return Hall(
        item_ids=[i.id for i in items],
        window_of_item={i.id: i.windows[0].id for i in items},
        clerk_of_window={w.id: users[n][0].id for n, w in enumerate(windows)},
        reviewer_of_department={d.id: users[n][1].id for n, d in enumerate(departments)},
        head_of_department={d.id: users[n][2].id for n, d in enumerate(departments)},
        departments_of_item={i.id: [d.id for d in i.participating_departments] for i in items},
    )


def working_days(start: date, count: int) -> list[date]:
    """``count`` consecutive working days from ``start`` (a case a day keeps the dates realistic)."""
    from workflows.clock import default_calendar

    cal = default_calendar()
    days, d = [], cal.add_working_days(start, 1)
    while len(days) < count:
        days.append(d)
        d = cal.add_working_days(d, 1)
    return days


def run_services(app, hall: Hall, n: int) -> tuple[float, Counter]:  # type: ignore[no-untyped-def]
    """N lifecycles through the services, one commit per action; returns seconds and statement counts."""
    from service_center.auth import staff_user
    from service_center.extensions import db
    from service_center.models import Case, Item, Window
    from service_center.services import core, decisions, reception, steps
    from service_center.services.core import Actor
    from service_center.services.intake import Applicant

    statements: Counter = Counter()

    @sa.event.listens_for(db.engine, "before_cursor_execute")
    def count(_conn, _cursor, statement, _params, _context, _many):  # type: ignore[no-untyped-def]
        statements[statement.split(None, 1)[0].upper()] += 1
        if os.environ.get("BENCH_TRACE"):
            print(" ".join(statement.split())[:150])

    days = working_days(START, n)
    start = time.perf_counter()
    for k in range(n):
        item_id = hall.item_ids[k % len(hall.item_ids)]
        window_id = hall.window_of_item[item_id]
        day = days[k]

        def when(hour: int, _day: date = day) -> datetime:
            return datetime(_day.year, _day.month, _day.day, hour, tzinfo=TZ)

        def staff(user_id: int) -> Actor:
            return Actor.staff(staff_user(user_id))  # as a request loads its user

        clerk_id = hall.clerk_of_window[window_id]
        case = reception.receive_application(item=db.session.get(Item, item_id), window=db.session.get(Window,
                                                                                                       window_id),
                                         clerk=staff_user(clerk_id), applicant=Applicant(f"申请人{k}"),
                                         when=when(9))
        case_id = case.id
        db.session.commit()
        reception.accept(core.lock_case(case_id), staff(clerk_id), when=when(9))
        db.session.commit()
        step_ids = [(s.id, s.department_id) for s in db.session.get(Case, case_id).steps]
        for step_id, department_id in step_ids:
            steps.record_step_decision(step_id, staff(hall.reviewer_of_department[department_id]), "approve", "同意",
                                       when=when(11))
            db.session.commit()
        case = core.lock_case(case_id)
        decisions.decide(case, staff(hall.head_of_department[case.department_id]), grant=True, when=when(14))
        db.session.commit()
        decisions.deliver(core.lock_case(case_id), staff(clerk_id), when=when(15))
        db.session.commit()
        case = decisions.close_case(core.lock_case(case_id), staff(clerk_id), when=when(16))
        assert case.state == "closed"
        db.session.commit()
        db.session.remove()  # the next "request" starts with an empty session
    elapsed = time.perf_counter() - start
    sa.event.remove(db.engine, "before_cursor_execute", count)
    return elapsed, statements


def run_bare_sql(url: str, hall: Hall, n: int) -> tuple[float, Counter]:
    """The same rows written with hand-written SQL on one connection, 8 transactions per lifecycle."""
    from workflows.clock import compute_due_dates, deemed_acceptance_date, default_calendar, delivery_due

    cal = default_calendar()
    conninfo = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    statements: Counter = Counter()
    days = working_days(START, n)  # the same days as the service run; the counters carry on
    with psycopg.connect(conninfo) as conn:
        cur = conn.cursor()

        def sql(statement: str, params: tuple = ()) -> psycopg.Cursor:
            statements[statement.split(None, 1)[0].upper()] += 1
            return cur.execute(statement, params)

        event_sql = ("INSERT INTO case_events (case_id, step_id, at, actor_id, actor_role, trigger, from_state, "
                     "to_state, comment, data) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)")

        def event(case_id, step_id, at, actor, role, trigger, src, dst, comment="", data=None):  # type: ignore[no-untyped-def]
            sql(event_sql, (case_id, step_id, at, actor, role, trigger, src, dst, comment, json.dumps(data or {})))

        start = time.perf_counter()
        for k in range(n):
            item_id = hall.item_ids[k % len(hall.item_ids)]
            window_id = hall.window_of_item[item_id]
            departments = hall.departments_of_item[item_id]
            lead = departments[0]
            clerk = hall.clerk_of_window[window_id]
            day = days[k]
            now = datetime(day.year, day.month, day.day, 9, tzinfo=TZ)
            prefix = f"SC{day:%Y%m%d}"
            # receive
            sql("INSERT INTO case_counters (prefix, last) VALUES (%s, 0) ON CONFLICT DO NOTHING", (prefix,))
            last = sql("UPDATE case_counters SET last = last + 1 WHERE prefix = %s RETURNING last",
                       (prefix,)).fetchone()[0]
            case_id = sql(
                "INSERT INTO cases (number, query_code, workflow_key, workflow_version, state, in_progress, case_type,"
                " item_id, window_id, department_id, first_contact_id, title, applicant_kind, applicant_name,"
                " applicant_id_number, applicant_phone, promised_limit_days, statutory_limit_days, received_at,"
                " received_on, deemed_acceptance_on, outcome_reason, due_provisional, due_statutory_provisional,"
                " outstanding_materials, lock_version, created_at, updated_at) VALUES (%s, %s, 'joint', 1, 'received',"
                " true, 'joint', %s, %s, %s, %s, %s, 'person', %s, '', '', 30, 45, %s, %s, %s, '', false, false,"
                " '[]', 1, now(), now())"
                " RETURNING id",
                (f"{prefix}-{last:05d}", secrets.token_hex(4), item_id, window_id, lead, clerk, f"联办事项{k}",
                 f"申请人{k}", now, day, deemed_acceptance_date(day, cal)),
            ).fetchone()[0]
            event(case_id, None, now, clerk, "clerk", "receive", "", "received", data={"item_version": 1})
            conn.commit()
            # accept: clock, due dates, fan out to 3 steps
            due = compute_due_dates(day, 30, 45, cal)
            sql("UPDATE cases SET state = 'accepted', accepted_on = %s, clock_start_on = %s, due_promised = %s,"
                " due_statutory = %s, lock_version = lock_version + 1, updated_at = now() WHERE id = %s",
                (day, day, due.promised, due.statutory, case_id))
            event(case_id, None, now, clerk, "clerk", "accept", "received", "accepted")
            sql("UPDATE cases SET state = 'parallel_review', lock_version = lock_version + 1, updated_at = now()"
                " WHERE id = %s", (case_id,))
            event(case_id, None, now, None, "system", "start_parallel_review", "accepted", "parallel_review")
            step_ids = [
                sql("INSERT INTO case_steps (case_id, department_id, is_lead, status, limit_days, started_on, due_on,"
                    " opinion, lock_version) VALUES (%s, %s, %s, 'pending', 30, %s, %s, '', 1) RETURNING id",
                    (case_id, d, d == lead, day, due.promised)).fetchone()[0]
                for d in departments
            ]
            conn.commit()
            # three step approvals; the last one joins
            for i, (step_id, department) in enumerate(zip(step_ids, departments, strict=True)):
                reviewer = hall.reviewer_of_department[department]
                sql("UPDATE case_steps SET status = 'approved', opinion = '同意', decided_at = %s,"
                    " decided_by_id = %s, lock_version = lock_version + 1 WHERE id = %s", (now, reviewer, step_id))
                sql("UPDATE cases SET lock_version = lock_version + 1, updated_at = now() WHERE id = %s", (case_id,))
                event(case_id, step_id, now, reviewer, "reviewer", "step_approve", "parallel_review",
                      "parallel_review", "同意", {"department_id": department})
                if i == len(step_ids) - 1:
                    sql("UPDATE cases SET state = 'consolidation', lock_version = lock_version + 1,"
                        " updated_at = now() WHERE id = %s", (case_id,))
                    event(case_id, None, now, None, "system", "complete_parallel_review", "parallel_review",
                          "consolidation", data={"approved": 3, "rejected": 0})
                conn.commit()
            # grant, deliver, close
            head = hall.head_of_department[lead]
            sql("UPDATE cases SET state = 'granted', decided_on = %s, outcome = 'granted', due_delivery = %s,"
                " lock_version = lock_version + 1, updated_at = now() WHERE id = %s",
                (day, delivery_due(day, cal), case_id))
            event(case_id, None, now, head, "dept_head", "grant", "consolidation", "granted")
            conn.commit()
            sql("UPDATE cases SET state = 'delivered', delivered_on = %s, lock_version = lock_version + 1,"
                " updated_at = now() WHERE id = %s", (day, case_id))
            event(case_id, None, now, clerk, "clerk", "deliver", "granted", "delivered")
            conn.commit()
            sql("UPDATE cases SET state = 'closed', in_progress = false, closed_on = %s,"
                " lock_version = lock_version + 1, updated_at = now() WHERE id = %s", (day, case_id))
            event(case_id, None, now, clerk, "clerk", "close", "delivered", "closed")
            conn.commit()
        elapsed = time.perf_counter() - start
    return elapsed, statements


def postgres_version(url: str) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql("SHOW server_version").scalar()
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> dict[str, float]:
    argv = sys.argv[1:] if argv is None else argv
    n = int(argv[0]) if argv else 300
    url = database_url()
    ensure_database(url)

    from service_center import create_app, models
    from service_center.extensions import db

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        hall = generate(db, models)
        # warm-up: definitions, machines, calendar, prepared mapper state (not timed, not counted)
        run_services(app, hall, 3)
        services_s, orm_statements = run_services(app, hall, n)
        db.session.remove()
        db.engine.dispose()
    floor_s, sql_statements = run_bare_sql(url, hall, n)

    services_rate, floor_rate = n / services_s, n / floor_s
    print(f"PostgreSQL {postgres_version(url)} at {sa.make_url(url).render_as_string(hide_password=True)}")
    print(f"joint lifecycles: {n} (receive, accept + 3 steps, 3 approvals + join, grant, deliver, close; "
          f"{ACTIONS_PER_CASE} commits each)")
    print(f"services (ORM, one commit per action): {services_rate:8.1f} cases/s  ({1000 * services_s / n:6.2f} ms "
          f"per case, {1000 * services_s / n / ACTIONS_PER_CASE:5.2f} ms per action)")
    print(f"bare SQL floor (same rows, same commits): {floor_rate:8.1f} cases/s  ({1000 * floor_s / n:6.2f} ms "
          f"per case)")
    print(f"ratio services / floor                 : {services_rate / floor_rate:8.2f}  "
          f"(the floor is {floor_rate / services_rate:.1f}x faster)")
    per_case = ", ".join(f"{k} {v / n:.1f}" for k, v in sorted(orm_statements.items()))
    print(f"statements per case, services: {per_case}")
    per_case = ", ".join(f"{k} {v / n:.1f}" for k, v in sorted(sql_statements.items()))
    print(f"statements per case, floor   : {per_case}")
    return {"services_cases_per_s": services_rate, "floor_cases_per_s": floor_rate}


if __name__ == "__main__":
    main()
