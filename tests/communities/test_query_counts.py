"""The national pages make as many queries with 8 communities as with 2 (issue #17, national scale).

Each community has a project, two open pools, a fair and a fund; the saver has a gift (in the fair pool) and a
support-saving pledge in every community, the gift matched to a payment; the treasurer holds the treasurer role in
the default community.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import Role
from communities.selectors import default_community
from communities.services import community_create
from pools.models import Pool, PoolKind
from pools.services import payment_allocate, payment_record, pledge_create
from tests.factories import FairFactory, MicroFundFactory, PoolFactory, ProjectFactory, UserFactory
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db


def _add_communities(start: int, stop: int, saver, *, home_pools: list[Pool]) -> None:
    today = timezone.localdate()
    for n in range(start, stop):
        community = community_create(
            name=f"Byalag {n}", slug=f"by-{n}", region=f"Län {n}", municipality=f"Kommun {n}", swish_number=""
        )
        project = ProjectFactory(community=community, name=f"Projekt {n}")
        pools = [
            PoolFactory(project=project, kind=kind, closes_on=today + timedelta(days=5 + i))
            for i, kind in enumerate((PoolKind.FAIR, PoolKind.SUPPORT_SAVING))
        ]
        FairFactory(community=community)
        MicroFundFactory(community=community)
        _pledges(saver, pools)
    # Rows in the treasurer's own community grow too, so a per-row query would show.
    _pledges(saver, home_pools)


def _pledges(saver, pools: list[Pool]) -> None:
    gift = pledge_create(pool=pools[0], saver=saver, kind="gift", amount_ore=50_000)
    pledge_create(pool=pools[1], saver=saver, kind="support_saving", amount_ore=120_000, term_months=12)
    payment = payment_record(amount_ore=20_000, received_on=timezone.localdate(), channel="manual")
    payment_allocate(payment=payment, parts=[(gift, 20_000)], by=None)


def _count(client, url: str) -> int:
    client.get(url)  # warm: anything a first request loads once
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def test_page_query_counts_do_not_grow_with_the_number_of_communities(client):
    saver = UserFactory()
    treasurer = UserFactory(roles=(Role.TREASURER,))
    home_project = ProjectFactory(community=default_community(), name="Hemma")
    home_pools = [PoolFactory(project=home_project, kind=kind) for kind in (PoolKind.FAIR, PoolKind.SUPPORT_SAVING)]
    _add_communities(0, 2, saver, home_pools=home_pools)
    as_of = timezone.localdate().isoformat()
    anonymous = client.__class__()
    saver_client = client.__class__()
    saver_client.force_login(saver)
    treasurer_client = login_verified(client.__class__(), treasurer, step_up=False)
    pages = {
        "national front page": (anonymous, "/pools/"),
        "community page": (anonymous, "/c/by-1/"),
        "pool page": (anonymous, f"/pools/{home_pools[0].pk}/"),
        "My pledges": (saver_client, "/my/pledges/"),
        "treasurer's report": (treasurer_client, f"/treasury/reports/overview/?as_of={as_of}"),
        "treasurer's pools report": (treasurer_client, f"/treasury/reports/pools/?as_of={as_of}"),
    }
    with_two = {name: _count(c, url) for name, (c, url) in pages.items()}

    _add_communities(2, 8, saver, home_pools=home_pools)
    with_eight = {name: _count(c, url) for name, (c, url) in pages.items()}

    assert with_eight == with_two
    # The rows are there: the saver's pledges in every community, one page of the national list.
    assert saver_client.get("/my/pledges/").content.decode().count('class="pledge-row"') == 2 * 8 + 2 * 2
