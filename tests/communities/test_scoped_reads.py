"""Reads the scoping recorder made name their community: another community's failed reminders, payout
candidates and fair reports stay out of a staff member's lists, and a row that its owner or its community's
staff may act on is read for them and not for another community's staff (tests/scoping.py checks the SQL;
these check what people see)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from accounts.roles import Role
from communities.models import Community, CommunityMembership, MembershipRole
from communities.services import community_create, membership_grant
from invest.errors import ReceiverSettingRefused
from invest.fairs.selectors import fair_get_managed, fair_get_reported
from invest.funds.models import Guarantee, Loan
from invest.funds.selectors import fund_get_for_receiver, guarantee_list_visible, loan_list_visible
from invest.models import ProjectStatus
from invest.selectors import project_get_for_receiver, project_get_managed, project_is_public
from pools.models import PaymentChannel, Pool, PoolKind, PoolStatus, Reminder, ReminderStatus
from pools.offers.models import KeyInfoSheet
from pools.offers.selectors import pool_get_for_lender_payments, pool_get_for_offer_writer, sheet_get_for_approval
from pools.services.payments import payment_allocate, payment_record
from tests.factories import FairFactory, MicroFundFactory, PoolFactory, ProjectFactory, UserFactory
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


def test_an_offers_pool_is_read_for_its_communitys_staff_its_owner_and_its_funds_organiser(sides):
    mine, theirs = sides
    pool = PoolFactory(project=ProjectFactory(community=theirs))
    fund_pool = PoolFactory(project=None, micro_fund=MicroFundFactory(community=theirs), kind=PoolKind.FUND_CAPITAL)
    for read, role, power in (
        (pool_get_for_offer_writer, MembershipRole.ORGANISER, Role.ORGANISER),
        (pool_get_for_lender_payments, MembershipRole.TREASURER, Role.TREASURER),
    ):
        their_staff, my_staff = member_of(theirs, role, power), member_of(mine, role, power)
        assert read(user=their_staff, pool_id=pool.pk) == pool
        assert read(user=their_staff, pool_id=fund_pool.pk) == fund_pool
        assert read(user=pool.project.owner, pool_id=pool.pk) == pool
        assert read(user=fund_pool.micro_fund.organiser, pool_id=fund_pool.pk) == fund_pool
        assert read(user=pool.project.owner, pool_id=fund_pool.pk) is None
        assert read(user=my_staff, pool_id=pool.pk) is None
        assert read(user=my_staff, pool_id=fund_pool.pk) is None


def test_a_sheet_is_read_for_approval_by_an_organiser_of_its_pools_community_only(sides):
    mine, theirs = sides
    pool = PoolFactory(project=ProjectFactory(community=theirs))
    sheet = KeyInfoSheet.objects.create(pool=pool, version=1, content={}, written_by=pool.project.owner)
    assert sheet_get_for_approval(user=member_of(theirs, MembershipRole.ORGANISER, Role.ORGANISER), sheet_id=sheet.pk)
    for user in (member_of(mine, MembershipRole.ORGANISER, Role.ORGANISER), pool.project.owner):
        with pytest.raises(Http404):
            sheet_get_for_approval(user=user, sheet_id=sheet.pk)


def test_staff_list_their_communitys_loans_and_guarantees_and_those_of_their_own_projects(sides):
    """Two scoped reads merged: the funds of the staff member's communities, and their own projects' anywhere."""
    mine, theirs = sides
    organiser = member_of(mine, MembershipRole.ORGANISER, Role.ORGANISER)
    my_fund, their_fund = MicroFundFactory(community=mine), MicroFundFactory(community=theirs)
    own_project = ProjectFactory(community=theirs, owner=organiser)
    by = UserFactory(roles=(Role.ORGANISER,))

    def engagements(fund, project, day):
        loan = Loan.objects.create(
            fund=fund,
            project=project,
            principal_ore=100_000,
            term_months=12,
            disbursed_on=day,
            first_due_on=day + timedelta(days=30),
            created_by=by,
        )
        guarantee = Guarantee.objects.create(
            fund=fund,
            project=project,
            bank="Sparbanken Bygd",
            loan_amount_ore=100_000,
            coverage_bp=5_000,
            fee_bp=100,
            term_months=12,
            issued_on=day,
            created_by=by,
        )
        return loan.pk, guarantee.pk

    owners_project = ProjectFactory(community=mine)
    in_mine = engagements(my_fund, owners_project, date(2026, 1, 1))
    own = engagements(their_fund, own_project, date(2026, 3, 1))
    both = engagements(my_fund, ProjectFactory(community=mine, owner=organiser), date(2026, 2, 1))
    engagements(their_fund, ProjectFactory(community=theirs), date(2026, 4, 1))  # neither: not listed
    newest_first = [own, both, in_mine]
    assert [row.pk for row in loan_list_visible(user=organiser)] == [loan for loan, _ in newest_first]
    assert [row.pk for row in guarantee_list_visible(user=organiser)] == [guarantee for _, guarantee in newest_first]
    # A project owner who is no staff member: their own project's only (one read, by owner).
    assert [row.pk for row in loan_list_visible(user=owners_project.owner)] == [in_mine[0]]


def test_a_projects_payment_settings_are_read_for_its_owner_and_its_communitys_organisers(sides):
    mine, theirs = sides
    draft = ProjectFactory(community=theirs, status=ProjectStatus.DRAFT)
    their_organiser = member_of(theirs, MembershipRole.ORGANISER, Role.ORGANISER)
    my_organiser = member_of(mine, MembershipRole.ORGANISER, Role.ORGANISER)
    their_treasurer = member_of(theirs, MembershipRole.TREASURER, Role.TREASURER)
    assert project_get_managed(user=draft.owner, project_id=draft.pk) == draft
    assert project_get_managed(user=their_organiser, project_id=draft.pk) == draft
    assert project_get_managed(user=my_organiser, project_id=draft.pk) is None
    assert project_get_managed(user=their_treasurer, project_id=draft.pk) is None
    assert not project_is_public(project_id=draft.pk)
    public = ProjectFactory(community=theirs)
    assert project_is_public(project_id=public.pk)
    assert project_get_for_receiver(user=public.owner, project_id=public.pk) == public
    with pytest.raises(ReceiverSettingRefused):
        project_get_for_receiver(user=my_organiser, project_id=public.pk)
    with pytest.raises(Http404):
        project_get_for_receiver(user=my_organiser, project_id=draft.pk)


def test_a_funds_swish_number_is_read_for_its_own_organiser_only(sides):
    mine, theirs = sides
    fund = MicroFundFactory(community=theirs)
    assert fund_get_for_receiver(user=fund.organiser, fund_id=fund.pk) == fund
    with pytest.raises(ReceiverSettingRefused):
        fund_get_for_receiver(user=member_of(theirs, MembershipRole.ORGANISER, Role.ORGANISER), fund_id=fund.pk)
    with pytest.raises(Http404):
        fund_get_for_receiver(user=fund.organiser, fund_id=fund.pk + 1000)
