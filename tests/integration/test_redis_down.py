"""Redis down is never a 500: every API write and the main page forms, then the worker catches up.

The app's cache and broker point at a private Redis that is stopped for the requests (the same as
pointing them at a dead address). Every write row of the permission matrix (tests/api/
test_permission_matrix.py) is sent as every role, in one world whose state builds up as it goes,
and the page forms are posted. No response may be 500 or more. Then Redis comes back, a real
worker and beat start, and every queued message (totals, receipts, mails) is delivered.
"""

from __future__ import annotations

import pytest
from django.core.cache import caches

from operations.models import OutboxMessage
from pools.models import Pledge
from tests.api.test_permission_matrix import (
    MATRIX,
    ROLES,
    World,
    _client_for,
    _send,
    world,  # noqa: F401  (the fixture, reused)
)
from tests.integration.conftest import broker_url_in_this_process, celery_env
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
PASSWORD = "correct horse battery staple"


def _page_forms(
    world: World,  # noqa: F811  (the fixture's value)
    login_as,
) -> list[tuple[str, int]]:
    """Post the saver-facing page forms; returns (what, status) pairs."""
    from django.test import Client

    results = []
    anonymous = Client()
    results.append(("signup", anonymous.post("/signup/", {
        "email": "ny-under-avbrott@example.se", "full_name": "Ny", "password1": "kvarnhjul-i-ödeby-42",
        "password2": "kvarnhjul-i-ödeby-42", "language": "sv",
    }).status_code))  # fmt: skip
    results.append(("signup taken", anonymous.post("/signup/", {
        "email": world.users["saver"].email, "full_name": "X", "password1": "kvarnhjul-i-ödeby-42",
        "password2": "kvarnhjul-i-ödeby-42", "language": "sv",
    }).status_code))  # fmt: skip
    results.append(
        ("password reset", anonymous.post("/password-reset/", {"email": world.users["saver"].email}).status_code)
    )
    results.append(
        ("login", Client().post("/login/", {"username": world.users["saver"].email, "password": PASSWORD}).status_code)
    )
    saver = Client()
    login_as(saver, world.users["other_saver"])
    results.append(("pledge form", saver.post(f"/pools/{world.pool.pk}/pledge/", {
        "kind": "support_saving", "saving_mode": "monthly", "monthly_amount": "150", "months": "12",
    }).status_code))  # fmt: skip
    results.append(("preferences", saver.post("/my/preferences/", {}).status_code))
    results.append(("refund account", saver.post("/my/refund-account/", {
        "refund_iban": "SE4550000000058398257466", "password": PASSWORD,
    }).status_code))  # fmt: skip
    return results


def test_every_write_answers_below_500_with_redis_down_and_is_delivered_after(
    tmp_path,
    settings,
    redis_server_factory,
    celery_process_factory,
    login_as,
    world,  # noqa: F811  (the permission matrix's world fixture)
) -> None:
    redis = redis_server_factory()
    redis.stop()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    caches["default"]
    before = Pledge.objects.count()
    failures = []
    sent = 0
    with broker_url_in_this_process(redis.url):
        for row in MATRIX:
            if row.method not in WRITE_METHODS:
                continue
            for role in ROLES:
                response = _send(_client_for(role, world, login_as), row, world, role)
                sent += 1
                if response.status_code >= 500:
                    failures.append((row.method, row.route, role, response.status_code, response.content[:200]))
        for what, status in _page_forms(world, login_as):
            sent += 1
            if status >= 500:
                failures.append(("page", what, "-", status, b""))
    print(f"{sent} write requests with Redis down, {len(failures)} answered 5xx")
    assert failures == []
    assert Pledge.objects.count() > before
    pending = OutboxMessage.objects.filter(dispatched_at__isnull=True)
    assert pending.exists(), "writes with the broker down leave their work in the outbox"

    redis.start()
    env = celery_env(tmp_path, REDIS_URL=redis.url, OUTBOX_RELAY_INTERVAL="1")
    celery_process_factory("worker", env=env)
    celery_process_factory("beat", env=env)
    wait_until(
        lambda: not OutboxMessage.objects.filter(dispatched_at__isnull=True).exists(),
        timeout=120,
        what="every queued message relayed",
    )
    wait_until(
        lambda: (tmp_path / "mail").exists() and list((tmp_path / "mail").glob("*")),
        timeout=60,
        what="the queued mails sent",
    )
    mails = list((tmp_path / "mail").glob("*"))
    print(f"delivered after Redis came back: {OutboxMessage.objects.count()} messages, {len(mails)} mail files")
