"""Parsers for Swedish bank files: Bankgirot BgMax and ISO 20022 camt.053/054.

Pure Python, no Django.  Every parser either returns a fully validated
``ParsedFile`` or raises ``BankFileError`` and returns nothing.
"""

from .bgmax import bgmax_stream, parse_bgmax
from .camt import camt_stream, parse_camt
from .types import BankFileError, EntryStream, ParsedFile, ParsedPayment

__all__ = [
    "BankFileError",
    "EntryStream",
    "ParsedFile",
    "ParsedPayment",
    "bgmax_stream",
    "camt_stream",
    "parse_bgmax",
    "parse_camt",
]
