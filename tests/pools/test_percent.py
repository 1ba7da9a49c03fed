from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pools.percent import PercentError, PercentOutOfRange, bp_to_percent, percent_to_bp


@pytest.mark.parametrize(
    ("text", "bp"),
    [("25", 2500), ("25.5", 2550), ("25,50", 2550), (" 0.01 ", 1), ("100", 10_000), ("0", 0)],
)
def test_percent_text_becomes_basis_points(text, bp):
    assert percent_to_bp(text) == bp


@pytest.mark.parametrize("text", ["", "25.555", "-1", "+5", "1e2", "NaN", "Infinity", "12345", "2 5", "25%"])
def test_malformed_percentages_are_refused(text):
    with pytest.raises(PercentError) as refused:
        percent_to_bp(text)
    assert not isinstance(refused.value, PercentOutOfRange)


def test_the_range_is_checked_and_named():
    with pytest.raises(PercentOutOfRange) as refused:
        percent_to_bp("0", low=Decimal("0.01"))
    assert (refused.value.low, refused.value.high) == (Decimal("0.01"), Decimal(100))
    assert percent_to_bp("999.99", high=Decimal(1000)) == 99_999


@given(st.integers(min_value=0, max_value=999_999))
def test_basis_points_survive_the_round_trip(bp):
    assert percent_to_bp(bp_to_percent(bp), high=Decimal(10_000)) == bp


def test_no_basis_points_show_as_none():
    assert bp_to_percent(None) is None
    assert bp_to_percent(1) == "0.01"
