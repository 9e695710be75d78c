"""The public pages under load, against a bare Flask endpoint doing one indexed SELECT (the floor).

Both run under gunicorn with 4 sync workers on the same scratch PostgreSQL database; a load generator
(benchmarks/loadgen.py, 64 concurrent clients over 2 processes) drives each for a fixed time:

* the floor: ``GET /floor`` of benchmarks/floor_app.py (one ``SELECT ... WHERE number = %s``);
* ``GET /guide/``: the guide index (first page of the demo catalogue, 200+ published items);
* ``GET /guide/<code>``: one joint item's guide;
* ``POST /track``: a successful tracking lookup (number + query code). CSRF stays on: each client GETs
  /track once, keeps its session cookie and token, then posts the form again and again;
* ``GET /results``: the first page of the published results (the decisions of the last 30 days, by default).

The app runs with SERVICE_CENTER_CONFIG=production and a fixed SECRET_KEY (not secret: a benchmark). Every
client posts the same case numbers again and again, and TRACK_CASE_BURST_LIMIT counts every lookup of one number
(10 a minute by default): the benchmark raises it to 1000000 per minute, as real applicants would never reach it.
The limit on *failed* lookups (TRACK_RATE_LIMIT) stays as configured; it never counts a successful lookup,
which the status counts below show (all 200, no 429). Limiter storage is the default, in memory.

Run (PostgreSQL must be reachable; the scratch database is created if missing and wiped)::

    .venv/bin/python -m benchmarks.bench_public [seconds]      # default 6 s per target, after a 3 s warm-up

Environment: BENCH_PUBLIC_DATABASE_URL (default ``sc_loadbench`` on the local server), BENCH_CLIENTS (64),
BENCH_WORKERS (4), BENCH_LOADGEN_PROCESSES (2), BENCH_DEMO_DAYS (30: days of demo cases to seed),
BENCH_ROUNDS (3: floor then each page, repeated), BENCH_PUBLIC_REUSE=1 (keep the data of a previous run
instead of wiping and seeding again).
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from benchmarks import loadgen
from benchmarks.bench_lifecycle import ensure_database, postgres_version
from service_center.i18n import compile_catalogues

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/sc_loadbench"
SECRET_KEY = "bench-public-not-a-secret-0123456789abcdef"  # noqa: S105 - a scratch benchmark app


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def app_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "SERVICE_CENTER_CONFIG": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": url,
        "TRACK_CASE_BURST_LIMIT": "1000000 per minute",
        "RATELIMIT_ALLOW_PER_PROCESS": "1",  # production refuses memory:// otherwise; limits are not measured here
        "PYTHONPATH": str(ROOT),
    }


def seed(url: str, days: int, reuse: bool = False) -> dict[str, str]:
    """Wipe the database, seed the demo hall and ``days`` days of cases (unless ``reuse`` and it has cases);
    pick the pages to request."""
    from service_center import create_app
    from service_center.demo.cases import seed_demo_cases
    from service_center.demo.seed import seed_demo
    from service_center.extensions import db
    from service_center.models import Case, CaseType, Item, ItemStatus

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        created = 0
        if not (reuse and sa.inspect(db.engine).has_table("cases")
                and db.session.scalar(sa.select(sa.func.count()).select_from(Case))):
            db.drop_all()
            db.create_all()
            seed_demo(echo=lambda _line: None)
            created = seed_demo_cases(days=days, echo=lambda _line: None)  # up to now, as `flask demo`
            db.session.commit()
        # A joint case still in progress, with the longest public history: the heaviest tracking page.
        events = sa.func.count().label("n")
        case = db.session.execute(
            sa.select(Case.number, Case.query_code, events)
            .join(Case.events).where(Case.case_type == CaseType.JOINT, Case.in_progress)
            .group_by(Case.id).order_by(events.desc(), Case.id).limit(1)
        ).one_or_none() or db.session.execute(
            sa.select(Case.number, Case.query_code, sa.literal(0)).order_by(Case.id).limit(1)).one()
        item = db.session.scalar(sa.select(Item.code).where(Item.status == ItemStatus.PUBLISHED,
                                                            Item.case_type == CaseType.JOINT).order_by(Item.code))
        counts = {m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m))
                  for m in (Item, Case)}
        db.session.remove()
        db.engine.dispose()
    return {"number": case[0], "query_code": case[1], "item": item, "cases_created": str(created),
            "items": str(counts["items"]), "cases": str(counts["cases"])}


def statements_per_page(url: str, picked: dict[str, str]) -> dict[str, Counter]:
    """SQL statements per request of each page, in-process under the same configuration (second request)."""
    import re

    from service_center import create_app
    from service_center.extensions import db

    app = create_app("production", SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=SECRET_KEY,
                     TRACK_CASE_BURST_LIMIT="1000000 per minute", RATELIMIT_ALLOW_PER_PROCESS=True)
    counts: dict[str, Counter] = {}
    with app.app_context():
        client = app.test_client()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/track").get_data(as_text=True))
        form = {"number": picked["number"], "query_code": picked["query_code"], "csrf_token": token.group(1)}
        pages = {
            "GET /guide/": lambda: client.get("/guide/"),
            f"GET /guide/{picked['item']}": lambda: client.get(f"/guide/{picked['item']}"),
            "POST /track": lambda: client.post("/track", data=form),
            "GET /results": lambda: client.get("/results"),
        }
        for name, fetch in pages.items():
            assert fetch().status_code == 200, name
            seen: Counter = Counter()

            def count(_c, _cur, statement, *_rest, _seen: Counter = seen) -> None:  # type: ignore[no-untyped-def]
                _seen[statement.split(None, 1)[0].upper()] += 1

            sa.event.listen(db.engine, "before_cursor_execute", count)
            response = fetch()
            sa.event.remove(db.engine, "before_cursor_execute", count)
            assert response.status_code == 200, name
            counts[name] = seen
        db.engine.dispose()
    return counts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """``gunicorn -w N`` for ``app_spec`` on a free port of 127.0.0.1; stopped (and its workers) on exit."""

    def __init__(self, app_spec: str, env: dict[str, str], workers: int) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "--chdir", str(ROOT), app_spec],
            env=env, cwd=ROOT, start_new_session=True,
        )

    def __enter__(self) -> Gunicorn:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    time.sleep(1.0)  # let every worker boot
                    return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start within 60 s")

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # the master stops its workers
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (Linux /proc); gone processes count 0."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def server_pids(server: Gunicorn, libpq: str, application_name: str) -> list[int]:
    """The gunicorn workers and the PostgreSQL backends serving them (told apart by application_name)."""
    import psycopg

    children = Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text().split()
    with psycopg.connect(libpq, autocommit=True) as conn:
        backends = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                                               (application_name,))]
    return [int(p) for p in children] + backends


def drive(server: Gunicorn, target: loadgen.Target, seconds: float, warmup: float,
          cpu_of: Callable[[], list[int]]) -> tuple[loadgen.Result, float]:
    """Run the load; returns the result and the servers' CPU milliseconds per response in the measured window
    (gunicorn workers + their PostgreSQL backends): unlike requests/s, hardly moved by the host's other load."""
    readings: dict[str, float] = {}

    def read(moment: str) -> None:
        readings[moment] = cpu_seconds(cpu_of())

    result = loadgen.run(server.port, target, clients=env_int("BENCH_CLIENTS", 64),
                         processes=env_int("BENCH_LOADGEN_PROCESSES", 2), warmup=warmup, duration=seconds,
                         at_window=read)
    return result, 1000 * (readings["end"] - readings["start"]) / max(result.requests, 1)


def report(name: str, measured: tuple[loadgen.Result, float], floor: float | None) -> str:
    result, cpu_ms = measured
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(result.statuses.items()))
    errors = f"; errors {dict(result.errors)}" if result.errors else ""
    ratio = f"{result.rate / floor:5.2f}" if floor else "  -  "
    return (f"{name:<28} {result.rate:8.1f} req/s  ratio {ratio}  p50 {result.percentile(50):6.1f} ms  "
            f"p99 {result.percentile(99):6.1f} ms  server CPU {cpu_ms:5.2f} ms/req  "
            f"generator CPU {100 * result.generator_cpu_s / result.seconds:3.0f}%  [{statuses}{errors}]")


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Seed, start both servers, drive them; returns the mean floor rate and each page's mean ratio to it."""
    argv = sys.argv[1:] if argv is None else argv
    seconds = float(argv[0]) if argv else 6.0
    warmup = 3.0
    url = os.environ.get("BENCH_PUBLIC_DATABASE_URL", DEFAULT_URL)
    workers = env_int("BENCH_WORKERS", 4)
    ensure_database(url)
    compile_catalogues()
    started = time.perf_counter()
    picked = seed(url, env_int("BENCH_DEMO_DAYS", 30), reuse=os.environ.get("BENCH_PUBLIC_REUSE") == "1")
    print(f"PostgreSQL {postgres_version(url)} at {sa.make_url(url).render_as_string(hide_password=True)}")
    print(f"seeded in {time.perf_counter() - started:.0f} s: {picked['items']} items, {picked['cases']} cases; "
          f"tracking {picked['number']}, item guide {picked['item']}")
    for page, seen in statements_per_page(url, picked).items():
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(seen.items()))
        print(f"statements per request, {page}: {sum(seen.values())} ({kinds})")
    print(f"gunicorn -w {workers} (sync) each; {env_int('BENCH_CLIENTS', 64)} clients over "
          f"{env_int('BENCH_LOADGEN_PROCESSES', 2)} generator processes; {warmup:.0f} s warm-up, {seconds:.0f} s "
          "measured per target")

    libpq = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    floor_env = {**os.environ, "FLOOR_DATABASE_URL": f"{libpq}?application_name=sc_floor",
                 "FLOOR_CASE_NUMBER": picked["number"], "PYTHONPATH": str(ROOT)}
    targets = {
        "guide index GET /guide/": loadgen.Target("/guide/"),
        "item guide GET /guide/<code>": loadgen.Target(f"/guide/{picked['item']}"),
        "tracking POST /track": loadgen.Target("/track", body={"number": picked["number"],
                                                                "query_code": picked["query_code"]},
                                               csrf_from="/track"),
        "published results GET /results": loadgen.Target("/results"),
    }
    rounds = env_int("BENCH_ROUNDS", 3)
    ratios: dict[str, list[float]] = {name: [] for name in targets}
    cpu: dict[str, list[float]] = {name: [] for name in ("floor", *targets)}
    floors: list[float] = []
    # Both servers stay up (an idle one costs nothing); each round measures the floor, then every page, so a
    # change in the host's background load shifts a round's floor and pages alike.
    with Gunicorn("benchmarks.floor_app:app", floor_env, workers) as floor_server, \
            Gunicorn("wsgi:app", app_env(f"{url}?application_name=sc_app"), workers) as app_server:
        floor_pids = lambda: server_pids(floor_server, libpq, "sc_floor")  # noqa: E731
        app_pids = lambda: server_pids(app_server, libpq, "sc_app")  # noqa: E731
        print(report("generator check GET /hello", drive(floor_server, loadgen.Target("/hello"), seconds, warmup,
                                                         floor_pids), None))
        for n in range(1, rounds + 1):
            print(f"-- round {n} of {rounds} (load average {os.getloadavg()[0]:.1f})")
            floor = drive(floor_server, loadgen.Target("/floor"), seconds, warmup, floor_pids)
            print(report("floor GET /floor (1 SELECT)", floor, None))
            floors.append(floor[0].rate)
            cpu["floor"].append(floor[1])
            for name, target in targets.items():
                result = drive(app_server, target, seconds, warmup, app_pids)
                print(report(name, result, floor[0].rate))
                ratios[name].append(result[0].rate / floor[0].rate if floor[0].rate else 0.0)
                cpu[name].append(result[1])
    floor_cpu = statistics.median(cpu["floor"])
    print(f"-- over {rounds} round(s): floor median {statistics.median(floors):.1f} req/s, "
          f"server CPU {floor_cpu:.2f} ms/req")
    summary = {"floor": statistics.median(floors)}
    for name, values in ratios.items():
        page_cpu = statistics.median(cpu[name])
        print(f"{name:<28} ratio to floor: median {statistics.median(values):5.2f} (rounds: "
              f"{', '.join(f'{v:.2f}' for v in values)}); server CPU {page_cpu:5.2f} ms/req, "
              f"floor/page CPU {floor_cpu / page_cpu:5.2f}")
        summary[name] = statistics.median(values)
    return summary


if __name__ == "__main__":
    main()
