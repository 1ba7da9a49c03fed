"""Pool totals: exact figures from the rows, recomputed (never incremented), reconciled in batches."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pools.models import PledgeKind, PledgeSource, PledgeStatus, PoolKind, PoolTotals
from pools.services import (
    payment_allocate,
    payment_record,
    pledge_create,
    pledge_krona_months,
    pledge_withdraw,
)
from pools.totals import pool_totals_figures, pool_totals_recompute, pool_totals_reconcile
from tests.factories import PoolFactory, ShareOfferPoolFactory, UserFactory

pytestmark = pytest.mark.django_db


def _monthly(pool, saver, monthly_ore=10_000, months=12):
    return pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=monthly_ore, months=months)


def test_recompute_gives_every_figure_from_the_rows(saver, other_saver, treasurer):
    pool = PoolFactory(minimum_ore=1_000_000)
    _monthly(pool, saver, monthly_ore=10_000, months=12)  # 1 200 kr
    pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=500_000, term_months=6)
    pledge_create(pool=pool, saver=other_saver, kind=PledgeKind.TIME, description="Snickeri", quantity=Decimal("7.5"))
    pledge_create(pool=pool, saver=other_saver, kind=PledgeKind.SKILL, description="Bokföring")
    pledge_create(
        pool=pool, saver=None, source=PledgeSource.FAIR_CARD, kind=PledgeKind.SUPPORT_SAVING,
        amount_ore=100_000, term_months=12, contact_name="Kort", contact_email="kort@example.se",
    )  # fmt: skip
    withdrawn = pledge_create(
        pool=pool, saver=other_saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=9_900, term_months=1
    )
    pledge_withdraw(pledge=withdrawn, by=other_saver)

    totals = pool_totals_recompute(pool_id=pool.pk)

    assert totals.pledged_ore == 120_000 + 500_000 + 100_000
    assert totals.received_ore == 0
    assert totals.outstanding_ore == 720_000
    assert totals.pledge_count == 5
    assert totals.money_pledge_count == 3
    assert totals.non_money_pledge_count == 2
    assert totals.saver_count == 3  # two accounts and one anonymous card
    assert totals.hours == Decimal("7.50")
    expected_points = (
        pledge_krona_months(amount_ore=120_000, monthly_ore=10_000, months=12, term_months=None)
        + pledge_krona_months(amount_ore=500_000, monthly_ore=None, months=None, term_months=6)
        + pledge_krona_months(amount_ore=100_000, monthly_ore=None, months=None, term_months=12)
    )
    assert totals.estimated_points == expected_points == 100 * 78 + 5_000 * 6 + 1_000 * 12
    assert totals.percent_of_target == Decimal("0.72")  # 7 200 kr of 1 000 000 kr
    assert totals.percent_of_minimum == Decimal("72.00")
    assert totals.computed_at is not None


def test_received_counts_matches_and_reversals(saver, treasurer):
    pool = ShareOfferPoolFactory()
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SHARE, share_count=4)  # 2 000 kr
    payment = payment_record(amount_ore=150_000, received_on=pool.opens_on, channel="manual")
    payment_allocate(payment=payment, parts=[(pledge, 150_000)], by=treasurer)

    totals = pool_totals_recompute(pool_id=pool.pk)

    assert (totals.pledged_ore, totals.received_ore, totals.outstanding_ore) == (200_000, 150_000, 50_000)
    assert totals.estimated_points == 0  # points only for support saving


def test_points_target_percent_uses_points(saver):
    pool = PoolFactory(target_ore=None, target_points=15_600)
    _monthly(pool, saver, monthly_ore=20_000, months=12)  # 200 kr × 78 = 15 600 krona-months
    totals = pool_totals_recompute(pool_id=pool.pk)
    assert totals.estimated_points == 15_600
    assert totals.percent_of_target == Decimal("100.00")


def test_recompute_twice_changes_nothing(saver):
    pool = PoolFactory()
    _monthly(pool, saver)
    first = pool_totals_recompute(pool_id=pool.pk)
    second = pool_totals_recompute(pool_id=pool.pk)
    fields = ["pledged_ore", "saver_count", "pledge_count", "estimated_points", "percent_of_target"]
    assert [getattr(first, f) for f in fields] == [getattr(second, f) for f in fields]
    assert PoolTotals.objects.filter(pool=pool).count() == 1


def test_recompute_overwrites_a_wrong_stored_total(saver):
    pool = PoolFactory()
    _monthly(pool, saver)
    PoolTotals.objects.filter(pool=pool).update(pledged_ore=999_999_999, saver_count=42)
    totals = pool_totals_recompute(pool_id=pool.pk)
    assert (totals.pledged_ore, totals.saver_count) == (120_000, 1)


def test_empty_pool_totals_are_zero():
    pool = PoolFactory()
    totals = pool_totals_recompute(pool_id=pool.pk)
    assert (totals.pledged_ore, totals.pledge_count, totals.hours, totals.percent_of_minimum) == (0, 0, 0, None)


def test_a_change_marks_totals_requested_in_its_transaction(saver):
    pool = PoolFactory()
    _monthly(pool, saver)
    totals = PoolTotals.objects.get(pool=pool)
    assert totals.requested_at is not None
    assert totals.computed_at is None  # the recompute is the worker's job


def test_figures_for_many_pools_take_a_fixed_number_of_queries(saver):
    pools = [PoolFactory() for _ in range(5)]
    for pool in pools:
        _monthly(pool, saver)
    with CaptureQueriesContext(connection) as few:
        pool_totals_figures(pool_ids=[pools[0].pk])
    with CaptureQueriesContext(connection) as many:
        figures = pool_totals_figures(pool_ids=[p.pk for p in pools])
    assert len(many) == len(few) == 3
    assert all(f["pledged_ore"] == 120_000 for f in figures.values())


def test_reconcile_corrects_drift_and_records_before_and_after(saver, other_saver):
    pools = [PoolFactory() for _ in range(5)]
    for pool in pools:
        _monthly(pool, saver)
        pool_totals_recompute(pool_id=pool.pk)
    drifted = pools[2]
    PoolTotals.objects.filter(pool=drifted).update(pledged_ore=1, pledge_count=7)

    summary = pool_totals_reconcile(batch_size=2)

    assert summary["pools_checked"] == 5
    assert summary["batches"] == 3
    assert summary["corrected"] == 1
    assert summary["corrections"] == [
        {
            "pool_id": drifted.pk,
            "before": {"pledge_count": 1 * 7, "pledged_ore": 1},
            "after": {"pledge_count": 1, "pledged_ore": 120_000},
        }
    ]
    assert PoolTotals.objects.get(pool=drifted).pledged_ore == 120_000
    assert pool_totals_reconcile(batch_size=2)["corrected"] == 0


def test_reconcile_creates_missing_totals_rows():
    pool = PoolFactory()
    PoolTotals.objects.filter(pool=pool).delete()
    summary = pool_totals_reconcile()
    assert PoolTotals.objects.filter(pool=pool).exists()
    assert summary["pools_checked"] == 1


def test_reconcile_query_count_does_not_grow_with_pools_in_a_batch(saver):
    def drifted_reconcile() -> tuple[int, int]:
        PoolTotals.objects.update(pledged_ore=0)  # every pool drifted: both sizes take the correcting path
        with CaptureQueriesContext(connection) as captured:
            summary = pool_totals_reconcile(batch_size=100)
        return len(captured), summary["corrected"]

    for _ in range(3):
        _monthly(PoolFactory(), saver)
    pool_totals_reconcile(batch_size=100)  # creates the totals rows
    three = drifted_reconcile()
    for _ in range(6):
        _monthly(PoolFactory(), saver)
    pool_totals_reconcile(batch_size=100)
    nine = drifted_reconcile()
    assert (three[1], nine[1]) == (3, 9)
    assert nine[0] == three[0]  # nothing is per pool: one bulk UPDATE for every correction


def test_withdrawn_and_lapsed_pledges_do_not_count(saver):
    pool = PoolFactory(kind=PoolKind.SUPPORT_SAVING)
    pledge = _monthly(pool, saver)
    pledge.status = PledgeStatus.LAPSED
    pledge.save()
    assert pool_totals_recompute(pool_id=pool.pk).pledged_ore == 0


def test_other_pools_rows_are_not_counted(saver):
    mine, other = PoolFactory(), PoolFactory()
    _monthly(mine, saver)
    _monthly(other, UserFactory(), monthly_ore=50_000)
    assert pool_totals_recompute(pool_id=mine.pk).pledged_ore == 120_000


def test_range_pass_and_per_pool_path_agree(saver, other_saver, treasurer):
    from pools.models import Pledge
    from pools.services import allocation_reverse
    from pools.totals import pool_totals_figures_range

    support, fair = PoolFactory(minimum_ore=50_000), PoolFactory(kind=PoolKind.FAIR)
    shares = ShareOfferPoolFactory()
    _monthly(support, saver, monthly_ore=12_345, months=7)
    _monthly(support, saver, monthly_ore=100, months=1)
    pledge_create(pool=support, saver=other_saver, kind=PledgeKind.TIME, description="x", quantity=Decimal("1.25"))
    card = pledge_create(
        pool=fair, saver=None, source=PledgeSource.FAIR_CARD, kind=PledgeKind.GIFT, amount_ore=77_700,
        contact_name="Kort",
    )  # fmt: skip
    pledge_create(pool=fair, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=30_000, term_months=5)
    share = pledge_create(pool=shares, saver=other_saver, kind=PledgeKind.SHARE, share_count=3)
    refunded = pledge_create(pool=shares, saver=saver, kind=PledgeKind.SHARE, share_count=1)
    payment = payment_record(amount_ore=200_000, received_on=shares.opens_on, channel="manual")
    payment_allocate(payment=payment, parts=[(share, 60_000), (card, 10_000), (refunded, 20_000)], by=treasurer)
    payment_allocate(payment=payment, parts=[(share, 5_000)], by=treasurer)
    allocation_reverse(allocation=card.allocations.get(), by=treasurer)
    Pledge.objects.filter(pk=refunded.pk).update(status=PledgeStatus.REFUNDED)

    ids = sorted(p.pk for p in (support, fair, shares))
    per_pool = pool_totals_figures(pool_ids=ids)
    one_pass = pool_totals_figures_range(first_pool_id=ids[0], last_pool_id=ids[-1])
    assert one_pass == per_pool
    assert per_pool[shares.pk]["received_ore"] == 65_000
    assert per_pool[fair.pk]["received_ore"] == 0
    assert per_pool[support.pk]["saver_count"] == 2


def test_reconcile_stores_exactly_the_per_pool_figures(saver, other_saver, treasurer):
    """The reconciliation (one SQL statement on PostgreSQL) and the per-pool recompute agree on every figure."""
    from pools.models import Pledge, PoolTotals
    from pools.services import allocation_reverse

    support, fair = PoolFactory(minimum_ore=50_000), PoolFactory(kind=PoolKind.FAIR)
    shares = ShareOfferPoolFactory()
    _monthly(support, saver, monthly_ore=12_345, months=7)
    _monthly(support, saver, monthly_ore=100, months=1)
    pledge_create(pool=support, saver=other_saver, kind=PledgeKind.TIME, description="x", quantity=Decimal("1.25"))
    pledge_create(pool=support, saver=other_saver, kind=PledgeKind.ITEM, description="y", quantity=Decimal("4"))
    card = pledge_create(
        pool=fair, saver=None, source=PledgeSource.FAIR_CARD, kind=PledgeKind.GIFT, amount_ore=77_700,
        contact_name="Kort",
    )  # fmt: skip
    pledge_create(pool=fair, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=30_000, term_months=5)
    share = pledge_create(pool=shares, saver=other_saver, kind=PledgeKind.SHARE, share_count=3)
    refunded = pledge_create(pool=shares, saver=saver, kind=PledgeKind.SHARE, share_count=1)
    payment = payment_record(amount_ore=200_000, received_on=shares.opens_on, channel="manual")
    payment_allocate(payment=payment, parts=[(share, 60_000), (card, 10_000), (refunded, 20_000)], by=treasurer)
    payment_allocate(payment=payment, parts=[(share, 5_000)], by=treasurer)
    allocation_reverse(allocation=card.allocations.get(), by=treasurer)
    Pledge.objects.filter(pk=refunded.pk).update(status=PledgeStatus.REFUNDED)
    # Percentages exactly halfway between two hundredths round half to even, like Decimal.quantize.
    half_down = PoolFactory(minimum_ore=20_000)  # 100 005 / 20 000 = 500.025 % -> 500.02
    pledge_create(pool=half_down, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=100_005, term_months=1)
    half_up = PoolFactory(minimum_ore=20_000)  # 100 015 / 20 000 = 500.075 % -> 500.08
    pledge_create(pool=half_up, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=100_015, term_months=1)
    lapsed_only = PoolFactory()
    gone = _monthly(lapsed_only, saver)
    Pledge.objects.filter(pk=gone.pk).update(status=PledgeStatus.LAPSED)
    empty = PoolFactory(minimum_ore=None)
    PoolTotals.objects.create(pool=empty)  # drifted below, so reset to zeros
    pools = [support, fair, shares, half_down, half_up, lapsed_only, empty]
    expected = pool_totals_figures(pool_ids=[p.pk for p in pools])
    assert expected[half_down.pk]["percent_of_minimum"] == Decimal("500.02")
    assert expected[half_up.pk]["percent_of_minimum"] == Decimal("500.08")
    assert expected[shares.pk]["received_ore"] == 65_000
    assert expected[support.pk]["hours"] == Decimal("1.25")
    assert expected[empty.pk]["percent_of_minimum"] is None
    assert expected[lapsed_only.pk]["pledged_ore"] == 0

    for batch_size in (3, None):  # ranges of pools, and one batch holding every pool
        PoolTotals.objects.update(
            pledged_ore=3, received_ore=3, outstanding_ore=3, saver_count=9, pledge_count=9, money_pledge_count=9,
            non_money_pledge_count=9, hours=Decimal("9.99"), percent_of_target=Decimal("1.11"),
            percent_of_minimum=Decimal("2.22"), estimated_points=5,
        )  # fmt: skip

        summary = pool_totals_reconcile(batch_size=batch_size)

        assert summary["corrected"] == len(pools)
        for pool in pools:
            stored = PoolTotals.objects.filter(pool=pool).values(*expected[pool.pk]).get()
            assert stored == expected[pool.pk], (batch_size, pool)
        assert pool_totals_reconcile(batch_size=batch_size)["corrected"] == 0


def test_every_payment_match_carries_its_pledges_pool(saver, other_saver, treasurer):
    from django.db.models import F

    from pools.models import PaymentAllocation
    from pools.services import allocation_reverse

    first, second = ShareOfferPoolFactory(), ShareOfferPoolFactory()
    one = pledge_create(pool=first, saver=saver, kind=PledgeKind.SHARE, share_count=2)
    two = pledge_create(pool=second, saver=other_saver, kind=PledgeKind.SHARE, share_count=2)
    payment = payment_record(amount_ore=200_000, received_on=first.opens_on, channel="manual")
    payment_allocate(payment=payment, parts=[(one, 30_000), (two, 40_000)], by=treasurer)
    allocation_reverse(allocation=two.allocations.get(), by=treasurer)

    matches = PaymentAllocation.objects.all()
    assert matches.count() == 3
    assert not matches.exclude(pool_id=F("pledge__pool_id")).exists()
    assert set(matches.values_list("pool_id", flat=True)) == {first.pk, second.pk}


@pytest.mark.postgres
def test_reconcile_leaves_the_planner_settings_as_it_found_them(saver):
    """PostgreSQL: the plan switches last for the reconciliation statement only, then are restored."""
    from django.db import connection, transaction

    from pools.totals import pool_totals_reconcile

    _monthly(PoolFactory(), saver)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # someone's own choice, kept
        pool_totals_reconcile()
        cursor.execute("SELECT current_setting('enable_hashagg'), current_setting('enable_seqscan')")
        assert cursor.fetchone() == ("on", "off")
