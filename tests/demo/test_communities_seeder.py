"""The demo seeds three communities (two villages and a fund host) with their own treasurers and organisers."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import User
from communities.models import Community, CommunityKind, CommunityMembership
from pools.models import Pool
from treasury.selectors import bankfile_list

pytestmark = pytest.mark.django_db


def test_three_communities_with_their_own_logins_and_data():
    call_command("seed_demo", "--savers", "3", "--quiet")
    call_command("seed_demo", "--savers", "3", "--quiet")  # idempotent
    kinds = dict(Community.objects.values_list("slug", "kind"))
    assert kinds == {
        "odeby": CommunityKind.VILLAGE,
        "kvarnbyn": CommunityKind.VILLAGE,
        "bygdekapital-norr": CommunityKind.FUND_HOST,
    }
    roles = set(CommunityMembership.objects.values_list("user__email", "community__slug", "role"))
    assert ("kassor@demo.lokalkapital.se", "odeby", "treasurer") in roles
    assert ("kassor.kvarnbyn@demo.lokalkapital.se", "kvarnbyn", "treasurer") in roles
    assert ("fond.norr@demo.lokalkapital.se", "bygdekapital-norr", "fund_manager") in roles
    assert Pool.objects.filter(community__slug="kvarnbyn", status="open").exists()
    assert Pool.objects.filter(community__slug="bygdekapital-norr", status="open").exists()
    for pool in Pool.objects.select_related("project", "micro_fund"):
        assert pool.community_id == (pool.project or pool.micro_fund).community_id, pool.slug
    # Ödeby's demo bank file is Ödeby's treasurer's, not Kvarnbyn's.
    odeby = User.objects.get(email="kassor@demo.lokalkapital.se")
    kvarnbyn = User.objects.get(email="kassor.kvarnbyn@demo.lokalkapital.se")
    assert bankfile_list(user=odeby).exists() and not bankfile_list(user=kvarnbyn).exists()
