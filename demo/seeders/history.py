"""A believable past for the demo village: the services record everything "now", so after seeding this step
moves the rows made in this run back in time, so that reports as of a past date, the monthly charts and the
fair's conversion report show real figures on a fresh demo.

- Pools opened about six months ago.
- Online pledges spread over the last five and a half months; monthly support saving paid month by month
  since (most savers keep up, some fall behind), other payments a few days to three weeks after the pledge.
- The past fair's cards on its evening, confirmations in the days after it, payments after confirmation and
  the owner's follow-up notes during the follow-up.

Deterministic (spread by primary key), and idempotent: only rows created since `since` are moved.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from invest.fairs.models import Fair, Pitch, PledgeFollowUp
from pools.banking_days import add_months, next_banking_day
from pools.models import Payment, PaymentAllocation, PaymentChannel, Pledge, PledgeKind, PledgeSource, Pool
from pools.services import payment_allocate, payment_record

HISTORY_DAYS = 170


def _at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _move_payment(payment_id: int, received_on: date) -> None:
    """A payment received on a past day, recorded (imported) the next banking day."""
    today = timezone.localdate()
    received_on = min(received_on, today - timedelta(days=1))
    recorded = min(next_banking_day(received_on + timedelta(days=1)), today)
    Payment.objects.filter(pk=payment_id).update(received_on=received_on, created_at=_at(recorded, 9))
    PaymentAllocation.objects.filter(payment_id=payment_id).update(
        created_at=_at(recorded, 9, 30),
        received_on=received_on,  # a match carries its payment's day
    )


def backdate(*, since: datetime) -> None:
    """Move the demo rows created since `since` into the last months (see the module's docstring)."""
    today = timezone.localdate()
    start = today - timedelta(days=HISTORY_DAYS + 10)
    Pool.objects.filter(created_at__gte=since, opens_on__gt=start).update(opens_on=start)
    Pool.objects.filter(created_at__gte=since).update(created_at=_at(start, 10))

    fair_pools = set(Pitch.objects.exclude(pool=None).values_list("pool_id", flat=True))
    online = (
        Pledge.objects.filter(created_at__gte=since)
        .exclude(source=PledgeSource.FAIR_CARD)
        .exclude(pool_id__in=fair_pools)
        .exclude(saver=None)
        .order_by("pk")
    )
    for pledge in online:
        pledged_on = today - timedelta(days=10 + (pledge.pk * 37) % HISTORY_DAYS)
        starts_on = next_banking_day(pledged_on) if pledge.monthly_ore else pledge.starts_on
        Pledge.objects.filter(pk=pledge.pk).update(
            created_at=_at(pledged_on, 8 + pledge.pk % 12, pledge.pk % 60),
            confirmed_at=_at(pledged_on, 20) if pledge.confirmed_at else None,
            receipt_sent_at=_at(pledged_on, 21),
            starts_on=starts_on,
        )
        for index, payment_id in enumerate(
            PaymentAllocation.objects.filter(pledge=pledge).values_list("payment_id", flat=True).order_by("pk")
        ):
            _move_payment(payment_id, pledged_on + timedelta(days=3 + (pledge.pk * 7 + index) % 19))
        if pledge.kind == PledgeKind.SUPPORT_SAVING and pledge.monthly_ore and pledge.months and starts_on:
            _monthly_saving(pledge, starts_on, today)

    for fair in Fair.objects.filter(created_at__gte=since, held_on__lt=today):
        _fair_history(fair, since)


def _monthly_saving(pledge: Pledge, starts_on: date, today: date) -> None:
    """The saver's monthly deposits as reported balances: most keep up, every fifth saver stops after two."""
    for month in range(int(pledge.months or 0)):
        due = add_months(starts_on, month)
        if due >= today or (pledge.pk % 5 == 0 and month >= 2):
            break
        payment = payment_record(
            amount_ore=int(pledge.monthly_ore or 0),
            received_on=due,
            channel=PaymentChannel.MANUAL,
            reference=pledge.ocr_reference or "",
            payer_name=pledge.pledger_name,
        )
        payment_allocate(payment=payment, parts=[(pledge, int(pledge.monthly_ore or 0))], by=None)
        _move_payment(payment.pk, due)


def _fair_history(fair: Fair, since: datetime) -> None:
    """The fair's evening, its confirmations and payments in the days after it, and the follow-up notes."""
    evening = fair.held_on
    Fair.objects.filter(pk=fair.pk).update(
        created_at=_at(evening - timedelta(days=45), 10),
        live_at=_at(evening, 18, 30),
        follow_up_at=_at(evening, 21, 45),
    )
    Pitch.objects.filter(fair=fair).update(
        applied_at=_at(evening - timedelta(days=40), 11),
        chosen_at=_at(evening - timedelta(days=30), 11),
        confirmed_at=_at(evening - timedelta(days=25), 11),
    )
    pool_ids = list(Pitch.objects.filter(fair=fair).exclude(pool=None).values_list("pool_id", flat=True))
    cards = Pledge.objects.filter(Q(pool_id__in=pool_ids), source=PledgeSource.FAIR_CARD, created_at__gte=since)
    days_since = max((timezone.localdate() - evening).days, 1)
    for pledge in cards.order_by("pk"):
        confirmed_on = evening + timedelta(days=1 + pledge.pk % max(days_since - 1, 1))
        Pledge.objects.filter(pk=pledge.pk).update(
            created_at=_at(evening, 19, pledge.pk % 60),
            receipt_sent_at=_at(evening, 21, 50),
            confirmed_at=_at(confirmed_on, 20) if pledge.confirmed_at else None,
        )
        for payment_id in PaymentAllocation.objects.filter(pledge=pledge).values_list("payment_id", flat=True):
            _move_payment(payment_id, confirmed_on + timedelta(days=1 + pledge.pk % 3))
        PledgeFollowUp.objects.filter(pledge=pledge).update(created_at=_at(confirmed_on, 17))
