"""The one CSV convention: ';' between cells, decimal comma, UTF-8 with a byte order mark, kronor from öre exactly."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from operations.csv_files import BOM, csv_lines, kronor_cell, number_cell, text_cell


@given(st.integers(-(10**15), 10**15))
def test_kronor_cell_is_the_exact_amount_with_a_decimal_comma(ore):
    whole, cents = kronor_cell(ore).lstrip("-").split(",")
    assert len(cents) == 2 and "." not in whole and " " not in whole
    sign = -1 if kronor_cell(ore).startswith("-") else 1
    assert sign * (int(whole) * 100 + int(cents)) == ore


def test_kronor_cell_examples():
    assert kronor_cell(123_450) == "1234,50"
    assert kronor_cell(-5) == "-0,05"
    assert kronor_cell(0) == "0,00"
    assert kronor_cell(None) == ""


def test_number_and_text_cells():
    assert number_cell(Decimal("12.5")) == "12,5"
    assert number_cell(7) == "7"
    assert text_cell(date(2026, 3, 1)) == "2026-03-01"
    assert text_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert text_cell("-5 kr") == "'-5 kr"
    assert text_cell(None) == ""


def test_lines_start_with_the_byte_order_mark_and_use_semicolons():
    text = "".join(csv_lines(["Namn", "Belopp (kr)"], [["Åsa; med semikolon", kronor_cell(100_050)]]))
    assert text.startswith(BOM) and text.count(BOM) == 1
    rows = list(csv.reader(io.StringIO(text.removeprefix(BOM)), delimiter=";"))
    assert rows == [["Namn", "Belopp (kr)"], ["Åsa; med semikolon", "1000,50"]]
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")
