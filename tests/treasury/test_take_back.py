"""Deductions and returns that take back part of a match: the rest stays matched, the pledge, pool
totals and payment show it, every row is kept, the line names the payment, and the audit trail has it."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Sum

from pools.errors import AllocationError
from pools.models import Payment, PaymentAllocation, PaymentStatus, PledgeStatus
from pools.services import allocation_take_back
from pools.totals import pool_totals_recompute
from tests.treasury.builders import BgPayment, bgmax
from tests.treasury.camt_files import Entry, camt
from tests.treasury.helpers import money_pledge, ocr
from treasury.models import AuditEvent, LineOutcome
from treasury.services import bankfile_import

pytestmark = pytest.mark.django_db


def received(pledge) -> int:
    return PaymentAllocation.objects.filter(pledge=pledge).aggregate(t=Sum("amount_ore"))["t"] or 0


def _deduct(ref: str, amount: int, treasurer, stamp: str = "20260306061530123456"):
    content = bgmax(
        [BgPayment(9_000, ocr(899)), BgPayment(amount, ref, deduction=True)], stamp=stamp, booked_on=date(2026, 3, 6)
    )
    return bankfile_import(content=content, filename="ded.txt", by=treasurer).lines.get(is_deduction=True)


def test_deduction_smaller_than_the_match_takes_back_only_its_amount(pool, treasurer):
    pledge = money_pledge(pool, amount_ore=10_000, reference=ocr(601))
    bankfile_import(content=bgmax([BgPayment(10_000, ocr(601))]), filename="in.txt", by=treasurer)
    payment = Payment.objects.get()
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.FULFILLED

    line = _deduct(ocr(601), 3_000, treasurer)

    assert received(pledge) == 7_000
    assert list(PaymentAllocation.objects.filter(pledge=pledge).values_list("amount_ore", flat=True)) == [
        10_000,
        -10_000,
        7_000,
    ]
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PARTLY_FULFILLED
    assert pool_totals_recompute(pool_id=pool.pk).received_ore == 7_000
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.MATCHED
    assert (line.outcome, line.pledge, line.reversed_payment, line.needs_attention) == (
        LineOutcome.DEDUCTION,
        pledge,
        payment,
        True,
    )
    assert f"payment {payment.pk}" in line.detail and "stays matched" in line.detail


def test_deduction_is_taken_from_the_payments_over_payment_first(pool, treasurer):
    pledge = money_pledge(pool, amount_ore=5_000, reference=ocr(602))
    bankfile_import(content=bgmax([BgPayment(9_000, ocr(602))]), filename="in.txt", by=treasurer)
    payment = Payment.objects.get()

    line = _deduct(ocr(602), 1_000, treasurer)

    assert received(pledge) == 5_000  # the 4,000 no pledge had covers it
    assert line.reversed_payment == payment and "over-payment" in line.detail


def test_deduction_larger_than_the_over_payment_takes_the_rest_from_the_match(pool, treasurer):
    pledge = money_pledge(pool, amount_ore=5_000, reference=ocr(603))
    bankfile_import(content=bgmax([BgPayment(6_000, ocr(603))]), filename="in.txt", by=treasurer)

    _deduct(ocr(603), 3_000, treasurer)

    assert received(pledge) == 3_000  # 1,000 from the over-payment, 2,000 from the match


def test_deduction_of_a_pledge_with_nothing_matched_waits_for_the_treasurer(pool, treasurer):
    pledge = money_pledge(pool, amount_ore=5_000, reference=ocr(604))
    line = _deduct(ocr(604), 1_000, treasurer)
    assert line.needs_attention and line.pledge == pledge and line.reversed_payment is None
    assert "Decide what it takes back" in line.detail
    assert received(pledge) == 0


def _paid_by_camt(pool, treasurer, number: int, amount: str, ore: int):
    pledge = money_pledge(pool, amount_ore=ore, reference=ocr(number))
    bankfile_import(
        content=camt([Entry(amount, f"C-{number}", reference=ocr(number), tx_refs={"EndToEndId": f"E-{number}"})]),
        filename="in.xml",
        by=treasurer,
    )
    return pledge, Payment.objects.get(reference=ocr(number))


def _return(number: int, amount: str, treasurer):
    back = Entry(
        amount, f"R-{number}", reference=ocr(number), debit=True, reversal=True, tx_refs={"EndToEndId": f"E-{number}"}
    )
    result = bankfile_import(
        content=camt([back], msg_id=f"M-R{number}", opening_ore=None), filename="r.xml", by=treasurer
    )
    return result.lines.get()


def test_partial_return_takes_back_its_amount_and_names_the_payment(pool, treasurer):
    pledge, payment = _paid_by_camt(pool, treasurer, 611, "200.00", 20_000)

    line = _return(611, "50.00", treasurer)

    assert received(pledge) == 15_000
    assert pool_totals_recompute(pool_id=pool.pk).received_ore == 15_000
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.MATCHED  # most of it stays
    assert (line.outcome, line.reversed_payment, line.needs_attention) == (LineOutcome.RETURNED, payment, True)
    assert f"payment {payment.pk}" in line.detail and "C-611" in line.detail


def test_partial_return_found_by_the_banks_reference(pool, treasurer):
    pledge, payment = _paid_by_camt(pool, treasurer, 615, "200.00", 20_000)
    back = Entry("20.00", "R-615", debit=True, reversal=True, tx_refs={"AcctSvcrRef": "C-615"})
    line = bankfile_import(
        content=camt([back], msg_id="M-R615", opening_ore=None), filename="r", by=treasurer
    ).lines.get()
    assert line.reversed_payment == payment
    assert received(pledge) == 18_000


def test_whole_return_names_the_payment_it_reverses(pool, treasurer):
    pledge, payment = _paid_by_camt(pool, treasurer, 612, "80.00", 8_000)
    line = _return(612, "80.00", treasurer)
    assert received(pledge) == 0
    assert line.reversed_payment == payment and not line.needs_attention
    assert f"payment {payment.pk}" in line.detail


def test_take_back_is_in_the_audit_trail_with_who_did_it(pool, treasurer):
    pledge, payment = _paid_by_camt(pool, treasurer, 613, "100.00", 10_000)
    _return(613, "40.00", treasurer)
    rows = list(PaymentAllocation.objects.filter(pledge=pledge).order_by("pk"))
    assert [r.amount_ore for r in rows] == [10_000, -10_000, 6_000]
    for row in rows[1:]:
        [event] = AuditEvent.objects.filter(table_name="pools_paymentallocation", row_id=row.pk)
        assert event.action == "insert" and event.actor_id == treasurer.pk
        assert event.after["amount_ore"] == row.amount_ore
    assert rows[1].reverses_id == rows[0].pk


def test_take_back_refuses_more_than_the_match(pool, treasurer):
    _pledge, payment = _paid_by_camt(pool, treasurer, 614, "100.00", 10_000)
    allocation = payment.allocations.get()
    with pytest.raises(AllocationError):
        allocation_take_back(allocation=allocation, amount_ore=10_001, by=treasurer)
    with pytest.raises(AllocationError):
        allocation_take_back(allocation=allocation, amount_ore=0, by=treasurer)
    assert payment.allocations.count() == 1
