"""Fixtures for API tests: throttle counters start empty in every test."""

from __future__ import annotations

import pytest


def clear_throttles() -> None:
    """Forget DRF throttle history (kept in the default cache) without flushing anything else."""
    from django.core.cache import cache

    backend = type(cache).__name__
    if backend == "RedisCache":
        client = cache._cache.get_client()
        for key in client.scan_iter(match="*throttle_*"):
            client.delete(key)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_throttles():
    clear_throttles()
    yield
