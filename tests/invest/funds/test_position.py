"""The fund's position as of a date: exact figures, and reproducible when later events are recorded."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from invest.funds.selectors import fund_position
from invest.funds.services import (
    fund_member_join,
    fund_totals_recompute,
    guarantee_balance_report,
    guarantee_call,
    guarantee_create,
    loan_create,
    loan_repayment_record,
)
from pools.services import allocation_reverse
from tests.invest.funds.conftest import pay

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(day: date, hour: int = 12):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=STOCKHOLM), tick=False)


def snapshot(position) -> dict:
    """Everything a report shows, line by line."""
    return {
        **position.figures(),
        "loans": [
            (x.loan.pk, x.outstanding_ore, x.due_ore, x.overdue_ore, x.interest_received_ore) for x in position.loans
        ],
        "guarantees": [(g.guarantee.pk, g.status, g.exposure_ore, g.loss_ore) for g in position.guarantees],
    }


@pytest.fixture
def history(fund, organiser, treasurer, saver, share_pool, project, add_capital):
    """January to April 2026 of a small fund, each event recorded near its date."""
    from invest.funds.services import fund_rules_set
    from tests.invest.funds.conftest import RULES

    with at(date(2026, 1, 5)):
        fund_rules_set(fund=fund, by=organiser, **RULES)
        capital = add_capital(100_000_000, date(2026, 1, 5))  # 1 000 000 kr
        membership = fund_member_join(fund=fund, user=saver, pool=share_pool)
        share = membership.shares.get()
        pay(share.pledge, 100_000, date(2026, 1, 5))
    with at(date(2026, 2, 2)):
        loan = loan_create(
            fund=fund,
            by=organiser,
            project=project,
            principal_ore=12_000_000,
            term_months=12,
            interest_bp=600,
            disbursed_on=date(2026, 2, 2),
        )
        guarantee = guarantee_create(
            fund=fund,
            by=organiser,
            project=project,
            bank="Sparbanken Bygd",
            loan_amount_ore=10_000_000,
            coverage_bp=8_000,
            term_months=60,
            issued_on=date(2026, 2, 2),
        )
    with at(date(2026, 3, 3)):
        first = loan.instalments.get(number=1)
        loan_repayment_record(loan=loan, by=treasurer, amount_ore=first.amount_ore, paid_on=date(2026, 3, 2))
    return {"capital": capital, "loan": loan, "guarantee": guarantee, "share": share}


def test_position_as_of_two_past_dates_is_unchanged_by_later_events(fund, organiser, treasurer, history, project):
    d1, d2 = date(2026, 2, 15), date(2026, 3, 31)
    with at(date(2026, 4, 2)):
        before = {d: snapshot(fund_position(fund=fund, as_of=d)) for d in (d1, d2)}

    # The figures are what the events say.
    assert before[d1]["capital_paid_in_ore"] == 100_100_000
    assert before[d1]["outstanding_loans_ore"] == 12_000_000
    assert before[d1]["guarantee_exposure_ore"] == 8_000_000
    assert before[d1]["available_ore"] == 100_100_000 - 12_000_000 - 8_000_000
    assert before[d1]["voting_member_count"] == 1
    assert before[d2]["outstanding_loans_ore"] == 11_000_000
    assert before[d2]["interest_received_ore"] == 60_000  # 6 % / 12 on 120 000 kr
    assert before[d2]["repayments_due_ore"] == history["loan"].instalments.get(number=2).amount_ore  # due 2 April
    assert before[d2]["repayments_overdue_ore"] == 0

    # Later, back-dated and new events are recorded.
    with at(date(2026, 5, 10)):
        loan = history["loan"]
        second = loan.instalments.get(number=2)
        loan_repayment_record(loan=loan, by=treasurer, amount_ore=second.amount_ore, paid_on=date(2026, 3, 20))
        guarantee_balance_report(
            guarantee=history["guarantee"], by=treasurer, balance_ore=9_000_000, effective_on=date(2026, 2, 10)
        )
        loan_create(
            fund=fund,
            by=organiser,
            project=project,
            principal_ore=500_000,
            term_months=6,
            disbursed_on=date(2026, 3, 1),
        )
        allocation_reverse(allocation=history["capital"].allocations.get(), by=treasurer, note="fel insättning")
        guarantee_call(guarantee=history["guarantee"], by=organiser, effective_on=date(2026, 3, 15), loss_ore=1_000_000)
        fund_totals_recompute(fund_id=fund.pk)

        after = {d: snapshot(fund_position(fund=fund, as_of=d)) for d in (d1, d2)}
        today = snapshot(fund_position(fund=fund, as_of=date(2026, 5, 10)))

    assert after == before
    # ... while today's report sees all of them.
    assert today["losses_ore"] == 1_000_000
    assert today["guarantee_exposure_ore"] == 0
    assert today["capital_paid_in_ore"] == 100_000
    assert today["outstanding_loans_ore"] == 12_000_000 - 2_000_000 + 500_000


def test_known_at_lets_a_report_include_later_corrections_on_request(fund, treasurer, history):
    with at(date(2026, 5, 10)):
        loan = history["loan"]
        second = loan.instalments.get(number=2)
        loan_repayment_record(loan=loan, by=treasurer, amount_ore=second.amount_ore, paid_on=date(2026, 3, 20))
        as_known_then = fund_position(fund=fund, as_of=date(2026, 3, 31))
        as_known_now = fund_position(
            fund=fund, as_of=date(2026, 3, 31), known_at=datetime(2026, 5, 11, tzinfo=STOCKHOLM)
        )
    assert as_known_then.outstanding_loans_ore == 11_000_000
    assert as_known_now.outstanding_loans_ore == 10_000_000


def test_fund_totals_store_todays_position(fund, history):
    with at(date(2026, 4, 2)):
        totals = fund_totals_recompute(fund_id=fund.pk)
        again = fund_totals_recompute(fund_id=fund.pk)
    assert totals.capital_paid_in_ore == 100_100_000 == again.capital_paid_in_ore
    assert totals.outstanding_loans_ore == 11_000_000
    assert totals.member_count == 1
