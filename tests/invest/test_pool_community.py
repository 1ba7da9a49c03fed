"""The database keeps every pool in its project's or micro-fund's community (composite foreign keys on
PostgreSQL, triggers on SQLite: run this file on both), and the service and the admin form say so first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from communities.selectors import default_community
from communities.services import community_create
from invest.models import MicroFund, Project
from pools.admin import PoolAdminForm
from pools.errors import PoolCommunityMismatch
from pools.models import FundingRule, Pool, PoolKind, PoolStatus
from pools.services import pool_community_check
from tests.factories import MicroFundFactory, PoolFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kvarnbyn():
    return community_create(name="Kvarnbyns byalag", slug="kvarnbyn")


def refused(write) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_a_pool_in_another_community_than_its_project_is_refused(kvarnbyn):
    project = ProjectFactory()  # the first community
    refused(lambda: PoolFactory(project=project, community=kvarnbyn))
    pool = PoolFactory(project=project)
    assert pool.community_id == project.community_id
    refused(lambda: Pool.objects.filter(pk=pool.pk).update(community=kvarnbyn))
    refused(lambda: Pool.objects.filter(pk=pool.pk).update(project=ProjectFactory(community=kvarnbyn)))
    # Both together are consistent: allowed.
    moved_to = ProjectFactory(community=kvarnbyn)
    assert Pool.objects.filter(pk=pool.pk).update(project=moved_to, community=kvarnbyn) == 1


def test_a_fund_capital_pool_belongs_to_its_funds_community(kvarnbyn):
    fund = MicroFundFactory(community=kvarnbyn)
    common = {
        "kind": PoolKind.FUND_CAPITAL,
        "project": None,
        "micro_fund": fund,
        "target_ore": 1_000_000,
        "opens_on": timezone.localdate(),
        "closes_on": timezone.localdate() + timedelta(days=30),
        "funding_rule": FundingRule.KEEP_WHAT_YOU_RAISE,
        "status": PoolStatus.OPEN,
    }
    refused(lambda: Pool.objects.create(title="Fel", slug="fel", community=default_community(), **common))
    pool = Pool.objects.create(title="Rätt", slug="ratt", community=kvarnbyn, **common)
    refused(lambda: Pool.objects.filter(pk=pool.pk).update(community=default_community()))


def test_moving_a_project_or_fund_with_pools_to_another_community_is_refused(kvarnbyn):
    pool = PoolFactory()
    refused(lambda: Project.objects.filter(pk=pool.project_id).update(community=kvarnbyn))
    lonely = ProjectFactory()
    assert Project.objects.filter(pk=lonely.pk).update(community=kvarnbyn) == 1  # no pools: free to move
    fund = MicroFundFactory()
    Pool.objects.create(
        title="Fond",
        slug="fond",
        kind=PoolKind.FUND_CAPITAL,
        micro_fund=fund,
        community=fund.community,
        target_ore=1_000_000,
        opens_on=timezone.localdate(),
        closes_on=timezone.localdate() + timedelta(days=30),
    )
    refused(lambda: MicroFund.objects.filter(pk=fund.pk).update(community=kvarnbyn))


def test_the_service_names_the_right_community_before_the_database_refuses(kvarnbyn):
    project = ProjectFactory(community=kvarnbyn, name="Kvarnen")
    with pytest.raises(PoolCommunityMismatch) as caught:
        pool_community_check(pool=Pool(project=project, community=default_community()))
    assert caught.value.field == "community"
    assert "Kvarnbyns byalag" in str(caught.value.message) and "Kvarnen" in str(caught.value.message)
    fund = MicroFundFactory(community=kvarnbyn, name="Kvarnfonden")
    with pytest.raises(PoolCommunityMismatch) as caught:
        pool_community_check(pool=Pool(micro_fund=fund, community=default_community()))
    assert "Kvarnfonden" in str(caught.value.message)
    pool_community_check(pool=Pool(project=project, community=kvarnbyn))  # consistent: no error


def test_the_admin_form_refuses_a_pool_in_another_community(kvarnbyn):
    project = ProjectFactory(community=kvarnbyn)
    data = {
        "title": "Ny pool",
        "slug": "ny-pool",
        "kind": PoolKind.SHARE_OFFER,
        "share_price_ore": 10_000,
        "project": project.pk,
        "community": default_community().pk,
        "target_ore": 1_000_000,
        "points_per_krona_month": 1,
        "opens_on": timezone.localdate(),
        "closes_on": timezone.localdate() + timedelta(days=30),
        "funding_rule": FundingRule.KEEP_WHAT_YOU_RAISE,
        "currency": "SEK",
        "status": PoolStatus.DRAFT,
    }
    form = PoolAdminForm(data=data)
    assert not form.is_valid()
    assert "Kvarnbyns byalag" in " ".join(form.errors["community"])
    form = PoolAdminForm(data={**data, "community": kvarnbyn.pk})
    assert form.is_valid(), form.errors
    assert form.save().community_id == kvarnbyn.pk
