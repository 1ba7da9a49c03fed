"""Accounts money can be sent to: the forms a payment's `payer_account` and a payout line's
`payee_account` take, and which of them a payment order (pain.001, CSV) can carry.

Stored forms:

- an IBAN, compact: ``SE4550000000058398257466`` (a saver's refund account, or a camt ``DbtrAcct/Id/IBAN``);
- a bankgiro number: ``bankgiro 5050-1055`` (a BgMax sender, a camt account named BGNR, a pool's bankgiro;
  a bare ``5050-1055`` as a pool stores it is read the same way);
- a Swedish domestic account from a bank statement: ``BBAN 83279123456789`` (camt ``Othr`` with scheme BBAN).

Anything else (nothing at all, a foreign IBAN, a plusgiro number, an identifier whose scheme the bank file
did not name) cannot be paid to from here: such a line is "missing account" and is never exported.
"""

from __future__ import annotations

from dataclasses import dataclass

from stdnum import iban, luhn

from treasury.bankfiles.types import bankgiro_label

IBAN = "IBAN"
BANKGIRO = "BGNR"
BBAN = "BBAN"
MAX_STORED_LENGTH = 40  # Payment.payer_account and PayoutLine.payee_account

_BANKGIRO_PREFIX = "bankgiro "
_BBAN_PREFIX = "BBAN "


@dataclass(frozen=True)
class PayeeAccount:
    """An account a payment order can name: its scheme (IBAN, BGNR, BBAN) and compact number."""

    scheme: str
    number: str

    @property
    def label(self) -> str:
        """The stored and displayed form."""
        if self.scheme == BANKGIRO:
            return bankgiro_label(self.number)
        if self.scheme == BBAN:
            return _BBAN_PREFIX + self.number
        return self.number


def _bankgiro(text: str) -> PayeeAccount | None:
    digits = text.replace("-", "").replace(" ", "")
    if digits.isascii() and digits.isdigit() and 7 <= len(digits) <= 8 and luhn.is_valid(digits):
        return PayeeAccount(BANKGIRO, digits)
    return None


def payee_account_parse(text: str | None) -> PayeeAccount | None:
    """The account in one of the stored forms, or None when a payment order cannot carry it."""
    value = (text or "").strip()
    if not value or len(value) > MAX_STORED_LENGTH or not value.isascii():
        return None
    if value.lower().startswith(_BANKGIRO_PREFIX):
        return _bankgiro(value[len(_BANKGIRO_PREFIX) :])
    if value.startswith(_BBAN_PREFIX):
        digits = value[len(_BBAN_PREFIX) :].replace("-", "").replace(" ", "")
        return PayeeAccount(BBAN, digits) if digits.isdigit() and 8 <= len(digits) <= 20 else None
    if value[:2].isalpha():
        compact = iban.compact(value)
        # Only Swedish accounts: the order is a domestic SEK transfer; a foreign IBAN needs a person.
        if compact.startswith("SE") and iban.is_valid(compact):
            return PayeeAccount(IBAN, compact)
        return None
    return _bankgiro(value)  # a pool's bankgiro as entered: "5050-1055"
