"""Run every benchmark in one go: ``python -m benchmarks.run_all`` (what ``make bench`` calls).

Environment: BENCH_CASES (default 300) lifecycles, BENCH_CLOCK_INPUTS (default 20000) deadline inputs,
BENCH_DATABASE_URL for the scratch PostgreSQL database (default ``sc_bench`` on the local server; wiped).
BENCH_SWEEP_CASES (default "200000 20000") open and due cases for the sweep (its own scratch databases, wiped).
BENCH_PUBLIC=1 adds the public pages under load (benchmarks/bench_public.py: gunicorn, about 3 minutes, its own
scratch database ``sc_loadbench``), BENCH_PUBLIC_SECONDS (default 6) seconds per target and round.
"""

from __future__ import annotations

import os
import platform
import sys

from benchmarks import bench_clock, bench_lifecycle, bench_public, bench_sweep


def main() -> None:
    print(f"python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs")
    print("\n== deadline computations (benchmarks/bench_clock.py) ==")
    sys.argv = [sys.argv[0], os.environ.get("BENCH_CLOCK_INPUTS", "20000")]
    bench_clock.main()
    print("\n== joint lifecycles on PostgreSQL (benchmarks/bench_lifecycle.py) ==")
    bench_lifecycle.main([os.environ.get("BENCH_CASES", "300")])
    print("\n== the receipt sweep on PostgreSQL (benchmarks/bench_sweep.py) ==")
    bench_sweep.main(os.environ.get("BENCH_SWEEP_CASES", "200000 20000").split())
    if os.environ.get("BENCH_PUBLIC") == "1":
        print("\n== public pages under load, gunicorn on PostgreSQL (benchmarks/bench_public.py) ==")
        bench_public.main([os.environ.get("BENCH_PUBLIC_SECONDS", "6")])
    else:
        print("\n(public pages under load skipped: BENCH_PUBLIC=1 runs benchmarks/bench_public.py, about 3 minutes)")


if __name__ == "__main__":
    main()
