"""Fixtures for account tests: throttle counters start empty in every test."""

from tests.api.conftest import _fresh_throttles  # noqa: F401  (autouse fixture shared with tests/api)
