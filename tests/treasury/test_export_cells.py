"""CSV cells of money are the API's text of the amount, computed in integers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pools.money import ore_to_string
from treasury.exports import _ore_text


@given(st.integers(-(10**15), 10**15))
def test_csv_money_cell_is_the_api_text_of_the_amount(ore):
    assert _ore_text(ore) == ore_to_string(ore)


def test_csv_money_cell_of_nothing_is_empty():
    assert _ore_text(None) == ""
