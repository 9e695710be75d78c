"""The floor for benchmarks/bench_public.py: a bare Flask app whose one endpoint does one indexed SELECT.

``GET /floor`` reads one case by its number (the unique index the tracking lookup uses) over a psycopg
connection kept per worker process, and answers a few bytes of text. ``GET /hello`` touches no database:
it shows what the load generator can drive at most. Served by gunicorn as ``benchmarks.floor_app:app``;
FLOOR_DATABASE_URL (a libpq URL) and FLOOR_CASE_NUMBER come from the environment.
"""

from __future__ import annotations

import os

import psycopg
from flask import Flask

app = Flask(__name__)
_conn: psycopg.Connection | None = None


def connection() -> psycopg.Connection:
    global _conn
    if _conn is None or _conn.closed:
        _conn = psycopg.connect(os.environ["FLOOR_DATABASE_URL"], autocommit=True)
    return _conn


@app.get("/floor")
def floor() -> tuple[str, int]:
    row = connection().execute("SELECT id, state, received_on FROM cases WHERE number = %s",
                               (os.environ["FLOOR_CASE_NUMBER"],)).fetchone()
    return (f"{row[0]} {row[1]} {row[2]}" if row else "none"), 200


@app.get("/hello")
def hello() -> str:
    return "hello"
