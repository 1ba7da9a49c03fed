"""Schedules: instalments always add up to the principal; banking days; repayment splits."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from invest.funds.schedules import (
    add_months,
    due_dates,
    is_banking_day,
    loan_schedule,
    next_banking_day,
    paid_through,
    repayment_split,
)
from pools.money import MAX_ORE


@settings(max_examples=300, deadline=None)
@given(
    principal=st.integers(min_value=1, max_value=MAX_ORE),
    term=st.integers(min_value=1, max_value=360),
    interest_bp=st.integers(min_value=0, max_value=5000),
    first_due=st.dates(min_value=date(2020, 1, 1), max_value=date(2060, 12, 31)),
)
def test_every_schedule_sums_exactly_to_the_principal(principal, term, interest_bp, first_due):
    rows = loan_schedule(principal_ore=principal, term_months=term, interest_bp=interest_bp, first_due_on=first_due)
    assert len(rows) == term
    assert sum(row.principal_ore for row in rows) == principal
    parts = [row.principal_ore for row in rows]
    assert max(parts) - min(parts) <= 1
    assert parts == sorted(parts, reverse=True)  # the extra öre go to the first instalments
    assert all(row.interest_ore >= 0 for row in rows)
    assert all(is_banking_day(row.due_on) for row in rows)
    assert [row.due_on for row in rows] == sorted(row.due_on for row in rows)


@settings(max_examples=200, deadline=None)
@given(
    principal=st.integers(min_value=1, max_value=10**9),
    term=st.integers(min_value=1, max_value=60),
    interest_bp=st.integers(min_value=0, max_value=2000),
    cuts=st.lists(st.integers(min_value=1, max_value=10**8), max_size=8),
)
def test_repayment_splits_add_up_and_never_exceed_the_schedule(principal, term, interest_bp, cuts):
    rows = loan_schedule(
        principal_ore=principal, term_months=term, interest_bp=interest_bp, first_due_on=date(2026, 1, 15)
    )
    schedule = [(r.interest_ore, r.principal_ore) for r in rows]
    total = sum(i + p for i, p in schedule)
    paid = 0
    principal_paid = 0
    for cut in cuts:
        amount = min(cut, total - paid)
        if amount <= 0:
            break
        p, i = repayment_split(schedule=schedule, paid_before_ore=paid, amount_ore=amount)
        assert p + i == amount
        paid += amount
        principal_paid += p
    assert principal_paid <= principal
    if paid == total:
        assert principal_paid == principal


def test_straight_line_rounding_rule_on_a_known_loan():
    rows = loan_schedule(principal_ore=100_000_00, term_months=3, interest_bp=0, first_due_on=date(2026, 2, 2))
    assert [r.principal_ore for r in rows] == [3_333_334, 3_333_333, 3_333_333]


def test_interest_is_charged_on_the_outstanding_balance_half_up():
    rows = loan_schedule(principal_ore=1_000_000, term_months=2, interest_bp=600, first_due_on=date(2026, 2, 2))
    # 10 000 kr at 6 %/year: 50 kr in month one, 25 kr on the 5 000 kr left in month two.
    assert [(r.principal_ore, r.interest_ore) for r in rows] == [(500_000, 5_000), (500_000, 2_500)]


def test_repayment_split_more_than_the_schedule_is_refused():
    import pytest

    with pytest.raises(ValueError):
        repayment_split(schedule=[(10, 100)], paid_before_ore=0, amount_ore=111)


def test_due_dates_skip_weekends_and_swedish_holidays():
    assert next_banking_day(date(2026, 12, 24)) == date(2026, 12, 28)  # Christmas Eve, Day, Boxing Day, weekend
    assert next_banking_day(date(2026, 6, 19)) == date(2026, 6, 22)  # Midsummer Eve 2026 is Friday 19 June
    assert next_banking_day(date(2026, 4, 3)) == date(2026, 4, 7)  # Good Friday and Easter Monday
    assert due_dates(date(2026, 1, 31), 2) == [date(2026, 2, 2), date(2026, 3, 2)]  # 31 Jan is a Saturday


def test_add_months_keeps_the_last_day_of_short_months():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_paid_through_covers_oldest_first():
    assert paid_through([100, 100, 100], 150) == [100, 50, 0]
    assert paid_through([100, 100], -5) == [0, 0]
