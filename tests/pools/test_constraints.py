"""The database itself refuses what must never be true, even when the service layer is bypassed.

Runs on SQLite by default and on PostgreSQL in CI's second pass (DATABASE_URL).
"""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from pools.models import Payment, PaymentAllocation, Pledge, PledgeKind, PledgeSource, Pool, PoolKind
from pools.references import ocr_generate
from tests.factories import PoolFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def money_pledge(pool, saver, **overrides):
    fields = dict(pool=pool, saver=saver, kind=PledgeKind.GIFT, amount_ore=10_000, ocr_reference=ocr_generate())
    fields.update(overrides)
    return Pledge.objects.create(**fields)


def test_negative_or_zero_pledge_amount_is_refused(pool, saver):
    refused(lambda: money_pledge(pool, saver, amount_ore=-100))
    refused(lambda: money_pledge(pool, saver, amount_ore=0))


def test_unknown_status_is_refused_even_by_a_raw_update(pool, saver):
    pledge = money_pledge(pool, saver)
    refused(lambda: Pledge.objects.filter(pk=pledge.pk).update(status="stolen"))
    refused(lambda: Pool.objects.filter(pk=pool.pk).update(status="whatever"))
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE pools_pledge SET status = %s WHERE id = %s", ["bogus", pledge.pk])


def test_money_pledge_needs_amount_and_reference(pool, saver):
    refused(lambda: money_pledge(pool, saver, amount_ore=None))
    refused(lambda: money_pledge(pool, saver, ocr_reference=None))


def test_non_money_pledge_needs_description_and_no_money(pool, saver):
    refused(lambda: Pledge.objects.create(pool=pool, saver=saver, kind=PledgeKind.TIME, description=""))
    refused(
        lambda: Pledge.objects.create(
            pool=pool, saver=saver, kind=PledgeKind.SKILL, description="Snickeri", amount_ore=500
        )
    )
    Pledge.objects.create(pool=pool, saver=saver, kind=PledgeKind.SKILL, description="Snickeri")


def test_ocr_reference_is_unique(pool, saver):
    reference = ocr_generate()
    money_pledge(pool, saver, ocr_reference=reference)
    refused(lambda: money_pledge(pool, saver, ocr_reference=reference))


def test_monthly_saving_must_multiply_out(pool, saver):
    refused(
        lambda: money_pledge(
            pool, saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=10_000, months=12, amount_ore=100_000
        )
    )
    money_pledge(pool, saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=10_000, months=12, amount_ore=120_000)


def test_online_pledge_needs_a_saver(pool):
    refused(lambda: money_pledge(pool, None, source=PledgeSource.ONLINE))
    money_pledge(pool, None, source=PledgeSource.FAIR_CARD, contact_name="Anna")


def test_pool_rules(db):
    project = ProjectFactory()
    today = timezone.localdate()
    base = dict(kind=PoolKind.SUPPORT_SAVING, project=project, opens_on=today, closes_on=today + timedelta(days=9))
    refused(lambda: Pool.objects.create(title="a", slug="a", target_ore=-1, **base))
    refused(lambda: Pool.objects.create(title="b", slug="b", target_ore=100, currency="EUR", **base))
    refused(lambda: Pool.objects.create(title="c", slug="c", target_ore=100, minimum_ore=200, **base))
    refused(lambda: Pool.objects.create(title="d", slug="d", **base))  # no target at all
    refused(
        lambda: Pool.objects.create(
            title="e", slug="e", target_ore=100, **{**base, "closes_on": today - timedelta(days=1)}
        )
    )
    refused(
        lambda: Pool.objects.create(
            title="f", slug="f", target_ore=100, **{**base, "kind": PoolKind.SHARE_OFFER}
        )  # a share offer needs a share price
    )
    PoolFactory(project=project)


def test_payment_amount_positive_and_allocation_signs(pool, saver):
    refused(lambda: Payment.objects.create(amount_ore=-1, received_on=timezone.localdate(), channel="manual"))
    refused(lambda: Payment.objects.create(amount_ore=1, received_on=timezone.localdate(), channel="cash"))
    payment = Payment.objects.create(amount_ore=500, received_on=timezone.localdate(), channel="manual")
    pledge = money_pledge(pool, saver)
    refused(lambda: PaymentAllocation.objects.create(payment=payment, pledge=pledge, amount_ore=-5))
    first = PaymentAllocation.objects.create(payment=payment, pledge=pledge, amount_ore=500)
    refused(lambda: PaymentAllocation.objects.create(payment=payment, pledge=pledge, amount_ore=500, reverses=first))
