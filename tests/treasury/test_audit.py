"""The audit trail: database triggers record every change to money records, QuerySet.update() included."""

from __future__ import annotations

from datetime import date

import pytest

from pools.models import Payment, PaymentChannel, PaymentStatus, Pledge, PledgeStatus, Pool, PoolStatus
from pools.services import payment_record
from tests.treasury.helpers import money_pledge
from tests.twofactor import login_verified
from treasury.audit import audit_actor
from treasury.models import AuditEvent
from treasury.services import allocation_undo, payment_match_manual

pytestmark = pytest.mark.django_db


def events(table: str, row_id: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(table_name=table, row_id=row_id).order_by("pk"))


def _queryset_update_is_recorded(treasurer) -> None:
    payment = payment_record(amount_ore=10_000, received_on=date(2026, 3, 1), channel=PaymentChannel.MANUAL)
    with audit_actor(treasurer):
        changed = Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.REFUNDED, note="bulk")
    assert changed == 1
    update = events("pools_payment", payment.pk)[-1]
    assert update.action == "update"
    assert update.before["status"] == "unmatched"
    assert update.after["status"] == "refunded"
    assert update.after["note"] == "bulk"
    assert update.actor_id == treasurer.pk


def test_queryset_update_is_recorded_with_actor(treasurer):
    _queryset_update_is_recorded(treasurer)


@pytest.mark.postgres
def test_queryset_update_is_recorded_on_postgresql(treasurer):
    _queryset_update_is_recorded(treasurer)


def _bulk_writes_are_recorded(pool) -> None:
    created = Payment.objects.bulk_create(
        [Payment(amount_ore=100 + i, received_on=date(2026, 3, 1), channel=PaymentChannel.MANUAL) for i in range(3)]
    )
    assert AuditEvent.objects.filter(table_name="pools_payment", action="insert").count() >= 3
    Pool.objects.filter(pk=pool.pk).update(status=PoolStatus.FAILED)
    pool_event = events("pools_pool", pool.pk)[-1]
    assert (pool_event.before["status"], pool_event.after["status"]) == ("open", "failed")
    assert pool_event.actor_id is None  # no user acted: a bulk write outside any request or service
    Payment.objects.filter(pk__in=[p.pk for p in created]).delete()
    assert AuditEvent.objects.filter(table_name="pools_payment", action="delete").count() == 3


def test_bulk_create_update_and_delete_are_recorded(pool):
    _bulk_writes_are_recorded(pool)


@pytest.mark.postgres
def test_bulk_create_update_and_delete_are_recorded_on_postgresql(pool):
    _bulk_writes_are_recorded(pool)


def test_pool_changes_other_than_status_are_not_recorded(pool):
    Pool.objects.filter(pk=pool.pk).update(description="new words")
    assert [e.action for e in events("pools_pool", pool.pk)] == ["insert"]


def test_match_and_reversal_record_who_and_when(pool, saver, treasurer, second_treasurer):
    pledge = money_pledge(pool, saver, amount_ore=50_000)
    payment = payment_record(amount_ore=50_000, received_on=date(2026, 3, 2), channel=PaymentChannel.MANUAL)
    [allocation] = payment_match_manual(payment=payment, parts=[(pledge, 50_000)], by=treasurer)
    reversal = allocation_undo(allocation=allocation, by=second_treasurer)

    match_event = events("pools_paymentallocation", allocation.pk)[0]
    assert match_event.actor_id == treasurer.pk and match_event.after["amount_ore"] == 50_000
    undo_event = events("pools_paymentallocation", reversal.pk)[0]
    assert undo_event.actor_id == second_treasurer.pk and undo_event.after["amount_ore"] == -50_000
    pledge_changes = [e for e in events("pools_pledge", pledge.pk) if e.action == "update"]
    assert [e.after["status"] for e in pledge_changes] == [PledgeStatus.FULFILLED, PledgeStatus.PLEDGED]
    assert [e.actor_id for e in pledge_changes] == [treasurer.pk, second_treasurer.pk]
    assert Pledge.objects.filter(pk=pledge.pk).exists()


def test_request_user_is_the_actor_of_a_page_write(client, treasurer, pool, saver):
    pledge = money_pledge(pool, saver, amount_ore=10_000)
    payment = payment_record(amount_ore=10_000, received_on=date(2026, 3, 2), channel=PaymentChannel.MANUAL)
    login_verified(client, treasurer)
    response = client.post(
        f"/treasury/payments/{payment.pk}/match/",
        {"pledge_1": pledge.pk, "amount_1": "100,00"},
    )
    assert response.status_code == 302, response.content[:500]
    assert events("pools_payment", payment.pk)[-1].actor_id == treasurer.pk


@pytest.mark.postgres
def test_audit_rows_cannot_be_changed_or_deleted_on_postgresql(pool):
    from django.db import DatabaseError, transaction

    event = AuditEvent.objects.filter(table_name="pools_pool", row_id=pool.pk).first()
    assert event is not None
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(actor_id=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk, actor_id=event.actor_id).exists()


def test_the_offer_tables_are_in_the_audit_trail(saver, owner) -> None:
    """Sheet versions, assessments, regulated pledges, offer events and lender payments write audit rows (their
    triggers are installed by the pools offers_lender_payments migration)."""
    from datetime import timedelta

    from django.utils import timezone

    from pools.models import PledgeKind
    from pools.offers.models import InvestorAssessment, KeyInfoSheet, LenderPayment, OfferEvent, RegulatedPledge
    from pools.offers.services import lender_payment_record
    from pools.services import pledge_create
    from tests.pools.offers_helpers import assessed, regulated_loan_pool

    pool = regulated_loan_pool(owner=owner)
    with audit_actor(saver):
        assessment = assessed(saver)
        pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=100_000)
    with audit_actor(owner):
        payment = lender_payment_record(
            pool=pool,
            by=owner,
            pledge_id=pledge.pk,
            kind="interest",
            amount_ore=1_000,
            paid_on=timezone.localdate() - timedelta(days=1),
        )
    sheet = KeyInfoSheet.objects.get(pool=pool)
    record = RegulatedPledge.objects.get(pledge=pledge)
    for table, row_id in (
        ("pools_keyinfosheet", sheet.pk),
        ("pools_investorassessment", assessment.pk),
        ("pools_regulatedpledge", record.pk),
        ("pools_lenderpayment", payment.pk),
    ):
        assert events(table, row_id), table
    assert events("pools_investorassessment", assessment.pk)[0].actor_id == saver.pk
    assert events("pools_lenderpayment", payment.pk)[0].after["amount_ore"] == 1_000
    event = OfferEvent.objects.filter(kind="regulated_pledge", pledge=pledge).get()
    assert events("pools_offerevent", event.pk)[0].action == "insert"
    assert InvestorAssessment.objects.filter(pk=assessment.pk).exists() and LenderPayment.objects.exists()
