"""CSV cells of money are the amount in kronor with a decimal comma (operations/csv_files.py), computed in
integers: the API's text of the amount with its point turned into a comma; codes are shown as their labels."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from operations.csv_files import kronor_cell
from pools.models import PaymentChannel, PledgeKind
from pools.money import ore_to_string
from treasury.exports import _csv_converter, _csv_value, _ore_text
from treasury.reports import Column


@given(st.integers(-(10**15), 10**15))
def test_csv_money_cell_is_the_api_text_of_the_amount_with_a_decimal_comma(ore):
    assert _ore_text(ore) == ore_to_string(ore).replace(".", ",") == kronor_cell(ore)


def test_csv_money_cell_of_nothing_is_empty():
    assert _ore_text(None) == ""


@given(
    st.sampled_from(["text", "int", "date", "percent", "pledge_kind", "channel"]),
    st.one_of(
        st.none(),
        st.text(max_size=12),
        st.integers(),
        st.dates(),
        st.sampled_from([*PledgeKind.values, *PaymentChannel.values]),
    ),
)
def test_csv_cell_converters_give_what_the_cell_function_gives(kind, value):
    column = Column("x", "X", kind)
    assert _csv_converter(column)(value) == _csv_value(column, value)


def test_csv_cells_of_codes_are_their_labels_in_the_language():
    from django.utils import translation

    with translation.override("sv"):
        assert _csv_converter(Column("kind", "Kind", "pledge_kind"))("support_saving") == "Stödspar"
    with translation.override("en"):
        assert _csv_converter(Column("channel", "Channel", "channel"))("manual") == "Entered by a treasurer"
