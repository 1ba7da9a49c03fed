"""Result types shared by the bank file parsers.

Money is always an ``int`` number of öre (1 SEK = 100 öre), never a float.
All result objects are frozen dataclasses, so a parsed file cannot be changed
by accident after it has been validated.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

CHANNELS = ("bgmax", "camt053", "camt054")
FORMATS = CHANNELS


class BankFileError(ValueError):
    """The bank file is malformed or inconsistent and was refused as a whole.

    The message says, in plain words, what is wrong (and, for BgMax, on which
    line), so it can be shown to the treasurer who uploaded the file.
    """


@dataclass(frozen=True, slots=True)
class ParsedPayment:
    """One incoming payment, or with ``deduction=True`` one deduction.

    ``amount_ore`` is always positive; a deduction is a positive amount with
    ``deduction=True`` and must be *subtracted* by the caller.
    ``reference`` is the structured/OCR reference as digits only, or ``""``
    when the payer gave none (free text then lives in ``raw``).
    ``payer_account`` is the account the money came from when the file names
    it: a compact IBAN, ``"bankgiro 1234-5678"``, ``"BBAN <digits>"``, or
    ``"<scheme> <id>"`` for another identifier; ``""`` when the file has none.
    """

    amount_ore: int
    booked_on: date
    reference: str
    payer_name: str
    payer_address: str
    channel: str
    bank_reference: str
    deduction: bool = False
    raw: str = ""
    extra_references: tuple[str, ...] = ()
    payer_account: str = ""
    # The bank's own identifier of this entry, stable across files (camt: account, AcctSvcrRef or
    # NtryRef and the transaction's place in the entry; BgMax: payee bankgiro, date and BGC serial
    # number). An importer skips an entry whose key it has seen before. "" when the file has none.
    entry_key: str = ""
    # BgMax TK22/TK23: (reference, amount in öre) per extra reference, negative for TK23.
    reference_amounts: tuple[tuple[str, int], ...] = ()
    # A debit that gives back an earlier credit (camt RvslInd true); ``original_refs`` are the
    # identifiers the bank repeats from the original (AcctSvcrRef, EndToEndId, TxId).
    reversal: bool = False
    original_refs: tuple[str, ...] = ()
    # The payer wrote something in the reference field that is not a valid OCR reference
    # (BgMax reference code 5, or digits that fail the check digit): kept so the reason can say so.
    reference_text: str = ""
    # How the payer sent it: "bankgiro", "swish", "transfer", or "" when the file does not tell.
    paid_via: str = ""

    def __post_init__(self) -> None:
        if type(self.amount_ore) is not int:
            raise TypeError(f"amount_ore must be an int (öre), got {self.amount_ore!r}")
        if self.amount_ore <= 0:
            raise ValueError(f"amount_ore must be positive, got {self.amount_ore!r}")
        if type(self.booked_on) is not date:
            raise TypeError(f"booked_on must be a datetime.date, got {self.booked_on!r}")
        if self.reference and not is_ascii_digits(self.reference):
            raise ValueError(f"reference must be digits only or empty, got {self.reference!r}")
        if self.channel not in CHANNELS:
            raise ValueError(f"channel must be one of {CHANNELS}, got {self.channel!r}")
        if not isinstance(self.extra_references, tuple):
            raise TypeError("extra_references must be a tuple")


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """A fully validated bank file.

    ``declared_*`` are the totals the file states about itself and
    ``computed_*`` are what the parser counted; a file is only returned when
    the two agree.  ``declared_*`` is ``None`` when the file carries no totals
    (possible for camt, never for BgMax).  What is counted depends on the
    format; see ``parse_bgmax`` and ``parse_camt``.
    """

    format: str
    created_at: datetime | None
    payee_account: str
    currency: str
    payments: tuple[ParsedPayment, ...]
    deductions: tuple[ParsedPayment, ...]
    declared_count: int | None
    declared_total_ore: int | None
    computed_count: int
    computed_total_ore: int
    # What makes this file itself (see each parser): a file with the same identity was sent before,
    # whatever its bytes. Entries the bank gave back (camt RvslInd) are in ``reversals``.
    identity: str = ""
    reversals: tuple[ParsedPayment, ...] = ()
    version: str = ""

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, got {self.format!r}")
        if not isinstance(self.payments, tuple) or not isinstance(self.deductions, tuple):
            raise TypeError("payments and deductions must be tuples")


def is_ascii_digits(text: str) -> bool:
    """True for a non-empty string of the ASCII digits 0-9 only."""
    return text.isascii() and text.isdigit()


def format_sek(ore: int) -> str:
    """Format öre as e.g. '1500.00 SEK' (for messages; never parse this back)."""
    sign = "-" if ore < 0 else ""
    kronor, rest = divmod(abs(ore), 100)
    return f"{sign}{kronor}.{rest:02d} SEK"


def bankgiro_label(digits: str) -> str:
    """'bankgiro 5050-1055' (eight digits) or 'bankgiro 505-1055' (seven): the last four after a dash."""
    digits = digits.lstrip("0") or "0"
    if len(digits) > 4:
        digits = f"{digits[:-4]}-{digits[-4:]}"
    return f"bankgiro {digits}"


class EntryStream:
    """A file's entries read one at a time (payments, deductions and reversals in file order), for
    files too large to hold parsed: ``summary`` is the ParsedFile without its entries, set once every
    entry has been read and every total checked."""

    def __init__(self, entries: Iterator[ParsedPayment]) -> None:
        self.entries = entries
        self.summary: ParsedFile | None = None

    def __iter__(self) -> Iterator[ParsedPayment]:
        return self.entries
