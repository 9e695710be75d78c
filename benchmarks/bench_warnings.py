"""The warning sweep (电子监察预警) on PostgreSQL against its floor and against a per-row ORM loop, per size.

Data per size N (default 100,000 and 1,000,000): N open accepted cases over 24 items (16 committed, 8 joint
with 3 departments, so a third of the cases carry 3 pending steps with a 5-day limit); received between 5/1
and 6/9 2026, promised due 14 and statutory due 28 calendar days later; 1 % with a running special procedure.
Swept on Mon 2026-06-01 10:00 that gives about 35 % yellow cards (promised date passed), 7 % red, 5 %
reminders and many overrunning steps. Generated set-based (``INSERT ... SELECT generate_series``) in one
database, then copied (``CREATE DATABASE ... TEMPLATE``) for the floor and the ORM loop.

- sweep: :func:`service_center.services.warnings.raise_warning_cards` as the job runs it (one transaction,
  notifications off: the outbox is measured by its own benchmark), committed; then again 5 minutes later (the
  steady state of a sweep every few minutes: the same overdue cases, no new card);
- floor: on the copy, the same predicates (:func:`service_center.services.warnings.sweep_checks`) in bare
  ``INSERT ... SELECT`` statements into a table without indexes (case, step, rule only: no working days over,
  no responsibility columns, no unique check), committed;
- floor into the cards table: on the copy, after the ORM loop, the same predicates and the same rows in bare
  ``INSERT ... SELECT`` statements into ``warning_cards`` itself (its keys and indexes), committed: what the
  sweep's own machinery (anti-join, ``ON CONFLICT``, working-day join, ``RETURNING``) adds to the table's cost;
- ORM: on the copy, a per-row loop over a sample of S open cases (default 2,000): load the case, its pauses
  and steps, judge the rules in Python, look for an existing card, add the new ones, flush; rolled back. Its
  time per case is multiplied by N (the sweep reads all N) for the comparison.

Run (PostgreSQL must be reachable; the scratch databases are dropped and recreated)::

    .venv/bin/python -m benchmarks.bench_warnings [N ...]     # default 100000 1000000

BENCH_WARNINGS_DATABASE_URL (default ``sc_warnbench`` on the local server) names the first database; the copy
is ``<name>_copy``. BENCH_WARNINGS_SAMPLE sets S.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from benchmarks.bench_sweep import DEPARTMENTS, catalogue, recreate

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/sc_warnbench"
TZ = ZoneInfo("Asia/Shanghai")
SWEEP_AT = datetime(2026, 6, 1, 10, 0, tzinfo=TZ)


def generate(db, models, n: int) -> None:  # type: ignore[no-untyped-def]
    """Departments with a head each, windows with a clerk, 24 items, ``n`` open cases, steps and pauses."""
    from workflows.registry import latest_version

    departments = [models.Department(code=f"B{k:03d}", name=f"部门{k}", contact_phone="1", head_name="负责人")
                   for k in range(DEPARTMENTS)]
    windows = [models.Window(number=f"{k + 1:03d}", name=f"窗口{k + 1}", department=d, hall_zone="A",
                             opening_hours="9-17") for k, d in enumerate(departments)]
    users = [models.User(username=f"{role}{k}", display_name=f"用户{k}", password_hash="!", role=role,  # noqa: S106
                         department=d)
             for k, d in enumerate(departments) for role in (models.Role.CLERK, models.Role.DEPT_HEAD)]
    for k, window in enumerate(windows):
        users[2 * k].windows = [window]
    db.session.add_all([*departments, *windows, *users])
    db.session.add_all(catalogue(models, departments))
    db.session.commit()
    versions = {key: latest_version(key) for key in ("committed", "joint")}
    db.session.execute(sa.text("""
        INSERT INTO cases (number, query_code, workflow_key, workflow_version, state, in_progress, case_type, item_id,
            window_id, department_id, first_contact_id, title, applicant_kind, applicant_name, applicant_id_number,
            applicant_phone, promised_limit_days, statutory_limit_days, received_at, received_on, clock_start_on,
            accepted_on, due_promised, due_statutory, due_provisional, due_statutory_provisional,
            outstanding_materials, outcome_reason, lock_version, created_at, updated_at)
        SELECT 'B' || lpad(g::text, 8, '0'), substr(md5(g::text), 1, 12), i.workflow_key,
            CASE i.workflow_key WHEN 'joint' THEN :vj ELSE :vc END,
            CASE i.workflow_key WHEN 'joint' THEN 'parallel_review' ELSE 'under_review' END,
            true, i.case_type, i.id, w.id, i.department_id, u.id, i.name, 'person', '张三', '330102199001011234',
            '13800000000', i.promised_limit_days, i.statutory_limit_days, r.day::timestamp, r.day, r.day, r.day,
            r.day + 14, r.day + 28, false, false, '[]', '', 1, now(), now()
        FROM generate_series(1, :n) AS g
        JOIN items i ON i.code = 'I' || lpad((g % 24)::text, 3, '0')
        JOIN windows w ON w.department_id = i.department_id
        JOIN user_windows uw ON uw.window_id = w.id JOIN users u ON u.id = uw.user_id
        CROSS JOIN LATERAL (SELECT date '2026-05-01' + (g % 40) AS day) r
    """), {"n": n, "vj": versions["joint"], "vc": versions["committed"]})
    db.session.execute(sa.text("""
        INSERT INTO case_steps (case_id, department_id, is_lead, status, limit_days, started_on, due_on, opinion,
                                lock_version)
        SELECT c.id, d.department_id, d.department_id = c.department_id, 'pending', 5, c.clock_start_on,
               c.clock_start_on + 7, '', 1
        FROM cases c JOIN item_departments d ON d.item_id = c.item_id WHERE c.workflow_key = 'joint'
    """))
    db.session.execute(sa.text("""
        INSERT INTO case_pauses (case_id, procedure_type, status, started_on, expected_days, reason, decision_note,
                                 result, applicant_notified)
        SELECT id, 'inspection', 'approved', received_on + 3, 10, '检验', '', '', true FROM cases WHERE id % 100 = 7
    """))
    db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def run_sweep(app, db, at: datetime = SWEEP_AT) -> tuple[float, dict[str, int]]:  # type: ignore[no-untyped-def]
    from service_center.services.warnings import raise_warning_cards

    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))  # connect first
        db.session.rollback()
        started = time.perf_counter()
        counts = raise_warning_cards(now=at, notify=lambda ids: None)
        db.session.commit()
        elapsed = time.perf_counter() - started
        db.session.remove()
    return elapsed, counts.raised


def run_floor(app, db) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """The same predicates, bare: ``INSERT ... SELECT`` into an unindexed table, one transaction."""
    from service_center.models import Case, CaseStep
    from service_center.services.warnings import sweep_checks

    floor = sa.table("floor_cards", sa.column("case_id"), sa.column("step_id"), sa.column("rule"))
    with app.app_context():
        db.session.execute(sa.text("CREATE TABLE IF NOT EXISTS floor_cards (case_id int, step_id int, rule text)"))
        db.session.commit()
        checks = sweep_checks(SWEEP_AT)  # the thresholds are read before the clock runs, as the sweep reads them
        started = time.perf_counter()
        for check in checks:
            select = sa.select(Case.id, CaseStep.id if check.step else sa.null(), sa.literal(check.rule.value))
            select = (select.select_from(CaseStep).join(Case, Case.id == CaseStep.case_id) if check.step
                      else select.select_from(Case))
            db.session.execute(sa.insert(floor).from_select(["case_id", "step_id", "rule"],
                                                            select.where(check.condition)))
        db.session.commit()
        elapsed = time.perf_counter() - started
        inserted = db.session.scalar(sa.text("SELECT count(*) FROM floor_cards"))
        db.session.remove()
    return elapsed, inserted


def run_table_floor(app, db) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """The same predicates, bare, into the cards table itself (its keys and indexes): plain ``INSERT ... SELECT``
    of the same rows (the working days over left 0), without the sweep's anti-join, ``ON CONFLICT``, working-day
    join or ``RETURNING``; one transaction. What the sweep adds to the table's own cost of writing the cards."""
    from service_center.models import RULE_LEVELS, Case, CaseStep, WarningCard
    from service_center.services.warnings import CARD_COLUMNS, local_day, sweep_checks

    with app.app_context():
        checks = sweep_checks(SWEEP_AT)
        today = local_day(SWEEP_AT)
        started = time.perf_counter()
        for check in checks:
            select = sa.select(
                Case.id, CaseStep.id if check.step else sa.null(), sa.literal(RULE_LEVELS[check.rule].value),
                sa.literal(check.rule.value), check.due, sa.literal(today) if check.judged is None else check.judged,
                sa.literal(0), Case.window_id, CaseStep.department_id if check.step else Case.department_id,
                CaseStep.assignee_id if check.step else Case.first_contact_id, sa.literal(SWEEP_AT))
            select = (select.select_from(CaseStep).join(Case, Case.id == CaseStep.case_id) if check.step
                      else select.select_from(Case))
            db.session.execute(sa.insert(WarningCard.__table__).from_select(list(CARD_COLUMNS),
                                                                            select.where(check.condition)))
        db.session.commit()
        elapsed = time.perf_counter() - started
        inserted = db.session.scalar(sa.select(sa.func.count()).select_from(WarningCard))
        db.session.remove()
    return elapsed, inserted


def _judge(case, today: date, soon_until: date) -> list[tuple[str, object, date]]:  # type: ignore[no-untyped-def]
    """The open-case rules for one loaded case, in Python: (rule, step, due)."""
    pauses = [p for p in case.pauses if p.status == "approved" and p.ended_on is None]

    def past(due: date) -> bool:
        return due < today and not any(p.started_on <= due for p in pauses)

    found: list[tuple[str, object, date]] = []
    if case.decided_on is None and case.due_promised is not None:
        if past(case.due_statutory):
            found.append(("statutory_passed", None, case.due_statutory))
        elif past(case.due_promised):
            found.append(("promised_passed", None, case.due_promised))
        elif not pauses and today <= case.due_promised <= soon_until:
            found.append(("promised_soon", None, case.due_promised))
        found += [("step_overran", s, s.due_on) for s in case.steps if s.status == "pending" and past(s.due_on)]
    return found


def run_orm(app, db, sample: int) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """Per-row: load each case with its pauses and steps, judge, check for an existing card, add; rolled back."""
    from service_center.models import RULE_LEVELS, Case, WarningCard, WarningRule
    from service_center.services.clock import work_calendar
    from service_center.services.warnings import local_day

    with app.app_context():
        today = local_day(SWEEP_AT)
        calendar = work_calendar()
        every = max(db.session.scalar(sa.select(sa.func.count()).select_from(Case)) // sample, 1)
        ids = db.session.scalars(sa.select(Case.id).where(Case.in_progress, Case.id % every == 0)
                                 .order_by(Case.id).limit(sample)).all()  # spread over the whole table
        started = time.perf_counter()
        added = 0
        for case_id in ids:
            case = db.session.get(Case, case_id)
            for rule, step, due in _judge(case, today, calendar.add_working_days(today, 1)):
                key = WarningCard.step_id == step.id if step is not None else WarningCard.step_id.is_(None)
                exists = db.session.scalar(sa.select(WarningCard.id).where(
                    WarningCard.case_id == case.id, key, WarningCard.rule == rule))
                if exists is None:
                    db.session.add(WarningCard(
                        case_id=case.id, step_id=step.id if step is not None else None,
                        level=RULE_LEVELS[WarningRule(rule)], rule=rule, due_on=due, judged_on=today,
                        working_days_over=-calendar.working_days_after(today, due) if due >= today
                        else calendar.working_days_after(due, today), window_id=case.window_id,
                        department_id=step.department_id if step is not None else case.department_id,
                        handler_id=step.assignee_id if step is not None else case.first_contact_id))
                    added += 1
            db.session.flush()
        elapsed = time.perf_counter() - started
        db.session.rollback()
        db.session.remove()
    return elapsed / max(len(ids), 1), added


def one_size(n: int, url: str, sample: int) -> dict[str, float]:
    from service_center import create_app, models
    from service_center.extensions import db

    copy_url = sa.make_url(url).set(database=f"{sa.make_url(url).database}_copy").render_as_string(False)
    recreate(url)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    started = time.perf_counter()
    with app.app_context():
        db.create_all()
        generate(db, models, n)
        db.session.remove()
        db.engine.dispose()
    print(f"N = {n:,}: generated in {time.perf_counter() - started:.1f} s")
    recreate(copy_url, template=sa.make_url(url).database)
    copy_app = create_app("testing", SQLALCHEMY_DATABASE_URI=copy_url)

    sweep_s, raised = run_sweep(app, db)
    again_s, again = run_sweep(app, db, SWEEP_AT.replace(minute=5))  # the next period: nothing new
    floor_s, floor_rows = run_floor(copy_app, db)
    per_row, orm_added = run_orm(copy_app, db, sample)  # rolled back: the copy's cards table stays empty
    table_s, table_rows = run_table_floor(copy_app, db)
    for each in (app, copy_app):
        with each.app_context():
            db.engine.dispose()
    total = sum(raised.values())
    orm_s = per_row * n
    print(f"  sweep: {total:,} cards in {sweep_s:.2f} s ({', '.join(f'{k} {v:,}' for k, v in raised.items())})")
    print(f"  sweep again 5 minutes later: {sum(again.values()):,} new cards in {again_s:.2f} s")
    print(f"  floor: {floor_rows:,} rows in {floor_s:.2f} s (same predicates, bare INSERT ... SELECT)")
    print(f"  floor into the cards table: {table_rows:,} cards in {table_s:.2f} s (same predicates and rows, "
          f"bare INSERT ... SELECT; its keys and indexes)")
    print(f"  ORM loop: {per_row * 1e3:.3f} ms per case over {sample:,} cases ({orm_added:,} cards), "
          f"x {n:,} cases = {orm_s:.1f} s")
    print(f"  sweep / floor = {sweep_s / floor_s:.2f}, again / floor = {again_s / floor_s:.2f} (goal <= 1.5); "
          f"ORM / sweep = {orm_s / sweep_s:.0f} (goal >= 50)")
    print(f"  sweep / floor into the cards table = {sweep_s / table_s:.2f}, again / it = {again_s / table_s:.2f}")
    return {"n": n, "sweep": sweep_s, "again": again_s, "floor": floor_s, "table_floor": table_s, "orm": orm_s,
            "cards": total}


def main(argv: list[str] | None = None) -> list[dict[str, float]]:
    argv = sys.argv[1:] if argv is None else argv
    sizes = [int(a) for a in argv] or [100_000, 1_000_000]
    url = os.environ.get("BENCH_WARNINGS_DATABASE_URL", DEFAULT_URL)
    sample = int(os.environ.get("BENCH_WARNINGS_SAMPLE", "2000"))
    results = [one_size(n, url, sample) for n in sizes]
    first = results[0]
    for r in results[1:]:
        print(f"from {first['n']:,} to {r['n']:,} cases (x {r['n'] / first['n']:.0f}): sweep x "
              f"{r['sweep'] / first['sweep']:.1f}, sweep again x {r['again'] / first['again']:.1f}, "
              f"floor x {r['floor'] / first['floor']:.1f}")
    return results


if __name__ == "__main__":
    main()
