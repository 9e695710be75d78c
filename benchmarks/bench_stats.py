"""Statistics (#11) on PostgreSQL: rates per window from the daily rollup against a raw GROUP BY over the cases,
cards and ratings for the same figures, and the rollup's own refresh times.

Data (default N = 1,000,000 cases over 2025, made by ``generate_series``): 18 departments with a window and a clerk
each, 24 items (bench_sweep's catalogue); cases received every day of 2025, one in seven instant, 90 % accepted on
the day of receipt with a promised due date 14 and a statutory one 28 calendar days later, closed 1 to 13 days
after acceptance (1 in 10: 15 to 34 days, late against the promised date, some against the statutory one), except
1 in 20 of December's still open at the year's end; 1 % with a special procedure; one closed case in three
rated the day after its close (all five levels, 1 in 20 ratings revoked on appeal, 1 in 10 a default rating), one
case in twenty with a card (1 in 10 revoked), one complaint per thousand cases.

Measured, each repeated and the best of 5 taken (the host is shared):

- rollup rebuild of the whole year (``refresh_days`` 2025-01-01 .. 2025-12-31, one transaction: the floor of
  ``flask stats rebuild``), the nightly finalise of one day, and the 5-minute refresh (today and yesterday);
- rates per window for June and for the year from the rollup (:func:`queries.statistics.figures`, what the
  dashboard calls), against the raw GROUP BY: the same facts the rollup is made of
  (:func:`services.statistics.facts`) summed per window straight from the base tables over the period (overdue
  open only on the period's last day); the numbers are checked equal, then the ratio printed (goal >= 20).

Run (PostgreSQL must be reachable; the scratch database is dropped and recreated)::

    .venv/bin/python -m benchmarks.bench_stats [N]        # default 1000000

BENCH_STATS_DATABASE_URL (default ``sc_statbench`` on the local server) names the database.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from benchmarks.bench_sweep import DEPARTMENTS, catalogue, recreate

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/sc_statbench"
TZ = ZoneInfo("Asia/Shanghai")
YEAR = 2025
REPEAT = 5


def generate(db, models, n: int) -> None:  # type: ignore[no-untyped-def]
    """The organisation, the catalogue and a year of history (see the module docstring), set-based."""
    from workflows.registry import latest_version

    departments = [models.Department(code=f"B{k:03d}", name=f"部门{k}", contact_phone="1", head_name="负责人")
                   for k in range(DEPARTMENTS)]
    windows = [models.Window(number=f"{k + 1:03d}", name=f"窗口{k + 1}", department=d, hall_zone="A",
                             opening_hours="9-17") for k, d in enumerate(departments)]
    clerks = [models.User(username=f"clerk{k}", display_name=f"用户{k}", password_hash="!",  # noqa: S106
                          role=models.Role.CLERK, department=d, windows=[w])
              for k, (d, w) in enumerate(zip(departments, windows, strict=True))]
    manager = models.User(username="manager", display_name="主任", password_hash="!",  # noqa: S106
                          role=models.Role.MANAGER)
    db.session.add_all([*departments, *windows, *clerks, manager])
    db.session.add_all(catalogue(models, departments))
    db.session.commit()
    versions = {key: latest_version(key) for key in ("committed", "joint", "complaint", "instant")}
    run = lambda sql, **params: db.session.execute(sa.text(sql), params)  # noqa: E731
    run("""
        INSERT INTO cases (number, query_code, workflow_key, workflow_version, state, in_progress, case_type, item_id,
            window_id, department_id, first_contact_id, title, applicant_kind, applicant_name, applicant_id_number,
            applicant_phone, promised_limit_days, statutory_limit_days, received_at, received_on, clock_start_on,
            accepted_on, decided_on, closed_on, outcome, due_promised, due_statutory, due_provisional,
            due_statutory_provisional, outstanding_materials, outcome_reason, lock_version, created_at, updated_at)
        SELECT 'S' || lpad(g::text, 8, '0'), substr(md5(g::text), 1, 12), i.workflow_key,
            CASE i.workflow_key WHEN 'joint' THEN :vj ELSE :vc END,
            CASE WHEN a.accepted AND a.closed THEN 'closed' WHEN a.accepted THEN 'under_review' ELSE 'received' END,
            NOT (a.accepted AND a.closed), CASE WHEN g % 7 = 0 THEN 'instant' ELSE i.case_type END, i.id, w.id,
            i.department_id, u.id, i.name, 'person', '张三', '330102199001011234', '13800000000',
            i.promised_limit_days, i.statutory_limit_days, r.day::timestamp, r.day,
            CASE WHEN a.accepted THEN r.day END, CASE WHEN a.accepted THEN r.day END,
            CASE WHEN a.accepted AND a.closed THEN r.day + a.took END,
            CASE WHEN a.accepted AND a.closed THEN r.day + a.took END,
            CASE WHEN a.accepted AND a.closed THEN 'granted' END,
            CASE WHEN a.accepted THEN r.day + 14 END, CASE WHEN a.accepted THEN r.day + 28 END,
            false, false, '[]', '', 1, now(), now()
        FROM generate_series(1, :n) AS g
        JOIN items i ON i.code = 'I' || lpad((g % 24)::text, 3, '0')
        JOIN windows w ON w.department_id = i.department_id
        JOIN user_windows uw ON uw.window_id = w.id JOIN users u ON u.id = uw.user_id
        CROSS JOIN LATERAL (SELECT make_date(:year, 1, 1) + (g % 365) AS day) r
        CROSS JOIN LATERAL (SELECT g % 10 <> 0 AS accepted, g % 20 <> 1 OR r.day < make_date(:year, 12, 1) AS closed,
            CASE WHEN g % 10 = 1 THEN 15 + g % 20 ELSE 1 + g % 13 END AS took) a
    """, n=n, vj=versions["joint"], vc=versions["committed"], year=YEAR)
    run("""
        INSERT INTO case_pauses (case_id, procedure_type, status, started_on, ended_on, expected_days, reason,
                                 decision_note, result, applicant_notified)
        SELECT id, 'inspection', 'approved', accepted_on + 3, CASE WHEN id % 200 = 7 THEN NULL
               ELSE accepted_on + 8 END, 5, '检验', '', '', true
        FROM cases WHERE id % 100 = 7 AND accepted_on IS NOT NULL
    """)
    run("""
        INSERT INTO ratings (case_id, channel, level, reason, rated_at, is_default, window_id)
        SELECT id, CASE WHEN id % 10 = 3 THEN 'default' ELSE 'tracking' END,
               CASE WHEN id % 10 = 3 THEN 'basic' ELSE (ARRAY['very_satisfied', 'satisfied', 'basic', 'dissatisfied',
                    'very_dissatisfied'])[1 + id % 5] END,
               '慢', (closed_on + 1)::timestamp + interval '2 hours', id % 10 = 3, window_id
        FROM cases WHERE closed_on IS NOT NULL AND id % 3 = 0
    """)
    run("""
        INSERT INTO rating_appeals (rating_id, reason, appealed_by_id, appealed_at, status, decided_by_id, decided_at,
                                    decision_reason)
        SELECT id, '恶意', (SELECT id FROM users WHERE username = 'manager'), rated_at, 'revoked',
               (SELECT id FROM users WHERE username = 'manager'), rated_at, ''
        FROM ratings WHERE id % 20 = 0
    """)
    run("""
        INSERT INTO warning_cards (case_id, level, rule, due_on, judged_on, working_days_over, window_id, department_id,
                                   handler_id, raised_at)
        SELECT id, 'yellow', 'promised_passed', due_promised, due_promised + 1, 1, window_id, department_id,
               first_contact_id, (due_promised + 1)::timestamp
        FROM cases WHERE id % 20 = 0 AND due_promised IS NOT NULL
    """)
    run("""
        INSERT INTO card_appeals (card_id, reason, appealed_by_id, appealed_at, status, decided_by_id, decided_at,
                                  decision_reason)
        SELECT id, '理由', (SELECT id FROM users WHERE username = 'manager'), raised_at, 'revoked',
               (SELECT id FROM users WHERE username = 'manager'), raised_at, ''
        FROM warning_cards WHERE id % 10 = 0
    """)
    run("""
        INSERT INTO cases (number, query_code, workflow_key, workflow_version, state, in_progress, window_id,
            department_id, title, applicant_kind, applicant_name, applicant_id_number, applicant_phone,
            promised_limit_days, statutory_limit_days, received_at, received_on, due_provisional,
            due_statutory_provisional, outstanding_materials, outcome_reason, lock_version, created_at, updated_at)
        SELECT 'T' || lpad(g::text, 8, '0'), substr(md5(g::text), 1, 12), 'complaint', :vq, 'received', true,
            w.id, w.department_id, '投诉', 'person', '李四', '', '', 0, 0, r.day::timestamp, r.day, false, false,
            '[]', '', 1, now(), now()
        FROM generate_series(1, :n / 1000) AS g
        JOIN windows w ON w.number = lpad((1 + g % :windows)::text, 3, '0')
        CROSS JOIN LATERAL (SELECT make_date(:year, 1, 1) + (g * 37 % 365) AS day) r
    """, n=n, vq=versions["complaint"], windows=DEPARTMENTS, year=YEAR)
    db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def best(work) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    """The best time of REPEAT runs of ``work`` and its last result."""
    times, result = [], None
    for _ in range(REPEAT):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


def raw_per_window(period) -> dict[int | None, dict[str, int]]:  # type: ignore[no-untyped-def]
    """The same figures per window straight from the base tables: the rollup's facts over the period (overdue
    open on its last day only), summed per window."""
    from service_center.extensions import db
    from service_center.models.statistics import MEASURES
    from service_center.services.statistics import facts

    db.session.execute(sa.text("SET LOCAL jit = off"))  # as the rollup's refresh: JIT only adds seconds here
    over = facts(period.start, period.end)
    over["overdue_open"] = facts(period.end, period.end)["overdue_open"]
    union = sa.union_all(*over.values()).subquery()
    rows = db.session.execute(sa.select(union.c.window_id, *(sa.func.sum(union.c[m]).label(m) for m in MEASURES))
                              .group_by(union.c.window_id)).mappings().all()
    db.session.rollback()
    return {row["window_id"]: {m: int(row[m]) for m in MEASURES} for row in rows}


def from_rollup(period, manager) -> dict[int | None, dict[str, int]]:  # type: ignore[no-untyped-def]
    from service_center.models.statistics import MEASURES
    from service_center.queries.statistics import Breakdown, figures

    result = {}
    for f in figures(period, Breakdown.WINDOW, manager):
        counts = {m: getattr(f, m) for m in MEASURES if hasattr(f, m)}
        counts.update({f"ratings_{level}": n for level, n in f.ratings_by_level.items()})
        result[f.key] = counts
    return result


def main(argv: list[str] | None = None) -> dict[str, float]:
    argv = sys.argv[1:] if argv is None else argv
    n = int(argv[0]) if argv else 1_000_000
    url = os.environ.get("BENCH_STATS_DATABASE_URL", DEFAULT_URL)

    from service_center import create_app, models
    from service_center.extensions import db
    from service_center.queries.statistics import Period
    from service_center.services.statistics import refresh_current, refresh_days

    recreate(url)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    results: dict[str, float] = {"n": n}
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        generate(db, models, n)
        cases = db.session.scalar(sa.select(sa.func.count()).select_from(models.Case))
        print(f"generated {cases:,} cases (N = {n:,}) with ratings, cards, appeals and complaints "
              f"in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        rows = refresh_days(date(YEAR, 1, 1), date(YEAR, 12, 31))
        db.session.commit()
        results["rebuild"] = time.perf_counter() - started
        print(f"rollup rebuild of {YEAR} (flask stats rebuild, one transaction): {rows:,} rows in "
              f"{results['rebuild']:.1f} s")
        db.session.execute(sa.text("ANALYZE stat_daily"))
        db.session.commit()

        def finalise() -> int:
            written = refresh_days(date(YEAR, 6, 16), date(YEAR, 6, 16))
            db.session.commit()
            return written

        results["finalise"], written = best(finalise)
        print(f"nightly finalise of one day: {written:,} rows in {results['finalise'] * 1e3:.0f} ms")
        now, since = datetime(YEAR, 12, 31, 10, 5, tzinfo=TZ), datetime.now(TZ)  # generated before ``since``
        results["refresh"], counts = best(lambda: refresh_current(now, since=since))
        print(f"5-minute refresh (today and yesterday, nothing else changed): {counts} in "
              f"{results['refresh'] * 1e3:.0f} ms")

        manager = db.session.scalar(sa.select(models.User).where(models.User.username == "manager"))
        for name, period in (("month", Period.month(YEAR, 6)), ("year", Period.year(YEAR))):
            rollup_s, rollup = best(lambda p=period: from_rollup(p, manager))
            raw_s, raw = best(lambda p=period: raw_per_window(p))
            if set(raw) != set(rollup) or any(raw[k][m] != v for k, counts in rollup.items()
                                                for m, v in counts.items()):
                raise SystemExit(f"{name}: the rollup and the raw GROUP BY disagree")
            results[f"{name}_rollup"], results[f"{name}_raw"] = rollup_s, raw_s
            total = sum(c["received"] for c in rollup.values())
            print(f"rates per window, {period.label} ({len(rollup)} windows, {total:,} cases received): rollup "
                  f"{rollup_s * 1e3:.1f} ms, raw GROUP BY {raw_s * 1e3:.0f} ms, raw / rollup = "
                  f"{raw_s / rollup_s:.0f} (goal >= 20); same numbers")
        db.session.remove()
        db.engine.dispose()
    return results


if __name__ == "__main__":
    main()
