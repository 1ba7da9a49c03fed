"""bench/scale.py seeds with raw SQL: it must keep up with the schema, its pages must answer with the seeded rows,
and the database of one community alone must hold exactly that community's rows of the national seed."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import Client

from bench.scale import COMMUNITY_BASE, SAVER_EMAIL, SPECIAL_PLEDGES, TREASURER_EMAIL, Size, _client, _seed, seed_people
from pools.models import Payment, PaymentAllocation, Pledge, Pool, PoolTotals

pytestmark = [pytest.mark.postgres]

TINY = Size(communities=10, pools_per_community=5, savers=40, pledges=1_000)
FIRST = COMMUNITY_BASE + 1


def _rows() -> dict[str, set[tuple]]:
    return {
        "pledges": set(Pledge.objects.values_list("id", "pool_id", "saver_id", "kind", "amount_ore", "created_at")),
        "payments": set(Payment.objects.values_list("id", "amount_ore", "received_on")),
        "matches": set(PaymentAllocation.objects.values_list("id", "pledge_id", "pool_id", "amount_ore")),
    }


@pytest.mark.django_db
def test_scale_seed_fits_the_schema_and_the_pages_show_its_rows():
    with connection.cursor() as cursor:
        _seed(cursor, TINY)
    seed_people(TINY)

    assert Pledge.objects.count() == TINY.pledges
    assert Pool.objects.filter(community_id__gt=COMMUNITY_BASE).count() == TINY.pools == PoolTotals.objects.count()
    saver_pledges = Pledge.objects.filter(saver__email=SAVER_EMAIL)
    assert saver_pledges.count() == SPECIAL_PLEDGES
    assert len(set(saver_pledges.values_list("pool__community_id", flat=True))) == 10
    # One payment per money pledge whose id is a multiple of three.
    assert Payment.objects.count() == Pledge.objects.filter(id__in=range(3, 1_001, 3)).exclude(kind="time").count()

    anonymous = Client()
    front = anonymous.get("/pools/")
    assert front.status_code == 200 and "Pool " in front.content.decode()
    community = anonymous.get("/c/ort-2/")
    assert community.status_code == 200
    assert all(f"Pool {p}<" in community.content.decode() for p in range(6, 11))  # the second community's five
    pool = anonymous.get("/pools/6/")
    assert pool.status_code == 200 and "Pool 6" in pool.content.decode()
    mine = _client(SAVER_EMAIL).get("/my/pledges/")
    assert mine.status_code == 200
    assert mine.content.decode().count('class="pledge-row"') == SPECIAL_PLEDGES
    report = _client(TREASURER_EMAIL).get("/treasury/reports/overview/")
    assert report.status_code == 200 and "Stödspar" in report.content.decode()


@pytest.mark.django_db
def test_the_community_alone_holds_exactly_its_rows_of_the_national_seed():
    with transaction.atomic():
        with connection.cursor() as cursor:
            _seed(cursor, TINY)
        national = _rows()
        first_pools = set(Pool.objects.filter(community_id=FIRST).values_list("id", flat=True))
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        _seed(cursor, TINY, only=0)

    alone = _rows()
    assert set(Pool.objects.filter(community_id__gt=COMMUNITY_BASE).values_list("id", flat=True)) == first_pools
    assert alone["pledges"] == {row for row in national["pledges"] if row[1] in first_pools}
    assert alone["matches"] == {row for row in national["matches"] if row[2] in first_pools}
    matched = {row[0] for row in alone["matches"]}
    assert alone["payments"] == {row for row in national["payments"] if row[0] in matched}
    assert alone["pledges"] and alone["matches"]
