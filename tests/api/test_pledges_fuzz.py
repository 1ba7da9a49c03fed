"""Property-based requests from the OpenAPI schema against the saver's endpoints: never a 500."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from config.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application).include(
    path_regex=r"^/api/(pledges/|pools/\{pool_id\}/pledges/|me/)"
)


@pytest.fixture(autouse=True)
def _keep_test_connection_open():
    """Like Django's test client: a request must not close the test's database connection mid-transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token_header(db):
    from rest_framework.authtoken.models import Token

    from pools.models import PledgeKind
    from pools.services import pledge_create
    from tests.factories import PoolFactory, UserFactory

    user = UserFactory()
    pool = PoolFactory()
    pledge_create(pool=pool, saver=user, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=10_000, months=6)
    return {"Authorization": f"Token {Token.objects.create(user=user).key}"}


@pytest.mark.slow
@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_saver_endpoints_never_answer_500(case, token_header):
    from django.core.cache import cache

    cache.clear()  # keep the pledge throttle out of the way
    response = case.call(headers=token_header)
    assert response.status_code < 500, (case.method, case.path, case.body, response.text[:500])
