"""The case-service tests share the hall fixture (defined in tests/hall.py, registered by tests/conftest.py)."""

from tests.hall import TZ, Hall, at

__all__ = ["TZ", "Hall", "at"]
