"""Redis down is never a 500: every API write and every page form, then the worker catches up.

The app's cache and broker point at a private Redis that is stopped for the requests (the same as
pointing them at a dead address; TEST_REDIS_PORT chooses its port). Every write row of the
permission matrix (tests/api/test_permission_matrix.py) is sent as every role, in one world whose
state builds up as it goes, and every page form is posted (tests/integration/page_forms.py: one row
per form route the URL resolver knows, a guard in tests/security keeps it complete). No response
may be 500 or more. Then Redis comes back, a real worker and beat start, and every queued
message (totals, receipts, mails) is delivered.
"""

from __future__ import annotations

import pytest
from django.core.cache import caches

from operations.models import OutboxMessage
from pools.models import Pledge
from tests.api.test_permission_matrix import (
    MATRIX,
    ROLES,
    _client_for,
    _send,
    world,  # noqa: F401  (the fixture, reused)
)
from tests.integration.conftest import broker_url_in_this_process, celery_env
from tests.integration.page_forms import post_every_page_form
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def test_every_write_answers_below_500_with_redis_down_and_is_delivered_after(
    tmp_path,
    settings,
    redis_server_factory,
    celery_process_factory,
    login_as,
    world,  # noqa: F811  (the permission matrix's world fixture)
) -> None:
    redis = redis_server_factory()  # on TEST_REDIS_PORT when set
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
        pages = post_every_page_form(world, login_as)
    not_saved = []
    for row, response, saved in pages:
        sent += 1
        if response.status_code >= 500:
            failures.append(("page", row.route, row.role, response.status_code, response.content[:200]))
        elif saved is False:
            not_saved.append((row.route, row.role, response.status_code))
    print(f"{sent} write requests ({len(pages)} page forms) with Redis down, {len(failures)} answered 5xx")
    assert failures == []
    assert not_saved == [], "these page forms were accepted but their write is not in the database"
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
