"""Reads the scoping recorder made name their community: another community's failed reminders, payout
candidates and fair reports stay out of a staff member's lists (tests/scoping.py checks the SQL; these check
what people see)."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from accounts.roles import Role
from communities.models import Community, CommunityMembership, MembershipRole
from communities.services import community_create, membership_grant
from invest.fairs.selectors import fair_get_managed, fair_get_reported
from pools.models import PaymentChannel, Pool, PoolStatus, Reminder, ReminderStatus
from pools.services.payments import payment_allocate, payment_record
from tests.factories import FairFactory, PoolFactory, ProjectFactory, UserFactory
from tests.treasury.helpers import money_pledge
from treasury.models import PayoutKind
from treasury.selectors import covers_every_community, payout_candidates, treasurer_community_ids

pytestmark = pytest.mark.django_db


def member_of(community, role: str, *roles: str):
    user = UserFactory(roles=roles)
    CommunityMembership.objects.filter(user=user).delete()
    membership_grant(user=user, community=community, role=role)
    return user


@pytest.fixture
def sides(db):
    mine = community_create(name="Östby", slug="ostby-sr", bankgiro="5050-1055")
    theirs = community_create(name="Västby", slug="vastby-sr", bankgiro="5402-9681")
    return mine, theirs


def failed_reminder(pool, saver, period):
    return Reminder.objects.create(
        recipient_key=f"user:{saver.pk}", period=period, status=ReminderStatus.FAILED, saver=saver,
        kind="pool_closing_soon", subject_type="pool", subject_id=pool.pk, pool=pool, send_after=timezone.now(),
    )  # fmt: skip


def test_a_treasurer_sees_only_their_communitys_failed_reminders(sides, api_client):
    mine, theirs = sides
    saver = UserFactory(roles=(Role.SAVER,))
    failed_reminder(PoolFactory(project=ProjectFactory(community=mine)), saver, "mine")
    failed_reminder(PoolFactory(project=ProjectFactory(community=theirs)), saver, "theirs")
    api_client.force_authenticate(member_of(mine, MembershipRole.TREASURER, Role.TREASURER))
    response = api_client.get("/api/reminders/failed/")
    assert response.status_code == 200
    assert [r["period"] for r in response.json()["results"]] == ["mine"]


def test_payout_candidates_are_of_the_treasurers_communities_only(sides):
    """Both communities have a succeeded pool with money received: each treasurer's candidates are their own."""
    mine, theirs = sides
    pools = {}
    for community in (mine, theirs):
        pool = PoolFactory(project=ProjectFactory(community=community), bankgiro="5050-1055")
        pledge = money_pledge(pool, UserFactory(roles=(Role.SAVER,)), amount_ore=10_000)
        payment = payment_record(amount_ore=10_000, received_on=date(2026, 3, 5), channel=PaymentChannel.MANUAL)
        payment_allocate(payment=payment, parts=[(pledge, 10_000)], by=None)
        Pool.objects.filter(pk=pool.pk).update(status=PoolStatus.SUCCEEDED)
        pools[community.pk] = pool.pk
    for community in (mine, theirs):
        treasurer = member_of(community, MembershipRole.TREASURER, Role.TREASURER)
        assert treasurer_community_ids(treasurer) == [community.pk]
        found = payout_candidates(kind=PayoutKind.PAYOUT, user=treasurer)
        assert [(c.pool_id, c.amount_ore) for c in found] == [(pools[community.pk], 10_000)]
    assert not covers_every_community([mine.pk, theirs.pk]) or Community.objects.count() == 2
    assert covers_every_community(list(Community.objects.values_list("pk", flat=True)))


def test_an_organiser_manages_and_reads_only_their_communitys_fairs(sides):
    from django.http import Http404

    mine, theirs = sides
    organiser = member_of(mine, MembershipRole.ORGANISER, Role.ORGANISER)
    own = FairFactory(community=mine)
    other = FairFactory(community=theirs)
    assert fair_get_managed(user=organiser, fair_id=own.pk) == own
    assert fair_get_reported(user=organiser, fair_id=own.pk) == own
    for read in (fair_get_managed, fair_get_reported):
        with pytest.raises(Http404):
            read(user=organiser, fair_id=other.pk)
    treasurer = member_of(theirs, MembershipRole.TREASURER, Role.TREASURER)
    assert fair_get_reported(user=treasurer, fair_id=other.pk) == other
    with pytest.raises(Http404):
        fair_get_reported(user=treasurer, fair_id=own.pk)
