"""A community's reports read only its own payment matches, and their figures are the national report's rows of
that community's pools (issue #17: a community's report must not sum every match in the country)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.roles import Role
from communities.models import CommunityMembership, MembershipRole
from communities.services import community_create, membership_grant
from pools.models import PoolKind
from pools.services import payment_allocate, payment_record, pledge_create
from tests.factories import PoolFactory, ProjectFactory, UserFactory
from treasury.reports import report_build, report_page, report_params

pytestmark = pytest.mark.django_db


def _community_with_money(slug: str, saver, amounts: tuple[int, ...]):
    community = community_create(name=slug.title(), slug=slug)
    pool = PoolFactory(project=ProjectFactory(community=community), kind=PoolKind.FAIR, title=f"Pool {slug}")
    for amount in amounts:
        pledge = pledge_create(pool=pool, saver=saver, kind="gift", amount_ore=100_000)
        payment = payment_record(amount_ore=amount, received_on=timezone.localdate(), channel="manual")
        payment_allocate(payment=payment, parts=[(pledge, amount)], by=None)
    return community, pool


def test_a_communitys_report_has_the_national_figures_of_its_own_pools():
    saver = UserFactory()
    mine, my_pool = _community_with_money("asbyn", saver, (10_000, 25_000))
    _other, other_pool = _community_with_money("kvarnbyn", saver, (40_000,))
    treasurer = UserFactory(roles=(Role.TREASURER,))
    CommunityMembership.objects.filter(user=treasurer).delete()
    membership_grant(user=treasurer, community=mine, role=MembershipRole.TREASURER)
    params = report_params(as_of=timezone.localdate(), date_from=None, date_to=None)

    for kind in ("pools", "overview"):
        assert report_build(kind=kind, params=params, user=treasurer).totals["received_ore"] == 35_000, kind
        assert report_build(kind=kind, params=params, user=None).totals["received_ore"] == 75_000, kind
    # The pledge-by-pledge page (its matches looked up per pledge) and an export (summed for every pledge).
    for page in (report_page(number=1), None):
        pledges = list(report_build(kind="pledges", params=params, user=treasurer, page=page).rows)
        assert sorted(r["received_ore"] for r in pledges) == [10_000, 25_000]
    scoped_rows = report_build(kind="pools", params=params, user=treasurer).rows
    national_rows = report_build(kind="pools", params=params, user=None).rows
    assert [r for r in national_rows if r["pool_id"] == my_pool.pk] == list(scoped_rows)
    assert all(r["pool_id"] != other_pool.pk for r in scoped_rows)
