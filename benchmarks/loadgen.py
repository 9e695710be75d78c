"""A small closed-loop HTTP load generator: N concurrent clients spread over P processes, asyncio in each.

Each client sends one request, reads the whole response, and sends the next (``Connection: close``: gunicorn's
sync workers close every connection anyway). Only the standard library is used, so it runs wherever the
project does. A client may first run a *prepare* GET (e.g. fetch a form once, keeping its cookie and CSRF
token); its results are not counted.

Used by benchmarks/bench_public.py; ``run()`` returns requests/s, status counts, latency percentiles and the
CPU the generator itself used (to show it is not the bottleneck).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import re
import resource
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Target:
    """What each client requests. ``body`` (a form dict) makes it a POST; with ``csrf_from`` each client first
    GETs that path, keeps its session cookie and puts the page's csrf_token into the form."""

    path: str
    body: dict[str, str] | None = None
    csrf_from: str | None = None
    headers: tuple[tuple[str, str], ...] = (("Accept-Language", "zh-CN,zh;q=0.9"),)


@dataclass
class Result:
    requests: int = 0
    completed: int = 0  # every response, warm-up included (to share out the servers' CPU time)
    seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    generator_cpu_s: float = 0.0
    errors: Counter = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


_CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
_COOKIE = re.compile(rb"^set-cookie:\s*([^=]+=[^;]*)", re.IGNORECASE | re.MULTILINE)


def _request(method: str, path: str, port: int, headers: tuple[tuple[str, str], ...], cookie: str = "",
             body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close", "User-Agent: sc-loadgen"]
    lines += [f"{k}: {v}" for k, v in headers]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    if method == "POST":
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class _Exchange(asyncio.Protocol):
    """One request on a fresh connection; ``done`` gets the whole response when the server closes it."""

    def __init__(self, raw: bytes, done: asyncio.Future) -> None:
        self.raw, self.done, self.chunks = raw, done, []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.write(self.raw)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            if exc is not None:
                self.done.set_exception(exc)
            else:
                self.done.set_result(b"".join(self.chunks))


async def _fetch(port: int, raw: bytes) -> tuple[int, bytes]:
    """Send ``raw`` on a new connection and return the status and the whole response (protocol-level asyncio:
    cheaper per request than streams, so the generator stays far below the servers in CPU)."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    await loop.create_connection(lambda: _Exchange(raw, done), HOST, port)
    data = await done
    if len(data) < 12:
        raise ConnectionResetError("short response")
    return int(data[9:12]), data


async def _client(port: int, target: Target, deadline: float, measure_from: float, out: Result) -> None:
    cookie, form = "", dict(target.body or {})
    if target.csrf_from:
        status, data = await _fetch(port, _request("GET", target.csrf_from, port, target.headers))
        match = _CSRF.search(data)
        if status != 200 or match is None:
            out.errors[f"prepare {status}"] += 1
            return
        cookie = "; ".join(c.decode() for c in _COOKIE.findall(data.split(b"\r\n\r\n", 1)[0]))
        form["csrf_token"] = match.group(1).decode()
    if target.body is not None:
        body = "&".join(f"{quote(k)}={quote(v)}" for k, v in form.items()).encode()
        raw = _request("POST", target.path, port, target.headers, cookie, body)
    else:
        raw = _request("GET", target.path, port, target.headers, cookie)
    clock = time.perf_counter
    while True:
        started = clock()
        if started >= deadline:
            return
        try:
            status, _ = await _fetch(port, raw)
        except OSError as error:
            out.errors[type(error).__name__] += 1
            await asyncio.sleep(0.01)
            continue
        done = clock()
        out.completed += 1
        if measure_from <= done <= deadline:  # completions inside the measured window
            out.requests += 1
            out.statuses[status] += 1
            out.latencies_ms.append(1000 * (done - started))


def _worker(port: int, target: Target, clients: int, start_at: float, warmup: float, duration: float,
            queue: multiprocessing.Queue) -> None:
    out = Result()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    measure_from, deadline = start_at + warmup, start_at + warmup + duration

    async def main() -> None:
        await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
        await asyncio.gather(*(_client(port, target, deadline, measure_from, out) for _ in range(clients)))

    asyncio.run(main())
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    out.generator_cpu_s = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    out.seconds = duration
    queue.put(out)


def run(port: int, target: Target, *, clients: int = 64, processes: int = 2, warmup: float = 2.0,
        duration: float = 10.0, at_window: Callable[[str], None] | None = None) -> Result:
    """Drive ``target`` with ``clients`` concurrent clients for ``warmup`` + ``duration`` seconds; the responses
    completed between the end of the warm-up and the deadline are counted. ``at_window`` is called with "start"
    and "end" at those two moments (from a thread of this process), e.g. to read the servers' CPU time."""
    ctx = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue = ctx.Queue()
    start_at = time.perf_counter() + 0.5  # perf_counter is CLOCK_MONOTONIC: shared by forked processes
    shares = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    procs = [ctx.Process(target=_worker, args=(port, target, n, start_at, warmup, duration, queue), daemon=True)
             for n in shares if n]
    for p in procs:
        p.start()
    timers = []
    if at_window is not None:
        for moment, at in (("start", start_at + warmup), ("end", start_at + warmup + duration)):
            timers.append(threading.Timer(max(0.0, at - time.perf_counter()), at_window, (moment,)))
            timers[-1].start()
    total = Result(seconds=duration)
    for _ in procs:
        part: Result = queue.get(timeout=warmup + duration + 60)
        total.requests += part.requests
        total.completed += part.completed
        total.statuses.update(part.statuses)
        total.errors.update(part.errors)
        total.latencies_ms.extend(part.latencies_ms)
        total.generator_cpu_s += part.generator_cpu_s
    for t in timers:
        t.join()
    for p in procs:
        p.join(timeout=10)
        if p.is_alive():
            p.kill()
    return total
