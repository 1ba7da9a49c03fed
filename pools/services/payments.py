"""Money received: recording a payment, matching it to pledges, reversing a match, the pledge's paid status."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.db.models import Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pools.errors import (
    AllocationError,
    InvalidPayment,
)
from pools.models import (
    MONEY_KINDS,
    PaidVia,
    Payment,
    PaymentAllocation,
    PaymentChannel,
    PaymentStatus,
    Pledge,
    PledgeStatus,
    Pool,
)
from pools.money import MAX_ORE, format_sek
from pools.services.queues import fund_totals_enqueue_for_pools, totals_enqueue


@transaction.atomic
def payment_record(
    *,
    amount_ore: int,
    received_on: date,
    channel: str,
    reference: str = "",
    payer_name: str = "",
    payer_account: str = "",
    bank_reference: str = "",
    note: str = "",
    created_by: User | None = None,
    paid_via: str = "",
) -> Payment:
    """Record money seen arriving, unmatched; `payer_account` is the account it came from when the bank
    file names it (see treasury/payee_accounts.py), `paid_via` how it was sent. Raises InvalidPayment."""
    if isinstance(amount_ore, bool) or not isinstance(amount_ore, int) or not 0 < amount_ore <= MAX_ORE:
        raise InvalidPayment(_("The amount must be above zero."), field="amount")
    if channel not in PaymentChannel.values:
        raise InvalidPayment(_("Unknown payment channel."), field="channel")
    return Payment.objects.create(
        amount_ore=amount_ore,
        received_on=received_on,
        channel=channel,
        reference=reference.strip()[:140],
        payer_name=payer_name.strip()[:200],
        payer_account=payer_account.strip()[:40],
        bank_reference=bank_reference.strip()[:140],
        paid_via=paid_via if paid_via in PaidVia.values else "",
        note=note,
        created_by=created_by,
    )


def pledge_received_ore(pledge: Pledge) -> int:
    """Money matched to a pledge so far (reversals included)."""
    return int(pledge.allocations.aggregate(total=Coalesce(Sum("amount_ore"), Value(0)))["total"])


def _pledge_status_from_received(pledge: Pledge, received: int) -> str:
    if pledge.status in (PledgeStatus.WITHDRAWN, PledgeStatus.LAPSED, PledgeStatus.REFUNDED):
        return pledge.status
    if received <= 0:
        return PledgeStatus.CONFIRMED if pledge.confirmed_at else PledgeStatus.PLEDGED
    if received >= (pledge.amount_ore or 0):
        return PledgeStatus.FULFILLED
    return PledgeStatus.PARTLY_FULFILLED


@transaction.atomic
def payment_allocate(
    *, payment: Payment, parts: list[tuple[Pledge, int]], by: User | None, note: str = ""
) -> list[PaymentAllocation]:
    """Match a payment to one or several pledges. Raises AllocationError when the parts
    exceed what is left of the payment or a pledge takes no money."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status == PaymentStatus.REFUNDED:
        raise AllocationError(_("A refunded payment cannot be matched."))
    pledge_ids = sorted({p.pk for p, _amount in parts})
    # Lock pledges in primary-key order so two matchers never deadlock.
    pledges = {p.pk: p for p in Pledge.objects.select_for_update().filter(pk__in=pledge_ids).order_by("pk")}
    _refuse_other_communities(payment, pledges.values())
    already = int(payment.allocations.aggregate(t=Coalesce(Sum("amount_ore"), Value(0)))["t"])
    wanted = 0
    for pledge, amount in parts:
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise AllocationError(_("Each part must be above zero."), field="amount")
        if pledges[pledge.pk].kind not in MONEY_KINDS:
            raise AllocationError(_("Only money pledges take payments."), field="pledge")
        wanted += amount
    if already + wanted > payment.amount_ore:
        raise AllocationError(_("The parts add up to more than the payment."), field="amount")
    rows = [
        PaymentAllocation.objects.create(
            payment=payment,
            pledge=pledges[pledge.pk],
            pool_id=pledges[pledge.pk].pool_id,
            amount_ore=amount,
            created_by=by,
            note=note,
        )
        for pledge, amount in parts
    ]
    payment.status = PaymentStatus.MATCHED
    payment.save(update_fields=["status"])
    for pledge in pledges.values():
        _pledge_refresh_status(pledge)
    # Totals rows are touched in pool order so two matchers never deadlock on them.
    for pool_id in sorted({pledge.pool_id for pledge in pledges.values()}):
        totals_enqueue(pool_id=pool_id)
    fund_totals_enqueue_for_pools(pool_ids=[pledge.pool_id for pledge in pledges.values()])
    return rows


def _refuse_other_communities(payment: Payment, pledges: Iterable[Pledge]) -> None:
    """A payment's money stays in one community: that of the bank file that brought it, else (a payment
    recorded by hand) that of the pools it is already matched to. Raises AllocationError."""
    pool_ids = {pledge.pool_id for pledge in pledges}
    communities = set(Pool.objects.filter(pk__in=pool_ids).values_list("community_id", flat=True))
    # The bank file's line is reached through the payment (treasury sits above pools: no import of it here).
    from_file = Payment.objects.filter(pk=payment.pk, bank_file_line__isnull=False)
    owners = set(from_file.values_list("bank_file_line__bank_file__community_id", flat=True)) or set(
        payment.allocations.values_list("pool__community_id", flat=True)
    )
    if len(communities) > 1 or (owners and not communities <= owners):
        raise AllocationError(_("The pledge belongs to another community than the payment."), field="pledge")


@transaction.atomic
def allocation_reverse(*, allocation: PaymentAllocation, by: User | None, note: str = "") -> PaymentAllocation:
    """Undo a match by adding its negative; the original row stays. Raises AllocationError."""
    allocation = PaymentAllocation.objects.select_for_update().get(pk=allocation.pk)
    if allocation.reverses_id is not None or PaymentAllocation.objects.filter(reverses=allocation).exists():
        raise AllocationError(_("This match was already reversed."))
    payment = Payment.objects.select_for_update().get(pk=allocation.payment_id)
    if payment.status == PaymentStatus.REFUNDED:
        # Its money went back to the payer: undoing the match would put it in the unmatched queue again.
        raise AllocationError(_("This payment was refunded; its matches cannot be undone."))
    pledge = Pledge.objects.select_for_update().get(pk=allocation.pledge_id)
    reversal = PaymentAllocation.objects.create(
        payment=payment,
        pledge=pledge,
        pool_id=pledge.pool_id,
        amount_ore=-allocation.amount_ore,
        reverses=allocation,
        created_by=by,
        note=note,
    )
    left = int(payment.allocations.aggregate(t=Coalesce(Sum("amount_ore"), Value(0)))["t"])
    if left == 0:
        payment.status = PaymentStatus.UNMATCHED
        payment.save(update_fields=["status"])
    _pledge_refresh_status(pledge)
    totals_enqueue(pool_id=pledge.pool_id)
    fund_totals_enqueue_for_pools(pool_ids=[pledge.pool_id])
    return reversal


@transaction.atomic
def allocation_take_back(
    *, allocation: PaymentAllocation, amount_ore: int, by: User | None, note: str = ""
) -> tuple[PaymentAllocation, PaymentAllocation | None]:
    """Take part of a match back (a bank deduction or partial return): the match is reversed whole
    and what is left of it matched again as a new row, so the pledge has received ``amount_ore``
    less and every row stays. Returns (the reversal, the remaining match or None). Raises
    AllocationError."""
    if amount_ore <= 0 or amount_ore > allocation.amount_ore:
        raise AllocationError(_("Only between 0.01 kr and the matched amount can be taken back."))
    reversal = allocation_reverse(allocation=allocation, by=by, note=note)
    rest = allocation.amount_ore - amount_ore
    if rest == 0:
        return reversal, None
    remaining = PaymentAllocation.objects.create(
        payment_id=allocation.payment_id,
        pledge_id=allocation.pledge_id,
        pool_id=allocation.pool_id,
        amount_ore=rest,
        created_by=by,
        note=(
            _("What is left of match %(id)s after %(amount)s was taken back")
            % {"id": allocation.pk, "amount": format_sek(amount_ore, "sv")}
        )[:200],
    )
    Payment.objects.filter(pk=allocation.payment_id, status=PaymentStatus.UNMATCHED).update(
        status=PaymentStatus.MATCHED
    )
    pledge = Pledge.objects.get(pk=allocation.pledge_id)
    _pledge_refresh_status(pledge)
    return reversal, remaining


def _pledge_refresh_status(pledge: Pledge) -> None:
    status = _pledge_status_from_received(pledge, pledge_received_ore(pledge))
    if status != pledge.status:
        Pledge.objects.filter(pk=pledge.pk).update(status=status, updated_at=timezone.now())
        pledge.status = status
