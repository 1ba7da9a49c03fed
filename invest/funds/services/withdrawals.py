"""A member's capital withdrawal: requested, prepared, approved by a second treasurer, paid or cancelled."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from invest.funds.errors import (
    FourEyesRequired,
    InsufficientCapital,
    NotMember,
    WithdrawalRefused,
)
from invest.funds.models import (
    CapitalWithdrawal,
    FundMembership,
    WithdrawalStatus,
)
from invest.funds.schedules import next_banking_day
from invest.funds.selectors import (
    fund_position_now,
    member_capital_ore,
    member_pending_withdrawals_ore,
    user_approves_payouts,
    user_records_repayments,
)
from invest.funds.services.common import _day, _lock_fund, _money, _require
from invest.funds.services.rules import _rules_or_refuse
from invest.funds.services.totals import fund_totals_enqueue
from invest.models import MicroFund
from pools.money import format_sek


def _lock_withdrawal(withdrawal: CapitalWithdrawal) -> tuple[MicroFund, CapitalWithdrawal]:
    """The withdrawal's fund (locked in its own community, see _lock_fund) and the withdrawal, locked."""
    fund = _lock_fund(withdrawal.membership.fund)
    row = CapitalWithdrawal.objects.select_for_update().select_related("membership").get(pk=withdrawal.pk)
    return fund, row


def _withdrawable_ore(membership: FundMembership, *, excluding: int = 0) -> int:
    today = timezone.localdate()
    capital = member_capital_ore(membership=membership, as_of=today, known_at=timezone.now() + timedelta(seconds=1))
    return capital - (member_pending_withdrawals_ore(membership=membership) - excluding)


@transaction.atomic
def capital_withdrawal_request(*, fund: MicroFund, user: User, amount_ore: int) -> CapitalWithdrawal:
    """A member asks to take out capital; payable after the fund's notice. Raises NotMember, WithdrawalRefused."""
    fund = _lock_fund(fund)
    rules = _rules_or_refuse(fund)
    membership = FundMembership.objects.filter(fund=fund, member=user).first() if user.is_authenticated else None
    if membership is None:
        raise NotMember()
    amount = _money(amount_ore, field="amount")
    room = _withdrawable_ore(membership)
    if amount > room:
        raise WithdrawalRefused(
            _("You can withdraw at most %(room)s (paid-in capital less withdrawals already asked for).")
            % {"room": format_sek(max(room, 0), user.language)},
            field="amount",
        )
    today = timezone.localdate()
    withdrawal = CapitalWithdrawal.objects.create(
        membership=membership,
        amount_ore=amount,
        requested_on=today,
        payable_on=next_banking_day(today + timedelta(days=rules.withdrawal_notice_days)),
    )
    return withdrawal


@transaction.atomic
def capital_withdrawal_prepare(*, withdrawal: CapitalWithdrawal, by: User) -> CapitalWithdrawal:
    """A treasurer checks the request and prepares the payout. Raises FundPermissionDenied, WithdrawalRefused,
    InsufficientCapital."""
    community_id = withdrawal.membership.fund.community_id
    _require(
        user_approves_payouts(by, community_id=community_id) or user_records_repayments(by, community_id=community_id)
    )
    fund, withdrawal = _lock_withdrawal(withdrawal)
    if withdrawal.status != WithdrawalStatus.REQUESTED:
        raise WithdrawalRefused(_("Only a new request can be prepared."), field="status")
    if withdrawal.membership.member_id == by.pk:
        raise FourEyesRequired(_("You cannot prepare a payout of your own capital."))
    if withdrawal.amount_ore > _withdrawable_ore(withdrawal.membership, excluding=withdrawal.amount_ore):
        raise WithdrawalRefused(_("The member's paid-in capital no longer covers this amount."), field="amount")
    available = fund_position_now(fund=fund).available_ore
    if withdrawal.amount_ore > available:
        raise InsufficientCapital(
            _("The fund has only %(available)s available; the rest is lent or guaranteed.")
            % {"available": format_sek(max(available, 0), by.language)},
            field="amount",
        )
    withdrawal.status = WithdrawalStatus.PREPARED
    withdrawal.prepared_by = by
    withdrawal.prepared_at = timezone.now()
    withdrawal.save(update_fields=["status", "prepared_by", "prepared_at"])
    return withdrawal


@transaction.atomic
def capital_withdrawal_approve(*, withdrawal: CapitalWithdrawal, by: User) -> CapitalWithdrawal:
    """A second treasurer (pools.approve_payouts, not the preparer, not the member) approves the payout.
    Raises FundPermissionDenied, FourEyesRequired, WithdrawalRefused."""
    _require(user_approves_payouts(by, community_id=withdrawal.membership.fund.community_id))
    _fund, withdrawal = _lock_withdrawal(withdrawal)
    if withdrawal.status != WithdrawalStatus.PREPARED:
        raise WithdrawalRefused(_("Only a prepared payout can be approved."), field="status")
    if withdrawal.prepared_by_id == by.pk or withdrawal.membership.member_id == by.pk:
        raise FourEyesRequired()
    withdrawal.status = WithdrawalStatus.APPROVED
    withdrawal.approved_by = by
    withdrawal.approved_at = timezone.now()
    withdrawal.save(update_fields=["status", "approved_by", "approved_at"])
    return withdrawal


@transaction.atomic
def capital_withdrawal_mark_paid(*, withdrawal: CapitalWithdrawal, by: User, paid_on: date) -> CapitalWithdrawal:
    """Record that an approved payout left the fund's account, on or after its notice date; queue totals.
    Raises FundPermissionDenied, WithdrawalRefused."""
    community_id = withdrawal.membership.fund.community_id
    _require(
        user_approves_payouts(by, community_id=community_id) or user_records_repayments(by, community_id=community_id)
    )
    fund, withdrawal = _lock_withdrawal(withdrawal)
    paid_on = _day(paid_on, field="paid_on", not_after_today=True)
    if withdrawal.status != WithdrawalStatus.APPROVED:
        raise WithdrawalRefused(_("Only an approved payout can be paid."), field="status")
    if paid_on < withdrawal.payable_on:
        raise WithdrawalRefused(
            _("The notice runs until %(day)s; pay on or after that day.") % {"day": withdrawal.payable_on.isoformat()},
            field="paid_on",
        )
    withdrawal.status = WithdrawalStatus.PAID
    withdrawal.paid_on = paid_on
    withdrawal.paid_recorded_at = timezone.now()
    withdrawal.save(update_fields=["status", "paid_on", "paid_recorded_at"])
    fund_totals_enqueue(fund_id=fund.pk)
    return withdrawal


@transaction.atomic
def capital_withdrawal_cancel(*, withdrawal: CapitalWithdrawal, by: User) -> CapitalWithdrawal:
    """The member, or a treasurer, cancels a withdrawal not yet paid. Raises FundPermissionDenied, WithdrawalRefused."""
    _fund, withdrawal = _lock_withdrawal(withdrawal)
    _require(
        withdrawal.membership.member_id == by.pk
        or user_approves_payouts(by, community_id=withdrawal.membership.fund.community_id)
    )
    if withdrawal.status in (WithdrawalStatus.PAID, WithdrawalStatus.CANCELLED):
        raise WithdrawalRefused(_("This withdrawal can no longer be cancelled."), field="status")
    withdrawal.status = WithdrawalStatus.CANCELLED
    withdrawal.save(update_fields=["status"])
    return withdrawal
