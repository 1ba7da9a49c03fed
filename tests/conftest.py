"""Shared fixtures and the rules for service-bound tests.

`postgres` and `integration` tests skip with a reason when their services are absent.
Under CI the default (SQLite) pass deselects them and the PostgreSQL + Redis pass runs
them; there (LOKALKAPITAL_REQUIRE_SERVICES=1) a missing service fails the run instead of skipping.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from accounts.roles import Role
from tests.factories import PoolFactory, UserFactory

REQUIRE_SERVICES = os.environ.get("LOKALKAPITAL_REQUIRE_SERVICES") == "1"
DEFAULT_PASS_ONLY = os.environ.get("CI") == "true" and not REQUIRE_SERVICES


def _is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def _has_redis() -> bool:
    return settings.CELERY_BROKER_URL.startswith("redis")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    selected, deselected = [], []
    for item in items:
        needs_pg = item.get_closest_marker("postgres") or item.get_closest_marker("integration")
        needs_redis = item.get_closest_marker("integration")
        if needs_pg and DEFAULT_PASS_ONLY and not _is_postgres():
            deselected.append(item)
            continue
        missing = []
        if needs_pg and not _is_postgres():
            missing.append("PostgreSQL (set DATABASE_URL)")
        if needs_redis and not _has_redis():
            missing.append("Redis (set REDIS_URL)")
        if missing:
            reason = "needs " + " and ".join(missing)
            if REQUIRE_SERVICES:
                raise pytest.UsageError(f"{item.nodeid}: {reason}, but LOKALKAPITAL_REQUIRE_SERVICES=1")
            item.add_marker(pytest.mark.skip(reason=reason))
        selected.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.fixture
def saver(db):
    return UserFactory(roles=(Role.SAVER,))


@pytest.fixture
def other_saver(db):
    return UserFactory(roles=(Role.SAVER,))


@pytest.fixture
def owner(db):
    return UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER))


@pytest.fixture
def treasurer(db):
    return UserFactory(roles=(Role.TREASURER,))


@pytest.fixture
def second_treasurer(db):
    return UserFactory(roles=(Role.TREASURER,))


@pytest.fixture
def organiser(db):
    return UserFactory(roles=(Role.ORGANISER,))


@pytest.fixture
def pool(db):
    return PoolFactory()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def login_as():
    """`login_as(client, user)`: a logged-in session; treasurers and organisers also pass two-factor.

    Their pages and session API calls are refused until the session is OTP-verified
    (accounts.middleware.TwoFactorMiddleware, api.authentication), so tests log them in with this.
    """
    from tests.twofactor import login_verified

    return login_verified
