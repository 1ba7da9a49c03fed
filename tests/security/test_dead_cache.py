"""With the cache (Redis) unreachable, throttled endpoints still answer: never a 500.

DRF's throttles read the cache; pointing the cache at a port nobody listens on reproduces the
outage without stopping anyone's Redis. The integration test (tests/integration/test_redis_down.py)
repeats this over every write endpoint with a dead broker too.
"""

from __future__ import annotations

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient

from tests.factories import FairFactory, UserFactory

pytestmark = pytest.mark.django_db

DEAD_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.fixture
def dead_cache(settings):
    settings.CACHES = DEAD_CACHE
    caches["default"]  # the handler is rebuilt from the new settings
    yield
    caches["default"].close()


def test_token_endpoint_answers_with_the_cache_down(dead_cache, saver) -> None:
    response = APIClient().post(
        "/api/auth/token/", {"email": saver.email, "password": "correct horse battery staple"}, format="json"
    )
    assert response.status_code == 200


def test_pledge_create_answers_with_the_cache_down(dead_cache, pool) -> None:
    api = APIClient()
    api.force_authenticate(UserFactory())
    response = api.post(
        f"/api/pools/{pool.pk}/pledges/", {"kind": "support_saving", "monthly_amount": "100.00", "months": 12}
    )
    assert response.status_code == 201


def test_fair_card_answers_with_the_cache_down(dead_cache) -> None:
    FairFactory()
    response = APIClient().post("/api/fair-cards/NOSUCH/", {"card_id": "x"}, format="json")
    assert response.status_code < 500


def test_password_reset_page_answers_with_the_cache_down(dead_cache, client, saver) -> None:
    response = client.post("/password-reset/", {"email": saver.email})
    assert response.status_code == 302
