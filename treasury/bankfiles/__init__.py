"""Parsers for Swedish bank files: Bankgirot BgMax and ISO 20022 camt.053/054.

Pure Python, no Django.  Every parser either returns a fully validated
``ParsedFile`` or raises ``BankFileError`` and returns nothing.
"""

from .bgmax import parse_bgmax
from .camt import parse_camt
from .types import BankFileError, ParsedFile, ParsedPayment

__all__ = ["BankFileError", "ParsedFile", "ParsedPayment", "parse_bgmax", "parse_camt"]
