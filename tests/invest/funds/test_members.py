"""Rules versions, joining, instalments, votes and capital withdrawals (four eyes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.roles import Role
from invest.funds.errors import (
    AlreadyMember,
    FourEyesRequired,
    FundHasNoRules,
    FundPermissionDenied,
    InsufficientCapital,
    InvalidFundInput,
    NotMember,
    WithdrawalRefused,
)
from invest.funds.models import FundRulesVersion, FundShare, WithdrawalStatus
from invest.funds.selectors import fund_position, member_has_vote, member_statement
from invest.funds.services import (
    capital_withdrawal_approve,
    capital_withdrawal_cancel,
    capital_withdrawal_mark_paid,
    capital_withdrawal_prepare,
    capital_withdrawal_request,
    fund_member_join,
    fund_rules_set,
    fund_share_subscribe,
)
from pools.models import PledgeKind
from tests.factories import UserFactory
from tests.invest.funds.conftest import RULES, pay

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- rules


def test_rules_change_adds_a_version_recording_before_and_after(fund, organiser, rules):
    second = fund_rules_set(fund=fund, by=organiser, max_per_project_bp=3_000, note="Årsstämman 2026")
    assert second.version == 2
    assert second.before["max_per_project_bp"] == 2_500
    assert second.max_per_project_bp == 3_000
    assert second.changed_by == organiser
    rules.refresh_from_db()
    assert rules.max_per_project_bp == 2_500  # the old row is untouched
    assert FundRulesVersion.objects.filter(fund=fund).count() == 2


def test_rules_are_set_only_by_organisers(fund, treasurer, saver):
    for user in (treasurer, saver):
        with pytest.raises(FundPermissionDenied):
            fund_rules_set(fund=fund, by=user, **RULES)
    assert not FundRulesVersion.objects.exists()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("required_share_ore", 0),
        ("required_share_ore", -1),
        ("max_per_project_bp", 10_001),
        ("guarantee_max_coverage_bp", 0),
        ("max_instalments", 61),
        ("withdrawal_notice_days", "90"),
        ("max_exposure_bp", True),
        ("voluntary_shares_allowed", "yes"),
    ],
)
def test_rules_refuse_bad_values_with_the_field(fund, organiser, name, value):
    with pytest.raises(InvalidFundInput) as caught:
        fund_rules_set(fund=fund, by=organiser, **{**RULES, name: value})
    assert caught.value.field == name
    assert not FundRulesVersion.objects.exists()


def test_first_rules_must_be_complete_and_a_no_change_is_refused(fund, organiser):
    with pytest.raises(InvalidFundInput) as caught:
        fund_rules_set(fund=fund, by=organiser, required_share_ore=100_000)
    assert caught.value.field == "max_instalments"
    fund_rules_set(fund=fund, by=organiser, **RULES)
    with pytest.raises(InvalidFundInput):
        fund_rules_set(fund=fund, by=organiser, **RULES)


# ---------------------------------------------------------------- joining


def test_join_pledges_the_required_share_in_instalments_that_add_up(fund, rules, share_pool, saver):
    membership = fund_member_join(fund=fund, user=saver, pool=share_pool, instalments=3, voluntary_share_count=2)
    required = FundShare.objects.get(membership=membership, is_required=True)
    assert required.pledge.kind == PledgeKind.SHARE
    assert required.pledge.share_count == 2  # 1 000 kr at 500 kr a share
    assert required.pledge.ocr_reference
    parts = list(required.instalments.values_list("amount_ore", flat=True))
    assert parts == [33_334, 33_333, 33_333]
    due = list(required.instalments.values_list("due_on", flat=True))
    assert due[0] > timezone.localdate() and due == sorted(due)
    voluntary = FundShare.objects.get(membership=membership, is_required=False)
    assert voluntary.pledge.amount_ore == 100_000


def test_join_refuses_more_instalments_than_the_rules_allow(fund, rules, share_pool, saver):
    with pytest.raises(InvalidFundInput) as caught:
        fund_member_join(fund=fund, user=saver, pool=share_pool, instalments=5)
    assert caught.value.field == "instalments"


def test_join_twice_is_refused(fund, rules, share_pool, saver):
    fund_member_join(fund=fund, user=saver, pool=share_pool)
    with pytest.raises(AlreadyMember):
        fund_member_join(fund=fund, user=saver, pool=share_pool)


def test_join_needs_rules_and_one_of_the_funds_share_offers(fund, share_pool, saver, pool):
    with pytest.raises(FundHasNoRules):
        fund_member_join(fund=fund, user=saver, pool=share_pool)


def test_join_through_another_pool_is_refused(fund, rules, saver, pool):
    with pytest.raises(InvalidFundInput) as caught:
        fund_member_join(fund=fund, user=saver, pool=pool)
    assert caught.value.field == "pool"


def test_voluntary_shares_need_membership(fund, rules, share_pool, saver):
    with pytest.raises(NotMember):
        fund_share_subscribe(fund=fund, user=saver, pool=share_pool, share_count=1)
    fund_member_join(fund=fund, user=saver, pool=share_pool)
    share = fund_share_subscribe(fund=fund, user=saver, pool=share_pool, share_count=3)
    assert share.pledge.amount_ore == 150_000 and not share.is_required


def test_vote_comes_only_when_matched_payments_cover_the_required_share(fund, rules, share_pool, saver):
    membership = fund_member_join(fund=fund, user=saver, pool=share_pool, instalments=2)
    pledge = membership.shares.get(is_required=True).pledge
    today = timezone.localdate()
    assert not member_has_vote(membership=membership, as_of=today)
    pay(pledge, 50_000, today)
    assert not member_has_vote(membership=membership, as_of=today)
    statement = member_statement(fund=fund, user=saver)
    assert [row["state"] for row in statement.shares[0].instalments] == ["paid", "due"]
    assert statement.next_due["unpaid_ore"] == 50_000
    pay(pledge, 50_000, today)
    assert member_has_vote(membership=membership, as_of=today)
    assert member_statement(fund=fund, user=saver).has_vote


def test_statement_is_404_for_a_saver_who_is_not_a_member(fund, rules, other_saver):
    from django.http import Http404

    with pytest.raises(Http404):
        member_statement(fund=fund, user=other_saver)


# ---------------------------------------------------------------- withdrawals


@pytest.fixture
def paid_member(fund, rules, share_pool, saver):
    membership = fund_member_join(fund=fund, user=saver, pool=share_pool, voluntary_share_count=2)
    for share in membership.shares.all():
        pay(share.pledge, share.pledge.amount_ore, timezone.localdate())
    return membership


def test_withdrawal_needs_a_second_person_and_waits_for_the_notice(
    fund, paid_member, saver, treasurer, second_treasurer
):
    withdrawal = capital_withdrawal_request(fund=fund, user=saver, amount_ore=100_000)
    assert withdrawal.payable_on >= timezone.localdate() + timedelta(days=90)
    capital_withdrawal_prepare(withdrawal=withdrawal, by=treasurer)
    with pytest.raises(FourEyesRequired):
        capital_withdrawal_approve(withdrawal=withdrawal, by=treasurer)
    capital_withdrawal_approve(withdrawal=withdrawal, by=second_treasurer)
    with pytest.raises(WithdrawalRefused) as caught:
        capital_withdrawal_mark_paid(withdrawal=withdrawal, by=treasurer, paid_on=timezone.localdate())
    assert caught.value.field == "paid_on"
    with time_machine.travel(withdrawal.payable_on + timedelta(days=1)):
        capital_withdrawal_mark_paid(withdrawal=withdrawal, by=treasurer, paid_on=withdrawal.payable_on)
        withdrawal.refresh_from_db()
        assert withdrawal.status == WithdrawalStatus.PAID
        # Recorded a day after its date: it shows from today's report on, never in the one for payable_on.
        assert fund_position(fund=fund, as_of=withdrawal.payable_on).withdrawn_ore == 0
        position = fund_position(fund=fund, as_of=timezone.localdate())
        assert position.withdrawn_ore == 100_000
        assert position.capital_ore == 200_000 - 100_000


def test_withdrawal_approval_needs_the_approve_payouts_permission(fund, paid_member, saver, treasurer, organiser):
    withdrawal = capital_withdrawal_request(fund=fund, user=saver, amount_ore=50_000)
    capital_withdrawal_prepare(withdrawal=withdrawal, by=treasurer)
    with pytest.raises(FundPermissionDenied):
        capital_withdrawal_approve(withdrawal=withdrawal, by=organiser)
    with pytest.raises(FundPermissionDenied):
        capital_withdrawal_approve(withdrawal=withdrawal, by=saver)


def test_withdrawal_above_paid_in_capital_is_refused(fund, paid_member, saver):
    capital_withdrawal_request(fund=fund, user=saver, amount_ore=150_000)
    with pytest.raises(WithdrawalRefused) as caught:
        capital_withdrawal_request(fund=fund, user=saver, amount_ore=50_001)
    assert caught.value.field == "amount"


def test_member_loses_the_vote_when_withdrawing_below_the_required_share(
    fund, paid_member, saver, treasurer, second_treasurer
):
    withdrawal = capital_withdrawal_request(fund=fund, user=saver, amount_ore=150_000)
    capital_withdrawal_prepare(withdrawal=withdrawal, by=treasurer)
    capital_withdrawal_approve(withdrawal=withdrawal, by=second_treasurer)
    with time_machine.travel(withdrawal.payable_on + timedelta(days=1)):
        capital_withdrawal_mark_paid(withdrawal=withdrawal, by=treasurer, paid_on=withdrawal.payable_on)
        assert not member_has_vote(membership=paid_member, as_of=timezone.localdate())
        assert member_has_vote(membership=paid_member, as_of=withdrawal.payable_on - timedelta(days=1))


def test_withdrawal_is_refused_when_the_capital_is_lent_out(fund, paid_member, saver, treasurer, organiser, project):
    from invest.funds.services import fund_rules_set, loan_create

    fund_rules_set(fund=fund, by=organiser, max_per_project_bp=10_000)
    loan_create(
        fund=fund,
        by=organiser,
        project=project,
        principal_ore=150_000,
        term_months=12,
        disbursed_on=timezone.localdate(),
    )
    withdrawal = capital_withdrawal_request(fund=fund, user=saver, amount_ore=100_000)
    with pytest.raises(InsufficientCapital):
        capital_withdrawal_prepare(withdrawal=withdrawal, by=treasurer)


def test_withdrawal_of_a_non_member_is_refused_and_cancel_is_for_owner_or_treasurer(
    fund, paid_member, saver, other_saver, treasurer
):
    with pytest.raises(NotMember):
        capital_withdrawal_request(fund=fund, user=other_saver, amount_ore=1_000)
    withdrawal = capital_withdrawal_request(fund=fund, user=saver, amount_ore=1_000)
    with pytest.raises(FundPermissionDenied):
        capital_withdrawal_cancel(withdrawal=withdrawal, by=other_saver)
    capital_withdrawal_cancel(withdrawal=withdrawal, by=saver)
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.CANCELLED


def test_treasurer_cannot_prepare_their_own_withdrawal(fund, rules, share_pool):
    member = UserFactory(roles=(Role.SAVER, Role.TREASURER))
    membership = fund_member_join(fund=fund, user=member, pool=share_pool)
    share = membership.shares.get()
    pay(share.pledge, share.pledge.amount_ore, timezone.localdate())
    withdrawal = capital_withdrawal_request(fund=fund, user=member, amount_ore=1_000)
    with pytest.raises(FourEyesRequired):
        capital_withdrawal_prepare(withdrawal=withdrawal, by=member)


def test_voting_count_in_the_position_agrees_with_each_members_vote(fund, rules, share_pool, saver, other_saver):
    from invest.funds.selectors import fund_position_now

    paid = fund_member_join(fund=fund, user=saver, pool=share_pool)
    pay(paid.shares.get().pledge, 100_000, timezone.localdate())
    half = fund_member_join(fund=fund, user=other_saver, pool=share_pool, instalments=2)
    pay(half.shares.get().pledge, 50_000, timezone.localdate())
    third = fund_member_join(fund=fund, user=UserFactory(), pool=share_pool, voluntary_share_count=2)
    for share in third.shares.all():  # voluntary paid in full does not make up for the required share
        pay(share.pledge, 100_000 if not share.is_required else 99_999, timezone.localdate())
    position = fund_position_now(fund=fund)
    today = timezone.localdate()
    expected = [member_has_vote(membership=m, as_of=today) for m in (paid, half, third)]
    assert expected == [True, False, False]
    assert (position.member_count, position.voting_member_count) == (3, 1)


def test_changes_queue_one_pending_totals_recompute_per_fund(fund, rules, share_pool, saver, other_saver):
    from operations.models import OutboxMessage

    fund_member_join(fund=fund, user=saver, pool=share_pool)
    fund_member_join(fund=fund, user=other_saver, pool=share_pool)
    pending = OutboxMessage.objects.filter(dedupe_key=f"fund-totals:{fund.pk}", dispatched_at__isnull=True)
    assert pending.count() == 1
    assert pending.get().task_name == "workers.funds.recompute_fund_totals"
