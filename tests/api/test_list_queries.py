"""Every list endpoint runs the same number of queries for N rows as for 3N.

LIST_SEEDERS names each list endpoint with a function that adds visible rows to it.
A guard reads the OpenAPI schema and fails when a list operation (an array or a
Paginated...List answer) has no seeder, so lists merged later are held to the rule.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.roles import Role
from pools.models import PoolKind, PoolTotals
from tests.factories import FairFactory, MicroFundFactory, PoolFactory, ProjectFactory, UserFactory

N = 3


def _seed_pools(n: int) -> None:
    for i in range(n):
        if i % 2:
            pool = PoolFactory()
        else:
            pool = PoolFactory(project=None, micro_fund=MicroFundFactory(), kind=PoolKind.FUND_CAPITAL)
        PoolTotals.objects.create(pool=pool, pledged_ore=100_00 * i)


def _seed_projects(n: int) -> None:
    for _ in range(n):
        ProjectFactory()


def _seed_fairs(n: int, user=None) -> None:
    for _ in range(n):
        FairFactory()


def _seed_funds(n: int, user=None) -> None:
    for _ in range(n):
        MicroFundFactory()


def _seed_my_pledges(n: int, user) -> None:
    from pools.models import PledgeKind
    from pools.services import pledge_create

    for _ in range(n):
        pledge_create(pool=PoolFactory(), saver=user, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=100_00, months=12)


def _seed_payments(n: int, user=None) -> None:
    from datetime import date

    from pools.models import PaymentChannel
    from pools.services import payment_record

    for _ in range(n):
        payment_record(amount_ore=150_00, received_on=date(2026, 3, 1), channel=PaymentChannel.MANUAL)


def _seed_bank_files(n: int, user) -> None:
    import uuid

    from treasury.models import BankFile

    for _ in range(n):
        BankFile.objects.create(sha256=uuid.uuid4().hex * 2, format="bgmax", content=b"x", imported_by=user)


ANYONE = ("anonymous", "saver", "organiser")
LOGGED_IN = ("saver", "organiser")

# path as in the OpenAPI schema -> (roles that see the list, a function adding n rows they see;
# it gets the requesting user, None for anonymous)
LIST_SEEDERS: dict[str, tuple[tuple[str, ...], Callable[..., None]]] = {
    "/api/pools/": (ANYONE, lambda n, user=None: _seed_pools(n)),
    "/api/projects/": (ANYONE, lambda n, user=None: _seed_projects(n)),
    "/api/fairs/": (ANYONE, _seed_fairs),
    "/api/funds/": (LOGGED_IN, _seed_funds),
    "/api/pledges/": (("saver",), _seed_my_pledges),
    "/api/treasury/payments/": (("treasurer",), _seed_payments),
    "/api/treasury/bank-files/": (("treasurer",), _seed_bank_files),
}


def _list_paths() -> set[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = set()
    for path, item in schema["paths"].items():
        get = item.get("get")
        if not get:
            continue
        body = get["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        if body.get("type") == "array" or "Paginated" in body.get("$ref", ""):
            found.add(path)
    return found


def test_every_list_endpoint_is_in_the_query_count_table() -> None:
    missing = sorted(_list_paths() - set(LIST_SEEDERS))
    assert not missing, "add these list endpoints to LIST_SEEDERS in tests/api/test_list_queries.py: " + ", ".join(
        missing
    )


def _count(client: APIClient, path: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, {"page_size": 200})
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return len(queries), len(rows)


CASES = [(path, role) for path, (roles, _seed) in sorted(LIST_SEEDERS.items()) for role in roles]


@pytest.mark.parametrize(("path", "role"), CASES, ids=[f"{p} {r}" for p, r in CASES])
def test_list_query_count_does_not_grow_with_rows(path: str, role: str, db, login_as) -> None:
    client = APIClient()
    user = None
    if role != "anonymous":
        user = UserFactory(roles=(Role(role),))
        login_as(client, user)
    seed = LIST_SEEDERS[path][1]
    seed(N, user)
    client.get(path)  # warm per-user caches (permissions, groups) so both counts compare like with like
    small_queries, small_rows = _count(client, path)
    seed(2 * N, user)
    large_queries, large_rows = _count(client, path)
    assert large_rows >= small_rows + 2 * N, "the seeder must add rows this list shows"
    assert large_queries == small_queries, (
        f"{path}: {small_queries} queries for {small_rows} rows, {large_queries} for {large_rows}"
    )
