"""The case-service tests share the hall fixture (defined in tests/hall.py, registered by tests/conftest.py); the
statistics tests share the world of tests/services/stats_history.py."""

from tests.hall import TZ, Hall, at
from tests.services.stats_history import world

__all__ = ["TZ", "Hall", "at", "world"]
