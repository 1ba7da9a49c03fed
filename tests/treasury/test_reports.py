"""Reports as of a past date are reproducible; figures per pool, saver, fund, fair; arrears."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from pools.models import PaymentChannel, PoolKind
from pools.services import payment_record
from tests.factories import MicroFundFactory, PoolFactory
from tests.treasury.helpers import money_pledge
from treasury.reports import REPORT_KINDS, pledge_arrears, report_build, report_params
from treasury.services import allocation_undo, payment_match_manual

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(day: date, hour: int = 12):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=STOCKHOLM), tick=False)


def materialize(kind: str, as_of: date, **kwargs) -> tuple[list[dict], dict, list[dict]]:
    report = report_build(kind=kind, params=report_params(as_of=as_of, date_from=None, date_to=None), **kwargs)
    return list(report.rows), report.totals, report.monthly


@pytest.fixture
def history(pool, saver, other_saver, treasurer):
    """March: two pledges; one paid in full on 10 March, one paid half on 20 March."""
    with at(date(2026, 3, 1)):
        first = money_pledge(pool, saver, amount_ore=100_000, due_on=date(2026, 3, 15))
        second = money_pledge(pool, other_saver, amount_ore=60_000, due_on=date(2026, 3, 15))
    with at(date(2026, 3, 10)):
        p1 = payment_record(amount_ore=100_000, received_on=date(2026, 3, 10), channel=PaymentChannel.MANUAL)
        payment_match_manual(payment=p1, parts=[(first, 100_000)], by=treasurer)
    with at(date(2026, 3, 20)):
        p2 = payment_record(amount_ore=30_000, received_on=date(2026, 3, 20), channel=PaymentChannel.MANUAL)
        [allocation] = payment_match_manual(payment=p2, parts=[(second, 30_000)], by=treasurer)
    return {"first": first, "second": second, "allocation": allocation}


def test_report_as_of_a_past_date_is_identical_after_later_payments_and_reversals(history, pool, treasurer):
    as_of = date(2026, 3, 31)
    with at(date(2026, 4, 1)):
        before = {
            kind: materialize(kind, as_of, **({"pool_id": pool.pk} if kind == "pool" else {})) for kind in REPORT_KINDS
        }
    # April: a late payment dated in March, a reversal of a March match, and a new pledge.
    with at(date(2026, 4, 5)):
        late = payment_record(amount_ore=30_000, received_on=date(2026, 3, 25), channel=PaymentChannel.MANUAL)
        payment_match_manual(payment=late, parts=[(history["second"], 30_000)], by=treasurer)
        allocation_undo(allocation=history["allocation"], by=treasurer)
        money_pledge(pool, amount_ore=5_000, contact_name="Ny")
    with at(date(2026, 4, 6)):
        after = {
            kind: materialize(kind, as_of, **({"pool_id": pool.pk} if kind == "pool" else {})) for kind in REPORT_KINDS
        }
        now = materialize("pools", date(2026, 4, 6))
    assert after == before
    # ... while a report as of today does see the changes.
    [row] = [r for r in now[0] if r["pool_id"] == pool.pk]
    assert row["received_ore"] == 130_000
    assert row["pledged_ore"] == 165_000


def test_pool_report_figures_and_arrears(history, pool):
    with at(date(2026, 4, 1)):
        rows, totals, monthly = materialize("pools", date(2026, 3, 31))
    [row] = [r for r in rows if r["pool_id"] == pool.pk]
    assert row["target_ore"] == pool.target_ore
    assert row["pledged_ore"] == 160_000
    assert row["received_ore"] == 130_000
    assert row["outstanding_ore"] == 30_000
    assert row["arrears_ore"] == 30_000
    assert row["max_days_late"] == 16  # due 15 March, as of 31 March
    assert row["late_count"] == 1
    assert monthly == [{"month": "2026-03", "received_ore": 130_000, "cumulative_ore": 130_000}]


def test_report_before_anything_happened_is_empty_of_money(history, pool):
    with at(date(2026, 4, 1)):
        rows, totals, _monthly = materialize("pools", date(2026, 3, 5))
    [row] = [r for r in rows if r["pool_id"] == pool.pk]
    assert (row["pledged_ore"], row["received_ore"], row["arrears_ore"]) == (160_000, 0, 0)


def test_period_limits_received_to_payment_dates_in_it(history):
    with at(date(2026, 4, 1)):
        report = report_build(
            kind="overview",
            params=report_params(as_of=date(2026, 3, 31), date_from=date(2026, 3, 15), date_to=date(2026, 3, 31)),
        )
        rows = list(report.rows)
    assert sum(r["received_ore"] for r in rows) == 30_000
    assert sum(r["pledged_ore"] for r in rows) == 0  # both pledged on 1 March, before the period


def test_saver_fund_and_fair_reports_group_their_pools(saver, other_saver, treasurer):
    fund = MicroFundFactory()
    fund_pool = PoolFactory(project=None, micro_fund=fund, kind=PoolKind.FUND_CAPITAL)
    fair_pool = PoolFactory(kind=PoolKind.FAIR)
    with at(date(2026, 3, 1)):
        a = money_pledge(fund_pool, saver, amount_ore=40_000)
        money_pledge(fair_pool, saver, amount_ore=7_000)
        money_pledge(fair_pool, other_saver, amount_ore=3_000)
        pay = payment_record(amount_ore=40_000, received_on=date(2026, 3, 1), channel=PaymentChannel.MANUAL)
        payment_match_manual(payment=pay, parts=[(a, 40_000)], by=treasurer)
    with at(date(2026, 3, 2)):
        savers, _t, _m = materialize("savers", date(2026, 3, 2))
        funds, _t, _m = materialize("funds", date(2026, 3, 2))
        fairs, fair_totals, _m = materialize("fairs", date(2026, 3, 2))
    by_saver = {r["saver_id"]: r for r in savers}
    assert by_saver[saver.pk]["pledged_ore"] == 47_000
    assert by_saver[saver.pk]["received_ore"] == 40_000
    assert by_saver[other_saver.pk]["pledged_ore"] == 3_000
    assert [(r["micro_fund"], r["pledged_ore"], r["received_ore"]) for r in funds] == [(fund.name, 40_000, 40_000)]
    assert [r["pool_id"] for r in fairs] == [fair_pool.pk]
    assert fair_totals["pledged_ore"] == 10_000


def test_monthly_pledge_arrears_count_only_instalments_due():
    # 100 kr a month for 12 months from 1 Jan; 150 kr received; as of 10 April: Jan-Apr due = 400 kr.
    overdue, days = pledge_arrears(
        amount_ore=120_000,
        monthly_ore=10_000,
        months=12,
        first_due_on=date(2026, 1, 1),
        received_ore=15_000,
        as_of=date(2026, 4, 10),
    )
    assert overdue == 25_000
    assert days == (date(2026, 4, 10) - date(2026, 2, 1)).days
    assert pledge_arrears(
        amount_ore=1, monthly_ore=None, months=None, first_due_on=None, received_ore=0, as_of=date(2026, 1, 1)
    ) == (0, 0)


def test_report_params_refuse_bad_dates():
    from treasury.errors import ReportPeriodInvalid

    with pytest.raises(ReportPeriodInvalid):
        report_params(as_of=date(1999, 1, 1), date_from=None, date_to=None)
    with pytest.raises(ReportPeriodInvalid):
        report_params(as_of=None, date_from=date(2026, 3, 2), date_to=date(2026, 3, 1))


def test_pledge_without_due_date_falls_into_arrears_after_the_payment_term(pool, saver, settings):
    settings.TREASURY_PAYMENT_TERM_DAYS = 30
    with at(date(2026, 3, 1)):
        money_pledge(pool, saver, amount_ore=10_000)
    with at(date(2026, 5, 1)):
        on_time, _t, _m = materialize("pledges", date(2026, 3, 31))
        late, _t, _m = materialize("pledges", date(2026, 4, 10))
    assert (on_time[0]["arrears_ore"], on_time[0]["days_late"]) == (0, 0)
    assert (late[0]["arrears_ore"], late[0]["days_late"]) == (10_000, 10)


def test_refund_export_shows_as_refunded_from_its_day_on(pool, saver, treasurer, second_treasurer):
    from pools.models import Pledge, PledgeStatus
    from pools.services import pledge_withdraw
    from treasury.services import payout_approve, payout_export, payout_prepare

    with at(date(2026, 3, 1)):
        pledge = money_pledge(pool, saver, amount_ore=20_000)
        payment = payment_record(
            amount_ore=20_000,
            received_on=date(2026, 3, 1),
            channel=PaymentChannel.MANUAL,
            payer_account="SE4550000000058398257466",
        )
        payment_match_manual(payment=payment, parts=[(pledge, 20_000)], by=treasurer)
        Pledge.objects.filter(pk=pledge.pk).update(status=PledgeStatus.CONFIRMED)
    with at(date(2026, 3, 5)):
        pledge_withdraw(pledge=pledge, by=saver)
    with at(date(2026, 3, 10)):
        batch = payout_prepare(kind="refund", source_keys=[f"pledge:{pledge.pk}"], by=treasurer)
        payout_approve(batch=batch, by=second_treasurer)
        payout_export(batch=batch, by=treasurer, file_format="csv")
    with at(date(2026, 4, 1)):
        [before] = materialize("pledges", date(2026, 3, 9))[0]
        [after] = materialize("pledges", date(2026, 3, 10))[0]
        [early] = materialize("pledges", date(2026, 3, 2))[0]
    assert (early["pledged_ore"], early["received_ore"], early["refunded_ore"]) == (20_000, 20_000, 0)
    assert (before["pledged_ore"], before["received_ore"], before["refunded_ore"]) == (0, 20_000, 0)
    assert (after["pledged_ore"], after["received_ore"], after["refunded_ore"]) == (0, 20_000, 20_000)


def test_fairs_report_names_the_fair_of_each_pitch_pool(saver, organiser):
    from invest.fairs.models import Pitch
    from tests.factories import FairFactory

    fair = FairFactory(title="Vårmässan i Ödeby", held_on=date(2026, 3, 20))
    fair_pool = PoolFactory(kind=PoolKind.FAIR)
    Pitch.objects.create(
        fair=fair, project=fair_pool.project, title="Bystugan", pool=fair_pool, code="TREAS1", applied_by=organiser
    )
    with at(date(2026, 3, 20), hour=20):
        money_pledge(fair_pool, saver, amount_ore=25_000)
    with at(date(2026, 3, 21)):
        rows, totals, _m = materialize("fairs", date(2026, 3, 21))
    [row] = rows
    assert (row["fair"], row["fair_on"], row["pool_id"], row["pledged_ore"]) == (
        "Vårmässan i Ödeby",
        date(2026, 3, 20),
        fair_pool.pk,
        25_000,
    )


def test_monthly_pledge_part_paid_is_late_from_its_first_instalment(pool, saver, treasurer):
    # 102 kr a month for 19 months from 27 April 2025; 100 kr received: the first instalment is still unpaid,
    # so the pledge is late from 27 April (a received / monthly of 0.98 must not round up to one month).
    from pools.models import Pledge, PledgeKind

    with at(date(2025, 4, 20)):
        pledge = money_pledge(
            pool, saver, amount_ore=10_200 * 19, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=10_200, months=19
        )
        Pledge.objects.filter(pk=pledge.pk).update(starts_on=date(2025, 4, 27))
        pay = payment_record(amount_ore=10_000, received_on=date(2025, 4, 20), channel=PaymentChannel.MANUAL)
        payment_match_manual(payment=pay, parts=[(pledge, 10_000)], by=treasurer)
    with at(date(2026, 8, 9)):
        [row] = materialize("pool", date(2026, 8, 8), pool_id=pool.pk)[0]
    assert row["days_late"] == (date(2026, 8, 8) - date(2025, 4, 27)).days
    assert row["arrears_ore"] == 10_200 * 16 - 10_000


def test_fund_and_fair_reports_count_only_their_pools_matches_figures_and_chart(saver, treasurer, pool):
    """The fund and fair reports read only the matches of their own pools (a match names its pledge's
    pool); money matched to other pools stays out of their figures and their monthly chart."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fund_pool = PoolFactory(project=None, micro_fund=MicroFundFactory(), kind=PoolKind.FUND_CAPITAL)
    fair_pool = PoolFactory(kind=PoolKind.FAIR)
    with at(date(2026, 3, 1)):
        for target, amount in ((fund_pool, 40_000), (fair_pool, 7_000), (pool, 900_000)):
            pledge = money_pledge(target, saver, amount_ore=amount)
            pay = payment_record(amount_ore=amount, received_on=date(2026, 3, 1), channel=PaymentChannel.MANUAL)
            payment_match_manual(payment=pay, parts=[(pledge, amount)], by=treasurer)
    with at(date(2026, 3, 2)), CaptureQueriesContext(connection) as queries:
        funds, fund_totals, fund_chart = materialize("funds", date(2026, 3, 2))
        fairs, fair_totals, fair_chart = materialize("fairs", date(2026, 3, 2))
    assert fund_totals["received_ore"] == 40_000
    assert fair_totals["received_ore"] == 7_000
    assert [m["received_ore"] for m in fund_chart] == [40_000]
    assert [m["received_ore"] for m in fair_chart] == [7_000]
    statements = [q["sql"] for q in queries.captured_queries if "SUM(a.amount_ore)" in q["sql"]]
    assert len(statements) == 2
    assert "ap.micro_fund_id IS NOT NULL" in statements[0]
    assert "ap.kind =" in statements[1]
