"""Web-test fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, g, request_started


@pytest.fixture(autouse=True)
def _fresh_g_per_request(app: Flask) -> Iterator[None]:
    """Give every test request an empty ``g``, as a real request has.

    The ``app`` fixture keeps an application context pushed, and Flask reuses it for test requests, so
    without this ``g`` (Flask-Login's cached user, Flask-WTF's CSRF token, Flask-Babel's locale) would leak
    from one request, or one test client, to the next.
    """

    def clear(sender: Flask, **extra: object) -> None:
        for key in list(g):
            g.pop(key)

    request_started.connect(clear, app)
    yield
    request_started.disconnect(clear, app)
