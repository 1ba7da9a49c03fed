"""A match carries its payment's day (PaymentAllocation.received_on, copied as its pool is): reports as of a day read
a community's matches with their day from one index (issue #17's national report). Every way a match is written
copies it (imported with a bank file: bulk insert on SQLite, COPY on PostgreSQL; matched by hand; undone; taken
back in part), and the migration gave the matches already there their payment's day without an audit row each."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F

from pools.models import Payment, PaymentAllocation, PaymentChannel
from pools.services import allocation_reverse, payment_allocate, payment_record
from tests.treasury.builders import BgPayment, bgmax
from tests.treasury.helpers import money_pledge, ocr
from treasury.services import bankfile_import


def _copies_agree() -> int:
    """How many matches there are; every one has its payment's day and its pledge's pool."""
    matches = PaymentAllocation.objects.all()
    assert not matches.exclude(received_on=F("payment__received_on")).exists()
    assert not matches.exclude(pool_id=F("pledge__pool_id")).exists()
    return matches.count()


@pytest.mark.django_db
def test_every_way_a_match_is_written_carries_its_payments_day(pool, treasurer):
    imported = money_pledge(pool, amount_ore=10_000, reference=ocr(701))
    by_hand = money_pledge(pool, amount_ore=4_000, reference=ocr(702))
    bankfile_import(
        content=bgmax([BgPayment(10_000, ocr(701))], booked_on=date(2026, 3, 6)), filename="in.txt", by=treasurer
    )
    assert PaymentAllocation.objects.get(pledge=imported).received_on == date(2026, 3, 6)
    # A deduction booked later takes part of the match back: the reversal and the rest keep the payment's day.
    deduction = bgmax(
        [BgPayment(9_000, ocr(899)), BgPayment(3_000, ocr(701), deduction=True)],
        stamp="20260310061530123456",
        booked_on=date(2026, 3, 10),
    )
    bankfile_import(content=deduction, filename="ded.txt", by=treasurer)
    assert sorted(PaymentAllocation.objects.filter(pledge=imported).values_list("amount_ore", "received_on")) == [
        (-10_000, date(2026, 3, 6)),
        (7_000, date(2026, 3, 6)),
        (10_000, date(2026, 3, 6)),
    ]
    payment = payment_record(amount_ore=4_000, received_on=date(2026, 2, 27), channel=PaymentChannel.MANUAL)
    [match] = payment_allocate(payment=payment, parts=[(by_hand, 4_000)], by=treasurer)
    assert match.received_on == date(2026, 2, 27)
    allocation_reverse(allocation=match, by=treasurer)
    assert _copies_agree() == 5


@pytest.mark.django_db
def test_a_match_made_without_its_day_is_refused_by_the_database(pool):
    """The column is NOT NULL: a path that forgot to copy the day fails loudly instead of hiding money from a
    report."""
    from django.db import IntegrityError, transaction

    pledge = money_pledge(pool, amount_ore=1_000, reference=ocr(703))
    payment = Payment.objects.create(amount_ore=1_000, received_on=date(2026, 3, 1), channel=PaymentChannel.MANUAL)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentAllocation.objects.bulk_create(
            [PaymentAllocation(payment=payment, pledge=pledge, pool_id=pledge.pool_id, amount_ore=1_000)]
        )


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_matches_their_payments_day_without_audit_rows():
    executor = MigrationExecutor(connection)
    before = [("pools", "0016_report_cover_indexes")]
    executor.migrate(before)
    executor.loader.build_graph()
    old = executor._create_project_state(with_applied_migrations=True).apps
    User = old.get_model("accounts", "User")
    Community = old.get_model("communities", "Community")
    Project = old.get_model("invest", "Project")
    Pool = old.get_model("pools", "Pool")
    Pledge = old.get_model("pools", "Pledge")
    OldPayment = old.get_model("pools", "Payment")
    OldAllocation = old.get_model("pools", "PaymentAllocation")
    community = Community.objects.first() or Community.objects.create(name="By", slug="by")
    saver = User.objects.create(email="sparare@example.se", password="!")
    project = Project.objects.create(owner=saver, name="Butik", slug="butik", place="By", community=community)
    pool = Pool.objects.create(
        title="P", slug="p", project=project, community=community, kind="fair", target_ore=100_000,
        opens_on=date(2026, 1, 1), closes_on=date(2026, 6, 1),
    )  # fmt: skip
    days = [date(2026, 2, 3), date(2026, 3, 4)]
    for n, day in enumerate(days):
        pledge = Pledge.objects.create(pool=pool, saver=saver, kind="gift", amount_ore=5_000, ocr_reference=ocr(n))
        payment = OldPayment.objects.create(amount_ore=5_000, received_on=day, channel="manual")
        OldAllocation.objects.create(payment=payment, pledge=pledge, pool=pool, amount_ore=5_000)

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from treasury.models import AuditEvent

    assert sorted(PaymentAllocation.objects.values_list("received_on", flat=True)) == days
    assert _copies_agree() == 2
    assert not AuditEvent.objects.filter(table_name="pools_paymentallocation", action="update").exists()
    # The audit triggers were installed again, with the new column.
    PaymentAllocation.objects.filter(received_on=days[0]).update(note="checked")
    [event] = AuditEvent.objects.filter(table_name="pools_paymentallocation", action="update")
    assert event.after["received_on"] == days[0].isoformat() and event.after["note"] == "checked"
