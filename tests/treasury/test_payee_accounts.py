"""Which accounts a payment order can carry (treasury.payee_accounts)."""

from __future__ import annotations

import pytest

from treasury.bankfiles.types import bankgiro_label
from treasury.payee_accounts import BANKGIRO, BBAN, IBAN, PayeeAccount, payee_account_parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SE4550000000058398257466", PayeeAccount(IBAN, "SE4550000000058398257466")),
        (" se45 5000 0000 0583 9825 7466 ", PayeeAccount(IBAN, "SE4550000000058398257466")),
        ("bankgiro 5050-1055", PayeeAccount(BANKGIRO, "50501055")),
        ("Bankgiro 991-2346", PayeeAccount(BANKGIRO, "9912346")),
        ("5050-1055", PayeeAccount(BANKGIRO, "50501055")),  # a pool's bankgiro as stored
        ("BBAN 83279123456789", PayeeAccount(BBAN, "83279123456789")),
    ],
)
def test_accounts_a_payment_order_can_carry(text, expected):
    assert payee_account_parse(text) == expected
    assert payee_account_parse(expected.label) == expected  # the stored form reads back the same


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "-",
        "SE4550000000058398257467",  # check digits wrong
        "FI2112345600000785",  # a valid IBAN, but not Swedish: a person decides
        "bankgiro 5050-1056",  # Luhn digit wrong
        "bankgiro 123",
        "Othr 123456",  # a camt identifier with no scheme
        "PGNR 9876",
        "BBAN 12",
        "BBAN 8327-9x",
        "50501055" * 6,
        "SE45<script>alert(1)</script>",
        "SE45 5000 0000 0583 9825 7466'; DROP TABLE pools_payment; --",
        "ＳＥ4550000000058398257466",  # full-width letters
    ],
)
def test_anything_else_is_no_account(text):
    assert payee_account_parse(text) is None


def test_bankgiro_label_puts_the_last_four_digits_after_a_dash():
    assert bankgiro_label("0050501055") == "bankgiro 5050-1055"
    assert bankgiro_label("0009912346") == "bankgiro 991-2346"
