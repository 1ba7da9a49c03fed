"""A burst of 50 parallel pledges against a live threaded server on PostgreSQL: all saved, twice.

The server runs one thread per request (like `make run`); each thread takes a connection from the
bounded psycopg pool (settings DATABASE_POOL_*), so the burst waits for connections instead of
running PostgreSQL out of them. The burst runs twice in a row against the same server.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.authtoken.models import Token

from pools.models import Pledge
from tests.factories import PoolFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BURST = 50


def _pledge(url: str, token: str, key: str) -> int:
    """POST one pledge as a careful client does: with an idempotency key, retried when the connection is
    reset before an answer (the test server's listen queue holds 10; a loaded machine overflows it). A retry
    never creates a second pledge: the final count checks that."""
    body = json.dumps({"kind": "support_saving", "monthly_amount": "100.00", "months": 12}).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Token {token}", "Idempotency-Key": key}
    for attempt in range(4):
        request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310  (own server)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310  (the test's own server)
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except (ConnectionResetError, urllib.error.URLError):
            if attempt == 3:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def test_the_pool_is_bounded() -> None:
    pool = settings.DATABASES["default"]["OPTIONS"]["pool"]
    assert 1 <= pool["max_size"] <= 20 and pool["timeout"] > 0
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 0


def test_fifty_parallel_pledges_all_succeed_twice_in_a_row(live_server, settings) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "pledge_create": "10000/min"},
    }
    pool = PoolFactory(target_ore=10_000_000_00)
    tokens = [Token.objects.create(user=UserFactory()).key for _ in range(BURST)]
    url = f"{live_server.url}/api/pools/{pool.pk}/pledges/"
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        max_connections = int(cursor.fetchone()[0])
    for burst in range(2):
        with ThreadPoolExecutor(max_workers=BURST) as executor:
            keys = [f"burst-{burst}-{uuid.uuid4().hex}" for _ in tokens]
            statuses = list(executor.map(lambda pair: _pledge(url, *pair), zip(tokens, keys, strict=True)))
        assert statuses.count(201) == BURST, (burst, sorted(set(statuses)), max_connections)
    assert Pledge.objects.filter(pool=pool).count() == 2 * BURST
