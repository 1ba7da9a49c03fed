"""Money going out: refund and payout lists, four eyes, export only after approval."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from accounts.services import user_set_refund_iban
from pools.models import FundingRule, PaymentChannel, PledgeStatus, PoolStatus
from pools.services import payment_record, pledge_withdraw
from tests.treasury.helpers import money_pledge
from treasury.errors import FourEyesViolation, NotApproved, PayoutError
from treasury.models import PayoutBatch, PayoutKind, PayoutReason, PayoutStatus
from treasury.selectors import payout_candidates
from treasury.services import payment_match_manual, payout_approve, payout_cancel, payout_export, payout_prepare

pytestmark = pytest.mark.django_db
SAVER_IBAN = "SE4550000000058398257466"


@pytest.fixture
def overpayment(pool, saver, treasurer):
    pledge = money_pledge(pool, saver, amount_ore=10_000)
    payment = payment_record(
        amount_ore=15_000,
        received_on=date(2026, 3, 1),
        channel=PaymentChannel.MANUAL,
        payer_name="Åke Ström",
        payer_account="bankgiro 5050-1055",
    )
    payment_match_manual(payment=payment, parts=[(pledge, 10_000)], by=treasurer)
    return payment


def test_overpayment_excess_is_a_refund_candidate(overpayment):
    [candidate] = payout_candidates(kind=PayoutKind.REFUND)
    assert candidate.reason == PayoutReason.OVERPAYMENT
    assert candidate.amount_ore == 5_000
    assert candidate.payment_id == overpayment.pk


def test_withdrawn_pledge_and_failed_pool_with_money_are_refund_candidates(pool, saver, other_saver, treasurer):
    withdrawn = money_pledge(pool, saver, amount_ore=20_000)
    payment = payment_record(amount_ore=20_000, received_on=date(2026, 3, 1), channel=PaymentChannel.MANUAL)
    payment_match_manual(payment=payment, parts=[(withdrawn, 20_000)], by=treasurer)
    withdrawn.refresh_from_db()
    from pools.models import Pledge

    Pledge.objects.filter(pk=withdrawn.pk).update(status=PledgeStatus.CONFIRMED)
    pledge_withdraw(pledge=withdrawn, by=saver)
    from tests.factories import PoolFactory

    failed_pool = PoolFactory(status=PoolStatus.FAILED, funding_rule=FundingRule.ALL_OR_NOTHING)
    failed = money_pledge(failed_pool, other_saver, amount_ore=30_000)
    payment2 = payment_record(amount_ore=30_000, received_on=date(2026, 3, 1), channel=PaymentChannel.MANUAL)
    payment_match_manual(payment=payment2, parts=[(failed, 30_000)], by=treasurer)

    found = {c.source_key: c for c in payout_candidates(kind=PayoutKind.REFUND)}
    assert found[f"pledge:{withdrawn.pk}"].reason == PayoutReason.WITHDRAWN
    assert found[f"pledge:{withdrawn.pk}"].amount_ore == 20_000
    assert found[f"pledge:{failed.pk}"].reason == PayoutReason.FAILED_POOL
    assert found[f"pledge:{failed.pk}"].amount_ore == 30_000


def test_refund_cannot_be_exported_without_a_second_approver(overpayment, treasurer, second_treasurer):
    batch = payout_prepare(kind=PayoutKind.REFUND, source_keys=[f"overpayment:{overpayment.pk}"], by=treasurer)
    assert (batch.total_ore, batch.line_count, batch.status) == (5_000, 1, PayoutStatus.PREPARED)

    with pytest.raises(NotApproved):
        payout_export(batch=batch, by=treasurer, file_format="csv")
    with pytest.raises(FourEyesViolation):
        payout_approve(batch=batch, by=treasurer)
    batch.refresh_from_db()
    assert batch.status == PayoutStatus.PREPARED and batch.exported_at is None

    payout_approve(batch=batch, by=second_treasurer)
    content, content_type, filename = payout_export(batch=batch, by=treasurer, file_format="csv")
    batch.refresh_from_db()
    assert batch.status == PayoutStatus.EXPORTED and batch.approved_by == second_treasurer
    text = content.decode()
    assert "Åke Ström" in text and "50.00" in text
    assert filename.endswith(".csv")


def test_database_refuses_approval_by_the_preparer(overpayment, treasurer):
    batch = payout_prepare(kind=PayoutKind.REFUND, source_keys=[f"overpayment:{overpayment.pk}"], by=treasurer)
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutBatch.objects.filter(pk=batch.pk).update(approved_by=treasurer)


def test_database_refuses_an_exported_batch_without_approval(overpayment, treasurer):
    from django.utils import timezone

    batch = payout_prepare(kind=PayoutKind.REFUND, source_keys=[f"overpayment:{overpayment.pk}"], by=treasurer)
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutBatch.objects.filter(pk=batch.pk).update(status=PayoutStatus.EXPORTED, exported_at=timezone.now())


def test_a_user_without_approve_permission_cannot_approve(overpayment, treasurer, organiser):
    batch = payout_prepare(kind=PayoutKind.REFUND, source_keys=[f"overpayment:{overpayment.pk}"], by=treasurer)
    with pytest.raises(FourEyesViolation):
        payout_approve(batch=batch, by=organiser)


def test_the_same_refund_cannot_be_in_two_live_lists(overpayment, treasurer):
    key = f"overpayment:{overpayment.pk}"
    batch = payout_prepare(kind=PayoutKind.REFUND, source_keys=[key], by=treasurer)
    with pytest.raises(PayoutError):
        payout_prepare(kind=PayoutKind.REFUND, source_keys=[key], by=treasurer)
    payout_cancel(batch=batch, by=treasurer)
    again = payout_prepare(kind=PayoutKind.REFUND, source_keys=[key], by=treasurer)
    assert again.total_ore == 5_000


def test_unknown_candidate_key_is_refused(treasurer):
    with pytest.raises(PayoutError):
        payout_prepare(kind=PayoutKind.REFUND, source_keys=["overpayment:999999"], by=treasurer)
    with pytest.raises(PayoutError):
        payout_prepare(kind="steal", source_keys=["x"], by=treasurer)


def test_pain001_export_of_an_approved_withdrawn_refund_marks_the_pledge_refunded(
    pool, saver, treasurer, second_treasurer
):
    pledge = money_pledge(pool, saver, amount_ore=20_000)
    payment = payment_record(amount_ore=20_000, received_on=date(2026, 3, 1), channel=PaymentChannel.MANUAL)
    payment_match_manual(payment=payment, parts=[(pledge, 20_000)], by=treasurer)
    from pools.models import Pledge

    Pledge.objects.filter(pk=pledge.pk).update(status=PledgeStatus.CONFIRMED)
    pledge_withdraw(pledge=pledge, by=saver)
    user_set_refund_iban(user=saver, iban=SAVER_IBAN)
    batch = payout_prepare(kind=PayoutKind.REFUND, source_keys=[f"pledge:{pledge.pk}"], by=treasurer)
    payout_approve(batch=batch, by=second_treasurer, confirm_recent_accounts=True)  # the account is new
    content, content_type, _name = payout_export(batch=batch, by=second_treasurer, file_format="pain001")
    assert content_type == "application/xml"
    import defusedxml.ElementTree as SafeET

    root = SafeET.fromstring(content)
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
    assert root.find(".//p:GrpHdr/p:CtrlSum", ns).text == "200.00"
    assert root.find(".//p:GrpHdr/p:NbOfTxs", ns).text == "1"
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.REFUNDED
    assert payout_candidates(kind=PayoutKind.REFUND) == []


def test_payout_to_beneficiary_of_a_succeeded_pool(pool, saver, treasurer, second_treasurer):
    pledge = money_pledge(pool, saver, amount_ore=20_000)
    payment = payment_record(amount_ore=20_000, received_on=date(2026, 3, 1), channel=PaymentChannel.MANUAL)
    payment_match_manual(payment=payment, parts=[(pledge, 20_000)], by=treasurer)
    from pools.models import Pool

    Pool.objects.filter(pk=pool.pk).update(status=PoolStatus.SUCCEEDED)
    [candidate] = payout_candidates(kind=PayoutKind.PAYOUT)
    assert candidate.amount_ore == 20_000 and candidate.payee_account == f"bankgiro {pool.bankgiro}"
    assert candidate.payee_account_source == "beneficiary"
    batch = payout_prepare(kind=PayoutKind.PAYOUT, source_keys=[candidate.source_key], by=second_treasurer)
    payout_approve(batch=batch, by=treasurer)
    assert payout_candidates(kind=PayoutKind.PAYOUT) == []


def _approved(overpayment, treasurer, second_treasurer) -> PayoutBatch:
    batch = payout_prepare(kind=PayoutKind.REFUND, source_keys=[f"overpayment:{overpayment.pk}"], by=treasurer)
    return payout_approve(batch=batch, by=second_treasurer)


def test_a_second_export_in_any_format_needs_an_explicit_confirmation(overpayment, treasurer, second_treasurer):
    from treasury.errors import PayoutAlreadyExported

    batch = _approved(overpayment, treasurer, second_treasurer)
    payout_export(batch=batch, by=treasurer, file_format="csv")
    for file_format in ("csv", "pain001"):
        with pytest.raises(PayoutAlreadyExported) as refused:
            payout_export(batch=batch, by=treasurer, file_format=file_format)
        assert (refused.value.code, refused.value.status) == ("payout_already_exported", 409)
    content, _type, _name = payout_export(batch=batch, by=treasurer, file_format="pain001", confirm_repeat=True)
    assert b"pain.001.001.03" in content


@pytest.mark.parametrize(
    "today, requested",
    [
        ("2026-12-06T10:00:00+01:00", "2026-12-07"),  # a Sunday: Monday
        ("2026-12-24T10:00:00+01:00", "2026-12-28"),  # Christmas Eve, Christmas, Boxing Day, Sunday
        ("2026-12-08T10:00:00+01:00", "2026-12-08"),  # a Tuesday stays
    ],
)
def test_requested_payment_date_is_a_swedish_banking_day(overpayment, treasurer, second_treasurer, today, requested):
    import defusedxml.ElementTree as SafeET
    import time_machine

    batch = _approved(overpayment, treasurer, second_treasurer)
    with time_machine.travel(today, tick=False):
        content, _type, _name = payout_export(batch=batch, by=treasurer, file_format="pain001")
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
    assert SafeET.fromstring(content).find(".//p:PmtInf/p:ReqdExctnDt", ns).text == requested
