"""The receipt sweep (deemed acceptance, 视为受理) on PostgreSQL against its floor, on the same data.

Data: N open cases (default 200,000) of which D (default 20,000) are due: received, no supplement notice, the
notice period over. The rest are accepted cases under review (90 %) and applications still within their notice
period. 24 items: 16 committed, 8 joint (lead + 2 departments: the sweep fans those out into 3 steps each).
Generated set-based in one database, then copied (``CREATE DATABASE ... TEMPLATE``) so both runs start alike.

- sweep: :func:`service_center.services.sweeps.sweep_deemed_acceptance`, committing per batch of 1,000, as the
  scheduler runs it (events, due dates counted by the services' clock, joint steps);
- floor: on the copy, one transaction: ``INSERT ... SELECT`` of the same two events per case (accept, then the
  automatic transition) and a bare ``UPDATE`` with the same predicate (the dates by SQL arithmetic, no steps).

Run (PostgreSQL must be reachable; the two scratch databases are dropped and recreated)::

    .venv/bin/python -m benchmarks.bench_sweep [N [D]]     # default 200000 20000

BENCH_SWEEP_DATABASE_URL (default ``sc_sweepbench`` on the local server) names the first; the copy is
``<name>_floor``.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/sc_sweepbench"
TZ = ZoneInfo("Asia/Shanghai")
SWEEP_AT = datetime(2026, 6, 1, 1, 0, tzinfo=TZ)
DEPARTMENTS = 18
ITEMS = 24
JOINT_EVERY = 3  # every third item is joint


def _admin(url: str) -> sa.Engine:
    return sa.create_engine(sa.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def recreate(url: str, template: str | None = None) -> None:
    name = sa.make_url(url).database
    admin = _admin(url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    admin.dispose()


def generate(db, models, n: int, due: int) -> None:  # type: ignore[no-untyped-def]
    """Departments, windows, items (16 committed, 8 joint with 3 departments) and ``n`` open cases."""
    departments = [models.Department(code=f"B{k:03d}", name=f"部门{k}", contact_phone="1", head_name="负责人")
                   for k in range(DEPARTMENTS)]
    db.session.add_all(departments)
    windows = [models.Window(number=f"{k + 1:03d}", name=f"窗口{k + 1}", department=d, hall_zone="A",
                             opening_hours="9-17") for k, d in enumerate(departments)]
    db.session.add_all(windows)
    db.session.add_all(catalogue(models, departments))
    db.session.commit()
    from workflows.registry import latest_version

    versions = {key: latest_version(key) for key in ("committed", "joint")}
    # Case k: item k % ITEMS; the first `due` are due, then 10 % of the rest still in their notice period.
    pending = (n - due) // 10
    db.session.execute(sa.text(f"""
        INSERT INTO cases (number, query_code, workflow_key, workflow_version, state, in_progress, case_type, item_id,
            window_id, department_id, title, applicant_kind, applicant_name, applicant_id_number, applicant_phone,
            promised_limit_days, statutory_limit_days, received_at, received_on, deemed_acceptance_on,
            clock_start_on, accepted_on, due_promised, due_statutory, due_provisional, outstanding_materials,
            outcome_reason, lock_version, created_at, updated_at
            {", due_statutory_provisional" if "due_statutory_provisional" in models.Case.__table__.c else ""})
        SELECT 'B' || lpad(g::text, 8, '0'), substr(md5(g::text), 1, 12), i.workflow_key,
            CASE i.workflow_key WHEN 'joint' THEN :vj ELSE :vc END,
            CASE WHEN g <= CAST(:waiting AS int) THEN 'received'
                 WHEN i.workflow_key = 'joint' THEN 'parallel_review' ELSE 'under_review' END,
            true, i.case_type, i.id, w.id, i.department_id, i.name, 'person', '张三', '330102199001011234',
            '13800000000', i.promised_limit_days, i.statutory_limit_days, r.day::timestamp, r.day, r.day + 7,
            CASE WHEN g > CAST(:waiting AS int) THEN r.day END, CASE WHEN g > CAST(:waiting AS int) THEN r.day END,
            CASE WHEN g > CAST(:waiting AS int) THEN r.day + 14 END,
            CASE WHEN g > CAST(:waiting AS int) THEN r.day + 28 END,
            false, '[]', '', 1, now(), now()
            {", false" if "due_statutory_provisional" in models.Case.__table__.c else ""}
        FROM generate_series(1, :n) AS g
        JOIN items i ON i.code = 'I' || lpad((g % {ITEMS})::text, 3, '0')
        JOIN windows w ON w.department_id = i.department_id
        CROSS JOIN LATERAL (SELECT CASE
            WHEN g <= :due THEN date '2026-05-10' + (g % 10)
            WHEN g <= CAST(:waiting AS int) THEN date '2026-05-28' + (g % 3)
            ELSE date '2026-04-01' + (g % 50) END AS day) r
    """), {"n": n, "due": due, "waiting": due + pending, "vj": versions["joint"], "vc": versions["committed"]})
    db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def catalogue(models, departments: list) -> list:  # type: ignore[no-untyped-def]
    """ITEMS published items over the departments: every JOINT_EVERY-th joint (lead plus the next two
    departments, promised 30 / statutory 45 working days), the others committed (10 / 20)."""
    items = []
    for k in range(ITEMS):
        lead = departments[k % DEPARTMENTS]
        joint = k % JOINT_EVERY == 0
        item = models.Item(code=f"I{k:03d}", name=f"事项{k}", category=models.ItemCategory.LICENSING, department=lead,
                           case_type=models.CaseType.JOINT if joint else models.CaseType.COMMITTED,
                           workflow_key="joint" if joint else "committed", statutory_limit_days=45 if joint else 20,
                           promised_limit_days=30 if joint else 10, status=models.ItemStatus.PUBLISHED)
        if joint:
            item.lead_department, item.join_rule = lead, models.JoinRule.LEAD_CONSOLIDATES
            item.participating_departments = [lead, departments[(k + 1) % DEPARTMENTS],
                                              departments[(k + 2) % DEPARTMENTS]]
        items.append(item)
    return items


def counting(engine: sa.Engine) -> tuple[Counter, object]:
    statements: Counter = Counter()

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements[statement.lstrip().split(None, 1)[0].upper()] += 1

    sa.event.listen(engine, "before_cursor_execute", count)
    return statements, count


def run_sweep(app, db) -> tuple[float, Counter, int]:  # type: ignore[no-untyped-def]
    from service_center.services.sweeps import sweep_deemed_acceptance

    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))  # connect, and build the calendar, before the clock runs
        db.session.rollback()
        statements, listener = counting(db.engine)
        started = time.perf_counter()
        part = sweep_deemed_acceptance(when=SWEEP_AT, commit=db.session.commit)
        elapsed = time.perf_counter() - started
        sa.event.remove(db.engine, "before_cursor_execute", listener)
        if part.failed:
            print(f"  {len(part.failed)} failed, e.g. {part.failed[0]}")
        db.session.remove()
    return elapsed, statements, part.done


FLOOR = """
INSERT INTO case_events (case_id, at, actor_role, trigger, from_state, to_state, comment, data)
SELECT c.id, :at, 'system', e.trigger, e.from_state, e.to_state, e.comment, e.data
FROM cases c CROSS JOIN LATERAL (VALUES
    (1, 'accept', 'received', 'accepted', 'Deemed accepted: no supplement notice within 5 working days of receipt.',
     '{"deemed": true}'::json),
    (2, CASE c.workflow_key WHEN 'joint' THEN 'start_parallel_review' ELSE 'start_review' END, 'accepted',
     CASE c.workflow_key WHEN 'joint' THEN 'parallel_review' ELSE 'under_review' END, '', '{}'::json)
) AS e(n, trigger, from_state, to_state, comment, data)
WHERE c.in_progress AND c.clock_start_on IS NULL AND c.supplement_notice_on IS NULL AND c.deemed_acceptance_on < :today
ORDER BY c.id, e.n;
UPDATE cases SET state = CASE workflow_key WHEN 'joint' THEN 'parallel_review' ELSE 'under_review' END,
    accepted_on = received_on, clock_start_on = received_on, due_promised = received_on + 14,
    due_statutory = received_on + 28, due_provisional = false, lock_version = lock_version + 1, updated_at = now()
WHERE in_progress AND clock_start_on IS NULL AND supplement_notice_on IS NULL AND deemed_acceptance_on < :today
"""


def run_floor(url: str) -> tuple[float, int, int]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
        conn.rollback()
        started = time.perf_counter()
        statements = FLOOR.strip().split(";\n")
        params = {"at": SWEEP_AT, "today": SWEEP_AT.date()}
        inserted = conn.execute(sa.text(statements[0]), params).rowcount
        updated = conn.execute(sa.text(statements[1]), params).rowcount
        conn.commit()
        elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, len(statements) + 1, updated if inserted == 2 * updated else -1


def main(argv: list[str] | None = None) -> float:
    argv = sys.argv[1:] if argv is None else argv
    n = int(argv[0]) if argv else 200_000
    due = int(argv[1]) if len(argv) > 1 else n // 10
    url = os.environ.get("BENCH_SWEEP_DATABASE_URL", DEFAULT_URL)
    floor_url = sa.make_url(url).set(database=f"{sa.make_url(url).database}_floor").render_as_string(False)
    from service_center import create_app, models
    from service_center.extensions import db

    recreate(url)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    started = time.perf_counter()
    with app.app_context():
        db.create_all()
        generate(db, models, n, due)
        db.session.remove()
        db.engine.dispose()
    print(f"generated {n} open cases, {due} due, in {time.perf_counter() - started:.1f} s")
    recreate(floor_url, template=sa.make_url(url).database)

    sweep_s, statements, done = run_sweep(app, db)
    floor_s, floor_statements, floor_done = run_floor(floor_url)
    with app.app_context():
        db.engine.dispose()
    total = sum(statements.values())
    print(f"sweep: {done} deemed accepted in {sweep_s:.2f} s, {total} statements "
          f"({', '.join(f'{k} {v}' for k, v in sorted(statements.items()))}), {sweep_s / max(done, 1) * 1e3:.3f} ms "
          f"and {total / max(done, 1):.3f} statements per case")
    print(f"floor: {floor_done} updated in {floor_s:.2f} s, {floor_statements} statements (INSERT, UPDATE, COMMIT)")
    ratio = sweep_s / floor_s
    print(f"ratio sweep / floor: {ratio:.2f}")
    return ratio


if __name__ == "__main__":
    main()
