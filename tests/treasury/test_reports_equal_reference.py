"""The reports computed in the database give the same figures as the Python reference, row for row,
on generated histories: pledges by the month and in one sum, with and without due dates, by savers and
by anonymous cards, payments and reversals recorded late, withdrawals, across time-zone day boundaries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from pools.models import Payment, PaymentAllocation, PaymentChannel, Pledge, PledgeKind, PledgeSource, PoolKind
from tests.factories import MicroFundFactory, PoolFactory
from tests.treasury import reference_reports
from tests.treasury.helpers import ocr
from treasury.reports import report_build, report_page, report_params

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
START = date(2025, 1, 1)
GROUPED = ("overview", "pools", "savers", "fairs", "funds")
STREAMED = ("pledges", "ledger", "pool")


@dataclass(frozen=True)
class PledgeSpec:
    pool: int  # 0 support saving, 1 fair, 2 micro-fund capital, 3 a second fund
    saver: int  # 0-2 a saver with an account; 3-5 an anonymous card
    monthly_ore: int | None
    months: int
    amount_ore: int
    due_in: int | None  # days after the pledge, or no due date
    created_day: int
    created_hour: int  # UTC: 22 and 23 are already the next day in Stockholm
    withdrawn_after: int | None


@dataclass(frozen=True)
class PaymentSpec:
    pledge: int
    amount_ore: int  # negative: money the bank took back
    received_day: int
    recorded_after: int


pledges = st.builds(
    PledgeSpec,
    pool=st.integers(0, 3),
    saver=st.integers(0, 5),
    monthly_ore=st.one_of(st.none(), st.sampled_from([5_000, 10_000, 33_300])),
    months=st.integers(1, 24),
    amount_ore=st.integers(1, 500_000),
    due_in=st.one_of(st.none(), st.integers(-40, 90)),
    created_day=st.integers(0, 500),
    created_hour=st.sampled_from([0, 9, 22, 23]),
    withdrawn_after=st.one_of(st.none(), st.integers(0, 200)),
)
payments = st.builds(
    PaymentSpec,
    pledge=st.integers(0, 50),
    amount_ore=st.one_of(st.integers(1, 300_000), st.integers(-50_000, -1)),
    received_day=st.integers(0, 600),
    recorded_after=st.integers(0, 20),
)


def _at(day: int, hour: int = 10) -> datetime:
    return datetime.combine(START + timedelta(days=day), datetime.min.time(), tzinfo=UTC) + timedelta(hours=hour)


def _build(pledge_specs: list[PledgeSpec], payment_specs: list[PaymentSpec]) -> int:
    """Write the history; returns the first pool's id."""
    fund = MicroFundFactory(name="Alfa fond")
    other_fund = MicroFundFactory(name="beta fond")
    pools = [
        PoolFactory(kind=PoolKind.SUPPORT_SAVING),
        PoolFactory(kind=PoolKind.FAIR),
        PoolFactory(project=None, micro_fund=fund, kind=PoolKind.FUND_CAPITAL),
        PoolFactory(project=None, micro_fund=other_fund, kind=PoolKind.FUND_CAPITAL),
    ]
    savers = [
        User.objects.create(email=f"saver{i}@example.se", full_name=name)
        for i, name in enumerate(["Örjan Åberg", "", "anna Berg"])
    ]
    made: list[Pledge] = []
    for index, spec in enumerate(pledge_specs):
        created_at = _at(spec.created_day, spec.created_hour)
        monthly = spec.monthly_ore is not None
        pledge = Pledge.objects.create(
            pool=pools[spec.pool],
            saver=savers[spec.saver] if spec.saver < 3 else None,
            contact_name="" if spec.saver < 3 else ["Bo", "bo", "Cilla"][spec.saver - 3],
            kind=PledgeKind.SUPPORT_SAVING if monthly else PledgeKind.GIFT,
            source=PledgeSource.TREASURER,
            amount_ore=spec.monthly_ore * spec.months if spec.monthly_ore else spec.amount_ore,
            monthly_ore=spec.monthly_ore,
            months=spec.months if monthly else None,
            ocr_reference=ocr(90_000 + index),
            due_on=None if spec.due_in is None or monthly else created_at.date() + timedelta(days=spec.due_in),
            starts_on=created_at.date() + timedelta(days=spec.due_in) if monthly and spec.due_in is not None else None,
        )
        withdrawn_at = None if spec.withdrawn_after is None else created_at + timedelta(days=spec.withdrawn_after)
        Pledge.objects.filter(pk=pledge.pk).update(created_at=created_at, withdrawn_at=withdrawn_at)
        made.append(pledge)
    open_allocations: dict[int, list[PaymentAllocation]] = {}
    for spec in payment_specs:
        if not made:
            break
        pledge = made[spec.pledge % len(made)]
        recorded_at = _at(spec.received_day + spec.recorded_after, 13)
        if spec.amount_ore < 0:
            # The bank took money back: the reversal of this pledge's latest payment not yet reversed.
            if not open_allocations.get(pledge.pk):
                continue
            reversed_allocation = open_allocations[pledge.pk].pop()
            allocation = PaymentAllocation.objects.create(
                payment=reversed_allocation.payment,
                pledge=pledge,
                pool=pledge.pool,
                amount_ore=-reversed_allocation.amount_ore,
                reverses=reversed_allocation,
            )
        else:
            payment = Payment.objects.create(
                amount_ore=spec.amount_ore,
                received_on=START + timedelta(days=spec.received_day),
                channel=PaymentChannel.MANUAL,
            )
            Payment.objects.filter(pk=payment.pk).update(created_at=recorded_at)
            allocation = PaymentAllocation.objects.create(
                payment=payment, pledge=pledge, pool=pledge.pool, amount_ore=spec.amount_ore
            )
            open_allocations.setdefault(pledge.pk, []).append(allocation)
        PaymentAllocation.objects.filter(pk=allocation.pk).update(created_at=recorded_at)
    return pools[0].pk


def _shown(report: Any) -> list[dict[str, Any]]:
    return [{c.key: row.get(c.key) for c in report.columns} for row in report.rows]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    pledge_specs=st.lists(pledges, max_size=25),
    payment_specs=st.lists(payments, max_size=25),
    as_of_day=st.integers(0, 720),
    period=st.one_of(st.none(), st.tuples(st.integers(0, 700), st.integers(0, 200))),
)
def test_database_reports_equal_the_python_reference(pledge_specs, payment_specs, as_of_day, period):
    with transaction.atomic():
        first_pool = _build(pledge_specs, payment_specs)
        as_of = START + timedelta(days=as_of_day)
        date_from = date_to = None
        if period is not None:
            date_from = START + timedelta(days=period[0])
            date_to = date_from + timedelta(days=period[1])
        params = report_params(as_of=as_of, date_from=date_from, date_to=date_to)
        for kind in (*GROUPED, *STREAMED):
            pool_id = first_pool if kind == "pool" else None
            new = report_build(kind=kind, params=params, pool_id=pool_id)
            old = reference_reports.report_build(kind=kind, params=params, pool_id=pool_id)
            assert [c.key for c in new.columns] == [c.key for c in old.columns], kind
            shown = _shown(new)
            assert shown == _shown(old), kind
            if kind in ("pledges", "pool"):
                # Pages (in the pledges' order each pledge's matches are looked up by index) cut the same rows.
                for sort in ("", "-pledge_id"):
                    paged = []
                    for number in range(1, len(shown) // 7 + 2):
                        page = report_page(number=number, size=7, sort=sort)
                        paged.extend(_shown(report_build(kind=kind, params=params, pool_id=pool_id, page=page)))
                    assert paged == (shown if sort == "" else shown[::-1]), (kind, sort)
            assert new.totals == old.totals, kind
            assert new.monthly == old.monthly, kind
        transaction.set_rollback(True)
