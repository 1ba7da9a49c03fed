from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pools.money import (
    MAX_ORE,
    MoneyError,
    format_sek,
    kronor_to_ore,
    ore_to_string,
    parse_kronor,
    split_ore,
)


@pytest.mark.parametrize(
    ("text", "ore"),
    [("1234.50", 123450), ("1 234,50", 123450), ("1234", 123400), ("0,05", 5), ("1\u00a0000 kr", 100000)],
)
def test_parse_kronor_accepts_swedish_and_api_forms(text, ore):
    assert parse_kronor(text) == ore


@pytest.mark.parametrize("text", ["12.345", "abc", "", "1e3", "NaN", "Infinity", "1,2,3", "--1", "12.", "١٢٣"])
def test_parse_kronor_refuses_what_is_not_money(text):
    with pytest.raises(MoneyError):
        parse_kronor(text)


def test_kronor_to_ore_refuses_float_and_huge_values():
    with pytest.raises(MoneyError):
        kronor_to_ore(12.5)
    with pytest.raises(MoneyError):
        kronor_to_ore(Decimal(MAX_ORE))
    with pytest.raises(MoneyError):
        kronor_to_ore(Decimal("NaN"))


def test_format_sek_in_both_languages():
    assert format_sek(123456750, "sv") == "1 234 567,50 kr"
    assert format_sek(123456750, "en") == "SEK 1,234,567.50"
    assert format_sek(-5, "sv") == "-0,05 kr"
    assert ore_to_string(123450) == "1234.50"


@given(total=st.integers(min_value=0, max_value=MAX_ORE), parts=st.integers(min_value=1, max_value=600))
def test_split_ore_parts_always_sum_to_the_whole(total, parts):
    result = split_ore(total, parts)
    assert sum(result) == total
    assert len(result) == parts
    assert max(result) - min(result) <= 1
    assert result == sorted(result, reverse=True)  # the extra öre go to the first parts
