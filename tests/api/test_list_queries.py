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
from tests.factories import MicroFundFactory, PoolFactory, ProjectFactory, UserFactory

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


# path as in the OpenAPI schema -> a function adding n rows the list shows to everyone
LIST_SEEDERS: dict[str, Callable[[int], None]] = {
    "/api/pools/": _seed_pools,
    "/api/projects/": _seed_projects,
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


@pytest.mark.parametrize("role", ["anonymous", "saver", "organiser"])
@pytest.mark.parametrize("path", sorted(LIST_SEEDERS))
def test_list_query_count_does_not_grow_with_rows(path: str, role: str, db, login_as) -> None:
    client = APIClient()
    if role != "anonymous":
        login_as(client, UserFactory(roles=(Role(role),)))
    seed = LIST_SEEDERS[path]
    seed(N)
    client.get(path)  # warm per-user caches (permissions, groups) so both counts compare like with like
    small_queries, small_rows = _count(client, path)
    seed(2 * N)
    large_queries, large_rows = _count(client, path)
    assert large_rows >= small_rows + 2 * N, "the seeder must add rows this list shows"
    assert large_queries == small_queries, (
        f"{path}: {small_queries} queries for {small_rows} rows, {large_queries} for {large_rows}"
    )
