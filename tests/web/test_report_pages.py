"""Report pages show one sorted page of rows with the totals of all; their query count does not grow
with the number of pools, savers, pledges and payments; exports still carry every row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from pools.models import Payment, PaymentAllocation, PaymentChannel, Pledge, PledgeKind, PledgeSource, PoolKind
from tests.factories import MicroFundFactory, PoolFactory
from tests.treasury.helpers import ocr
from tests.twofactor import login_verified
from treasury.reports import PAGE_SIZE

pytestmark = pytest.mark.django_db
AS_OF = "2030-01-01"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _seed(*, pools: int, pledges_per_pool: int, start: int) -> list[int]:
    """Pools of every kind with pledges by savers and cards, half of them paid: bulk rows, quickly."""
    fund = MicroFundFactory()
    made = []
    for index in range(pools):
        kind = (PoolKind.SUPPORT_SAVING, PoolKind.FAIR, PoolKind.FUND_CAPITAL)[index % 3]
        if kind == PoolKind.FUND_CAPITAL:
            made.append(PoolFactory(kind=kind, project=None, micro_fund=fund))
        else:
            made.append(PoolFactory(kind=kind))
    savers = User.objects.bulk_create(
        [User(email=f"s{start + i}@example.se", full_name=f"Saver {start + i}") for i in range(pools)]
    )
    pledges = Pledge.objects.bulk_create(
        [
            Pledge(
                pool=pool,
                saver=savers[(p + i) % len(savers)] if i % 3 else None,
                contact_name="" if i % 3 else f"Card {i}",
                kind=PledgeKind.GIFT,
                source=PledgeSource.TREASURER,
                amount_ore=10_000 + i,
                ocr_reference=ocr(start + p * 1000 + i),
            )
            for p, pool in enumerate(made)
            for i in range(pledges_per_pool)
        ]
    )
    payments = Payment.objects.bulk_create(
        [Payment(amount_ore=5_000, received_on="2026-03-01", channel=PaymentChannel.MANUAL) for _ in pledges[::2]]
    )
    PaymentAllocation.objects.bulk_create(
        [
            PaymentAllocation(
                payment=pay, pledge=pledge, pool_id=pledge.pool_id, received_on=pay.received_on, amount_ore=5_000
            )
            for pay, pledge in zip(payments, pledges[::2], strict=True)
        ]
    )
    return [pool.pk for pool in made]


def _queries(client, url: str, params: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
    return len(queries)


@pytest.mark.parametrize("kind", ["overview", "pools", "pool", "savers", "fairs", "funds", "pledges", "ledger"])
def test_report_page_query_count_does_not_grow_with_the_rows(client, treasurer, kind):
    login_verified(client, treasurer)
    small = _seed(pools=3, pledges_per_pool=2, start=10_000)
    params = {"as_of": AS_OF, **({"pool": str(small[0])} if kind == "pool" else {})}
    # The session's first page after login records its activity (idle timeout for money powers);
    # count from the second on, so both sizes are measured alike.
    _queries(client, f"/treasury/reports/{kind}/", params)
    before = _queries(client, f"/treasury/reports/{kind}/", params)
    _seed(pools=24, pledges_per_pool=12, start=50_000)
    params["sort"] = "-pledged_ore" if kind != "ledger" else "-amount_ore"
    after = _queries(client, f"/treasury/reports/{kind}/", params)
    assert after == before


def test_pledges_page_pages_and_sorts_while_the_export_carries_every_row(client, treasurer):
    login_verified(client, treasurer)
    _seed(pools=6, pledges_per_pool=30, start=20_000)
    total = Pledge.objects.count()
    first = client.get("/treasury/reports/pledges/", {"as_of": AS_OF, "sort": "-pledged_ore"})
    rows = first.context["rows"]
    assert len(rows) == PAGE_SIZE
    assert [r["pledged_ore"] for r in rows] == sorted((r["pledged_ore"] for r in rows), reverse=True)
    assert rows[0]["pledged_ore"] == 10_029
    assert first.context["page"]["row_count"] == total
    assert "page=2" in first.content.decode()
    last = client.get("/treasury/reports/pledges/", {"as_of": AS_OF, "sort": "-pledged_ore", "page": "2"})
    assert len(last.context["rows"]) == total - PAGE_SIZE
    seen = {r["pledge_id"] for r in rows} | {r["pledge_id"] for r in last.context["rows"]}
    assert len(seen) == total
    export = client.get("/treasury/reports/pledges/", {"as_of": AS_OF, "sort": "-pledged_ore", "export": "csv"})
    assert len(b"".join(export.streaming_content).decode("utf-8-sig").splitlines()) == total + 1


def test_pools_page_totals_cover_every_pool_not_only_the_page(client, treasurer):
    login_verified(client, treasurer)
    _seed(pools=PAGE_SIZE + 5, pledges_per_pool=1, start=30_000)
    response = client.get("/treasury/reports/pools/", {"as_of": AS_OF, "sort": "pool_id"})
    assert len(response.context["rows"]) == PAGE_SIZE
    assert response.context["report"].totals["pledge_count"] == PAGE_SIZE + 5
    ids = [r["pool_id"] for r in response.context["rows"]]
    assert ids == sorted(ids)
    second = client.get("/treasury/reports/pools/", {"as_of": AS_OF, "sort": "pool_id", "page": "2"})
    assert len(second.context["rows"]) == 5


@pytest.mark.parametrize("query", ["", "?as_of=2030-01-01", "?pool=999999999", "?pool=abc", "?as_of=1"])
def test_every_report_kind_answers_without_a_server_error_when_its_choices_are_missing_or_wrong(
    client, treasurer, query
):
    login_verified(client, treasurer)
    _seed(pools=2, pledges_per_pool=2, start=70_000)
    for kind in ("overview", "pools", "pool", "savers", "fairs", "funds", "pledges", "ledger"):
        response = client.get(f"/treasury/reports/{kind}/{query}")
        assert response.status_code in (200, 400), (kind, query, response.status_code)
        assert b"<form" in response.content
