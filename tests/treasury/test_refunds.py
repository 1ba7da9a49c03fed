"""Refunds the bank can pay: where each refund goes, refusing lines with no account, the payment
order's accounts, and marking the refunded pledges and payments once."""

from __future__ import annotations

import csv
import io
from datetime import date

import defusedxml.ElementTree as SafeET
import pytest

from accounts.services import user_set_refund_iban
from pools.models import FundingRule, Payment, PaymentChannel, PaymentStatus, Pledge, PledgeStatus, PoolStatus
from pools.services import payment_record, pledge_withdraw
from pools.totals import pool_totals_figures
from tests.factories import PoolFactory
from tests.treasury.helpers import money_pledge
from treasury.errors import PayeeAccountMissing
from treasury.models import AuditEvent, PayoutBatch, PayoutKind, PayoutLine, PayoutReason, PayoutStatus
from treasury.selectors import payout_candidates
from treasury.services import (
    allocation_undo,
    payment_match_manual,
    payout_approve,
    payout_export,
    payout_prepare,
)

pytestmark = pytest.mark.django_db

SAVER_IBAN = "SE4550000000058398257466"
PAYER_IBAN = "SE7280000810340009783242"
PAIN = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


def pay(pledge, treasurer, amount_ore, *, payer_account="", paid_ore=None):
    """A payment of `paid_ore` (default: the amount) matched with `amount_ore` to the pledge."""
    payment = payment_record(
        amount_ore=paid_ore or amount_ore,
        received_on=date(2026, 3, 1),
        channel=PaymentChannel.MANUAL,
        payer_name="Åsa Öberg",
        payer_account=payer_account,
    )
    payment_match_manual(payment=payment, parts=[(pledge, amount_ore)], by=treasurer)
    return payment


def withdrawn_pledge(pool, saver, treasurer, *, amount_ore=20_000, payer_account=""):
    pledge = money_pledge(pool, saver, amount_ore=amount_ore)
    payment = pay(pledge, treasurer, amount_ore, payer_account=payer_account)
    Pledge.objects.filter(pk=pledge.pk).update(status=PledgeStatus.CONFIRMED)
    pledge_withdraw(pledge=pledge, by=saver)
    return pledge, payment


def candidate(key: str):
    return {c.source_key: c for c in payout_candidates(kind=PayoutKind.REFUND)}[key]


def exported(batch_lines_keys, treasurer, second_treasurer, file_format="pain001"):
    batch = payout_prepare(kind=PayoutKind.REFUND, source_keys=batch_lines_keys, by=treasurer)
    # The savers' refund accounts were set moments ago: the approver confirms them explicitly.
    payout_approve(batch=batch, by=second_treasurer, confirm_recent_accounts=True)
    content, _type, _name = payout_export(batch=batch, by=treasurer, file_format=file_format)
    return batch, content


def audit_count() -> int:
    return AuditEvent.objects.count()


# ---------------------------------------------------------------- where a refund goes


def test_refund_goes_to_the_savers_refund_iban_first(pool, saver, treasurer):
    pledge, _payment = withdrawn_pledge(pool, saver, treasurer, payer_account="bankgiro 5050-1055")
    user_set_refund_iban(user=saver, iban=SAVER_IBAN)
    found = candidate(f"pledge:{pledge.pk}")
    assert (found.payee_account, found.payee_account_source) == (SAVER_IBAN, "refund_account")
    assert not found.is_missing_account


def test_refund_falls_back_to_the_account_the_money_came_from(pool, saver, treasurer):
    pledge, _payment = withdrawn_pledge(pool, saver, treasurer, payer_account=PAYER_IBAN)
    found = candidate(f"pledge:{pledge.pk}")
    assert (found.payee_account, found.payee_account_source) == (PAYER_IBAN, "payer_account")


def test_failed_pool_refund_takes_the_payers_bankgiro_when_all_payments_agree(saver, treasurer):
    failed = PoolFactory(status=PoolStatus.FAILED, funding_rule=FundingRule.ALL_OR_NOTHING)
    pledge = money_pledge(failed, saver, amount_ore=30_000)
    pay(pledge, treasurer, 10_000, payer_account="bankgiro 5050-1055")
    pay(pledge, treasurer, 20_000, payer_account="bankgiro 5050-1055")
    found = candidate(f"pledge:{pledge.pk}")
    assert (found.reason, found.amount_ore) == (PayoutReason.FAILED_POOL, 30_000)
    assert found.payee_account == "bankgiro 5050-1055"


@pytest.mark.parametrize(
    ("accounts", "reason_part"),
    [
        (["", ""], "no refund account"),
        (["bankgiro 5050-1055", PAYER_IBAN], "different accounts"),
        (["bankgiro 5050-1055", ""], "no refund account"),
        (["FI2112345600000785"], "cannot be used"),
        (["Othr 123456"], "cannot be used"),
    ],
)
def test_refund_has_no_account_when_the_payments_do_not_name_one(saver, treasurer, accounts, reason_part):
    failed = PoolFactory(status=PoolStatus.FAILED, funding_rule=FundingRule.ALL_OR_NOTHING)
    pledge = money_pledge(failed, saver, amount_ore=10_000 * len(accounts))
    for account in accounts:
        pay(pledge, treasurer, 10_000, payer_account=account)
    found = candidate(f"pledge:{pledge.pk}")
    assert found.is_missing_account and found.payee_account == "" and found.payee_account_source == ""
    assert reason_part in found.missing_account_reason


def test_a_reversed_payment_does_not_count_among_the_payers(pool, saver, treasurer):
    pledge = money_pledge(pool, saver, amount_ore=20_000)
    wrong = pay(pledge, treasurer, 20_000, payer_account="bankgiro 5050-1055")
    allocation_undo(allocation=wrong.allocations.get(), by=treasurer)
    pay(pledge, treasurer, 20_000, payer_account=PAYER_IBAN)
    Pledge.objects.filter(pk=pledge.pk).update(status=PledgeStatus.CONFIRMED)
    pledge_withdraw(pledge=pledge, by=saver)
    assert candidate(f"pledge:{pledge.pk}").payee_account == PAYER_IBAN


def test_overpayment_goes_to_the_savers_iban_else_to_the_payer(pool, saver, other_saver, treasurer):
    user_set_refund_iban(user=saver, iban=SAVER_IBAN)
    own = pay(money_pledge(pool, saver, amount_ore=100), treasurer, 100, paid_ore=300, payer_account=PAYER_IBAN)
    assert candidate(f"overpayment:{own.pk}").payee_account == SAVER_IBAN
    # A payment split over two savers' pledges: its excess goes back where it came from.
    shared = payment_record(
        amount_ore=1_000, received_on=date(2026, 3, 1), channel=PaymentChannel.MANUAL, payer_account=PAYER_IBAN
    )
    parts = [(money_pledge(pool, saver, amount_ore=100), 100), (money_pledge(pool, other_saver, amount_ore=100), 100)]
    payment_match_manual(payment=shared, parts=parts, by=treasurer)
    found = candidate(f"overpayment:{shared.pk}")
    assert (found.amount_ore, found.payee_account, found.payee_account_source) == (800, PAYER_IBAN, "payer_account")


def test_beneficiary_without_a_bankgiro_is_missing_an_account(saver, treasurer):
    pool = PoolFactory(status=PoolStatus.SUCCEEDED, bankgiro="")
    pay(money_pledge(pool, saver, amount_ore=5_000), treasurer, 5_000)
    [found] = payout_candidates(kind=PayoutKind.PAYOUT)
    assert found.is_missing_account and "bankgiro" in found.missing_account_reason
    with pytest.raises(PayeeAccountMissing):
        payout_prepare(kind=PayoutKind.PAYOUT, source_keys=[found.source_key], by=treasurer)


# ---------------------------------------------------------------- no account: refused, nothing written


def test_preparing_a_line_without_an_account_is_refused_and_writes_nothing(pool, saver, treasurer):
    with_account, _p1 = withdrawn_pledge(pool, saver, treasurer, payer_account=PAYER_IBAN)
    without, _p2 = withdrawn_pledge(pool, saver, treasurer)
    before = audit_count()
    with pytest.raises(PayeeAccountMissing) as refused:
        payout_prepare(
            kind=PayoutKind.REFUND, source_keys=[f"pledge:{with_account.pk}", f"pledge:{without.pk}"], by=treasurer
        )
    assert refused.value.status == 409 and refused.value.field == "source_keys"
    assert f"pledge:{without.pk}" in str(refused.value.message)
    assert f"pledge:{with_account.pk}" not in str(refused.value.message)
    assert (PayoutBatch.objects.count(), PayoutLine.objects.count(), audit_count()) == (0, 0, before)


@pytest.fixture
def legacy_batch(pool, saver, treasurer):
    """A prepared list from before refund accounts existed: its one line has an empty account."""
    pledge, payment = withdrawn_pledge(pool, saver, treasurer)
    batch = PayoutBatch.objects.create(kind=PayoutKind.REFUND, prepared_by=treasurer, total_ore=20_000, line_count=1)
    PayoutLine.objects.create(
        batch=batch,
        reason=PayoutReason.WITHDRAWN,
        pledge=pledge,
        pool=pool,
        amount_ore=20_000,
        payee_name="Åsa",
        payee_account="",
        source_key=f"pledge:{pledge.pk}",
    )
    return batch, pledge, payment


def test_approving_a_list_with_a_line_without_an_account_is_refused(legacy_batch, second_treasurer):
    batch, _pledge, _payment = legacy_batch
    before = audit_count()
    with pytest.raises(PayeeAccountMissing):
        payout_approve(batch=batch, by=second_treasurer)
    batch.refresh_from_db()
    assert (batch.status, batch.approved_by, audit_count()) == (PayoutStatus.PREPARED, None, before)


def test_exporting_a_list_with_a_line_without_an_account_is_refused(legacy_batch, treasurer, second_treasurer):
    from django.utils import timezone

    batch, pledge, payment = legacy_batch
    PayoutBatch.objects.filter(pk=batch.pk).update(
        status=PayoutStatus.APPROVED, approved_by=second_treasurer, approved_at=timezone.now()
    )
    before = audit_count()
    for file_format in ("pain001", "csv"):
        with pytest.raises(PayeeAccountMissing):
            payout_export(batch=batch, by=treasurer, file_format=file_format)
    batch.refresh_from_db()
    pledge.refresh_from_db()
    payment.refresh_from_db()
    assert (batch.status, batch.exported_at) == (PayoutStatus.APPROVED, None)
    assert (pledge.status, payment.status) == (PledgeStatus.WITHDRAWN, PaymentStatus.MATCHED)
    assert audit_count() == before


# ---------------------------------------------------------------- the payment order's accounts


def test_pain001_names_an_iban_as_iban_and_a_bankgiro_as_bgnr(pool, saver, other_saver, treasurer, second_treasurer):
    user_set_refund_iban(user=saver, iban=SAVER_IBAN)
    by_iban, _p1 = withdrawn_pledge(pool, saver, treasurer)
    by_bankgiro, _p2 = withdrawn_pledge(pool, other_saver, treasurer, payer_account="bankgiro 5050-1055")
    by_bban, _p3 = withdrawn_pledge(pool, other_saver, treasurer, payer_account="BBAN 83279123456789")
    keys = [f"pledge:{by_iban.pk}", f"pledge:{by_bankgiro.pk}", f"pledge:{by_bban.pk}"]
    _batch, content = exported(keys, treasurer, second_treasurer)

    root = SafeET.fromstring(content)
    iban_tx, bankgiro_tx, bban_tx = root.findall(".//p:CdtTrfTxInf", PAIN)
    assert iban_tx.find("p:CdtrAcct/p:Id/p:IBAN", PAIN).text == SAVER_IBAN
    assert iban_tx.find("p:CdtrAcct/p:Id/p:Othr", PAIN) is None
    assert bankgiro_tx.find("p:CdtrAcct/p:Id/p:IBAN", PAIN) is None
    assert bankgiro_tx.find("p:CdtrAcct/p:Id/p:Othr/p:Id", PAIN).text == "50501055"
    assert bankgiro_tx.find("p:CdtrAcct/p:Id/p:Othr/p:SchmeNm/p:Prtry", PAIN).text == "BGNR"
    assert bban_tx.find("p:CdtrAcct/p:Id/p:Othr/p:Id", PAIN).text == "83279123456789"
    assert bban_tx.find("p:CdtrAcct/p:Id/p:Othr/p:SchmeNm/p:Cd", PAIN).text == "BBAN"
    account_texts = [e.text for tx in (iban_tx, bankgiro_tx, bban_tx) for e in tx.find("p:CdtrAcct", PAIN).iter()]
    assert "-" not in account_texts and "" not in account_texts
    assert root.find(".//p:GrpHdr/p:NbOfTxs", PAIN).text == "3"
    assert root.find(".//p:GrpHdr/p:CtrlSum", PAIN).text == "600.00"


def test_csv_payment_order_carries_the_account_and_its_scheme(pool, saver, treasurer, second_treasurer):
    user_set_refund_iban(user=saver, iban=SAVER_IBAN)
    pledge, _payment = withdrawn_pledge(pool, saver, treasurer)
    _batch, content = exported([f"pledge:{pledge.pk}"], treasurer, second_treasurer, file_format="csv")
    [row] = list(csv.DictReader(io.StringIO(content.decode()), delimiter=";"))
    assert (row["payee_account"], row["payee_account_scheme"], row["amount_sek"]) == (SAVER_IBAN, "IBAN", "200.00")


def test_the_list_keeps_the_account_it_was_prepared_with(pool, saver, treasurer, second_treasurer):
    user_set_refund_iban(user=saver, iban=SAVER_IBAN)
    pledge, _payment = withdrawn_pledge(pool, saver, treasurer)
    batch = payout_prepare(kind=PayoutKind.REFUND, source_keys=[f"pledge:{pledge.pk}"], by=treasurer)
    user_set_refund_iban(user=saver, iban=PAYER_IBAN)  # changed after the list was prepared
    payout_approve(batch=batch, by=second_treasurer)
    content, _type, _name = payout_export(batch=batch, by=treasurer, file_format="pain001")
    assert SafeET.fromstring(content).find(".//p:CdtrAcct/p:Id/p:IBAN", PAIN).text == SAVER_IBAN
    line = batch.lines.get()
    assert (line.payee_account, line.payee_account_source) == (SAVER_IBAN, "refund_account")


# ---------------------------------------------------------------- marking what was refunded


def _status_changes(table: str, row_id: int, status: str) -> int:
    return sum(
        1
        for event in AuditEvent.objects.filter(table_name=table, row_id=row_id, action="update")
        if event.after.get("status") == status and event.before.get("status") != status
    )


def test_export_marks_the_pledge_and_its_payment_refunded_exactly_once(pool, saver, treasurer, second_treasurer):
    pledge, payment = withdrawn_pledge(pool, saver, treasurer, payer_account=PAYER_IBAN)
    batch, first = exported([f"pledge:{pledge.pk}"], treasurer, second_treasurer)
    pledge.refresh_from_db()
    payment.refresh_from_db()
    assert (pledge.status, payment.status) == (PledgeStatus.REFUNDED, PaymentStatus.REFUNDED)

    again, _type, _name = payout_export(batch=batch, by=second_treasurer, file_format="pain001", confirm_repeat=True)
    assert SafeET.fromstring(again).find(".//p:CdtrAcct/p:Id/p:IBAN", PAIN).text == PAYER_IBAN
    assert _status_changes("pools_pledge", pledge.pk, PledgeStatus.REFUNDED) == 1
    assert _status_changes("pools_payment", payment.pk, PaymentStatus.REFUNDED) == 1
    event = AuditEvent.objects.filter(table_name="pools_payment", row_id=payment.pk).order_by("-pk").first()
    assert event.actor_id == treasurer.pk  # the one who exported first
    batch.refresh_from_db()
    assert batch.exported_by == treasurer
    assert payout_candidates(kind=PayoutKind.REFUND) == []
    assert payment not in Payment.objects.filter(status=PaymentStatus.UNMATCHED)


def test_refunded_money_leaves_the_pools_received_total(pool, saver, other_saver, treasurer, second_treasurer):
    kept = money_pledge(pool, other_saver, amount_ore=5_000)
    pay(kept, treasurer, 5_000)
    pledge, _payment = withdrawn_pledge(pool, saver, treasurer, payer_account=PAYER_IBAN)
    exported([f"pledge:{pledge.pk}"], treasurer, second_treasurer)
    assert pool_totals_figures(pool_ids=[pool.pk])[pool.pk]["received_ore"] == 5_000


def test_overpayment_refund_marks_nothing(pool, saver, treasurer, second_treasurer):
    pledge = money_pledge(pool, saver, amount_ore=10_000)
    payment = pay(pledge, treasurer, 10_000, paid_ore=15_000, payer_account=PAYER_IBAN)
    exported([f"overpayment:{payment.pk}"], treasurer, second_treasurer)
    pledge.refresh_from_db()
    payment.refresh_from_db()
    assert (pledge.status, payment.status) == (PledgeStatus.FULFILLED, PaymentStatus.MATCHED)
    assert PayoutLine.objects.get().amount_ore == 5_000


def test_payment_split_with_a_pledge_not_refunded_stays_matched(pool, saver, treasurer, second_treasurer):
    user_set_refund_iban(user=saver, iban=SAVER_IBAN)
    refunded, kept = money_pledge(pool, saver, amount_ore=100), money_pledge(pool, saver, amount_ore=200)
    payment = payment_record(amount_ore=300, received_on=date(2026, 3, 1), channel=PaymentChannel.MANUAL)
    payment_match_manual(payment=payment, parts=[(refunded, 100), (kept, 200)], by=treasurer)
    Pledge.objects.filter(pk=refunded.pk).update(status=PledgeStatus.CONFIRMED)
    pledge_withdraw(pledge=refunded, by=saver)
    exported([f"pledge:{refunded.pk}"], treasurer, second_treasurer)
    refunded.refresh_from_db()
    payment.refresh_from_db()
    assert (refunded.status, payment.status) == (PledgeStatus.REFUNDED, PaymentStatus.MATCHED)


def test_payment_is_refunded_once_its_excess_and_its_pledge_have_both_gone_back(
    pool, saver, treasurer, second_treasurer
):
    pledge = money_pledge(pool, saver, amount_ore=10_000)
    payment = pay(pledge, treasurer, 10_000, paid_ore=15_000, payer_account=PAYER_IBAN)
    exported([f"overpayment:{payment.pk}"], treasurer, second_treasurer)
    Pledge.objects.filter(pk=pledge.pk).update(status=PledgeStatus.CONFIRMED)
    pledge_withdraw(pledge=pledge, by=saver)
    exported([f"pledge:{pledge.pk}"], treasurer, second_treasurer)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED


def test_a_refunded_payments_match_cannot_be_undone(pool, saver, treasurer, second_treasurer):
    from pools.errors import AllocationError

    pledge, payment = withdrawn_pledge(pool, saver, treasurer, payer_account=PAYER_IBAN)
    exported([f"pledge:{pledge.pk}"], treasurer, second_treasurer)
    with pytest.raises(AllocationError):
        allocation_undo(allocation=payment.allocations.get(), by=treasurer)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED and payment.allocations.count() == 1


def test_the_audit_trail_records_where_a_lines_account_came_from(pool, saver, treasurer):
    pledge, _payment = withdrawn_pledge(pool, saver, treasurer, payer_account=PAYER_IBAN)
    batch = payout_prepare(kind=PayoutKind.REFUND, source_keys=[f"pledge:{pledge.pk}"], by=treasurer)
    line = batch.lines.get()
    insert = AuditEvent.objects.get(table_name="treasury_payoutline", row_id=line.pk, action="insert")
    assert insert.after["payee_account"] == PAYER_IBAN
    assert insert.after["payee_account_source"] == "payer_account"
    PayoutLine.objects.filter(pk=line.pk).update(payee_account_source="refund_account")  # bulk: still recorded
    update = AuditEvent.objects.get(table_name="treasury_payoutline", row_id=line.pk, action="update")
    assert update.changed_fields == ["payee_account_source"]
