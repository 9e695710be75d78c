"""The statistics pages (#11 items 3-6) on PostgreSQL at a year of history: server time of each page against its
floor, the read-side calls it is built on.

Data: bench_stats's year (default N = 1,000,000 cases over 2025, 18 windows, 24 items; ratings, cards, appeals,
complaints) and its rollup rebuilt for the whole year. Each page is requested through the test client signed in
as the manager (the full request: routing, scope check, queries, template, Excel); the floor is the read-side
call the page cannot do without, made directly:

- dashboard, month by window     -> figures(June, window)
- dashboard, 2025 (custom range) by item -> figures(2025, item)
- dashboard, second quarter by clerk    -> figures(Q2, clerk)
- its Excel export               -> figures(June, window)
- drill-down (overdue, a window) -> one page of cases_behind(June, window, overdue_open)
- scorecard, bulletin (page, Excel) -> figures(June, window)
- hall board JSON                -> figures(today, window)

Best of 5 each (the host is shared). Run (the scratch database is dropped and recreated)::

    .venv/bin/python -m benchmarks.bench_stats_pages [N]     # default 1000000

BENCH_STATS_PAGES_DATABASE_URL (default ``sc_statpages`` on the local server) names the database.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date

import sqlalchemy as sa

from benchmarks.bench_stats import YEAR, best, generate
from benchmarks.bench_sweep import recreate

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/sc_statpages"
PASSWORD = "bench-password-1"  # noqa: S105  (a scratch database's manager)


def main(argv: list[str] | None = None) -> dict[str, float]:
    argv = sys.argv[1:] if argv is None else argv
    n = int(argv[0]) if argv else 1_000_000
    url = os.environ.get("BENCH_STATS_PAGES_DATABASE_URL", DEFAULT_URL)

    from werkzeug.security import generate_password_hash

    from service_center import create_app, models
    from service_center.extensions import db
    from service_center.queries.statistics import Breakdown, Period, cases_behind, figures
    from service_center.services.clock import local_today
    from service_center.services.statistics import refresh_days

    recreate(url)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    results: dict[str, float] = {"n": n}
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        generate(db, models, n)
        refresh_days(date(YEAR, 1, 1), date(YEAR, 12, 31))
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        cases = db.session.scalar(sa.select(sa.func.count()).select_from(models.Case))
        print(f"{cases:,} cases generated and the {YEAR} rollup rebuilt in {time.perf_counter() - started:.0f} s")
        manager = db.session.scalar(sa.select(models.User).where(models.User.username == "manager"))
        manager.password_hash = generate_password_hash(PASSWORD)
        db.session.commit()
        window = db.session.scalar(sa.select(models.Window.id).order_by(models.Window.number).limit(1))
        june, year = Period.month(YEAR, 6), Period.year(YEAR)

        def call(work):  # type: ignore[no-untyped-def]
            def run():  # type: ignore[no-untyped-def]
                value = work()
                db.session.rollback()
                return value
            return run

        floors = {
            "june_window": call(lambda: figures(june, Breakdown.WINDOW, manager)),
            "year_item": call(lambda: figures(year, Breakdown.ITEM, manager)),
            "q2_clerk": call(lambda: figures(Period.quarter(YEAR, 2), Breakdown.CLERK, manager)),
            "overdue_page": call(lambda: db.session.scalars(cases_behind(
                june, Breakdown.WINDOW, window, "overdue_open", manager).limit(20)).all()),
            "today_window": call(lambda: figures(Period.day(local_today()), Breakdown.WINDOW, manager)),
        }
        month = f"{YEAR}-06"
        pages = (
            ("dashboard, June by window", f"/statistics?period=month&month={month}&breakdown=window", "june_window"),
            ("dashboard, 2025 by item", f"/statistics?period=custom&start={YEAR}-01-01&end={YEAR}-12-31"
             "&breakdown=item", "year_item"),
            ("dashboard, Q2 by clerk", f"/statistics?period=quarter&year={YEAR}&quarter=2&breakdown=clerk",
             "q2_clerk"),
            ("dashboard export", f"/statistics/export.xlsx?period=month&month={month}&breakdown=window",
             "june_window"),
            ("drill-down, a window's overdue", f"/statistics/cases?period=month&month={month}&breakdown=window"
             f"&key={window}&measure=overdue_open", "overdue_page"),
            ("scorecard", f"/statistics/scorecard?month={month}", "june_window"),
            ("bulletin", f"/statistics/bulletin?month={month}", "june_window"),
            ("bulletin workbook", f"/statistics/bulletin.xlsx?month={month}", "june_window"),
            ("hall board JSON", "/hall-board.json", "today_window"),
        )
        floor_times = {name: best(work)[0] for name, work in floors.items()}
        db.session.remove()
    client = app.test_client()
    response = client.post("/login", data={"username": "manager", "password": PASSWORD})
    assert response.status_code == 302, response.status_code

    def get(path: str):  # type: ignore[no-untyped-def]
        def run() -> int:
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.status_code)
            return len(answer.data)
        return run

    print(f"{'page':34} {'server ms':>10} {'floor ms':>9} {'ratio':>6} {'bytes':>9}")
    for label, path, floor in pages:
        seconds, size = best(get(path))
        results[label] = seconds
        print(f"{label:34} {seconds * 1e3:10.1f} {floor_times[floor] * 1e3:9.1f} "
              f"{seconds / floor_times[floor]:6.1f} {size:9,}")
    with app.app_context():
        db.engine.dispose()
    return results


if __name__ == "__main__":
    main()
