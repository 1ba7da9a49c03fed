"""Percentages as basis points, beside pools/money.py: stored as whole basis points, shown as "25.50".

1 % is 100 basis points, so two decimals of a percent are exact in an integer. Text comes in as
"25", "25.5" or "25,50" (a Swedish decimal comma); exponents, signs, NaN and infinities are refused
by the pattern before any Decimal arithmetic sees them.
"""

from __future__ import annotations

import re
from decimal import Decimal

PERCENT_TEXT = re.compile(r"^\d{1,4}([.,]\d{1,2})?$")


class PercentError(ValueError):
    """Not a percentage with at most two decimals."""


class PercentOutOfRange(PercentError):
    """A well-formed percentage outside the allowed range."""

    def __init__(self, low: Decimal, high: Decimal) -> None:
        super().__init__(f"{low}..{high}")
        self.low, self.high = low, high


def percent_to_bp(text: str, *, low: Decimal = Decimal(0), high: Decimal = Decimal(100)) -> int:
    """ "25,5" -> 2550. Raises PercentError for malformed text, PercentOutOfRange outside low..high."""
    text = text.strip()
    if not PERCENT_TEXT.match(text):
        raise PercentError(text)
    value = Decimal(text.replace(",", "."))
    if not low <= value <= high:
        raise PercentOutOfRange(low, high)
    return int(value * 100)


def bp_to_percent(bp: int | None) -> str | None:
    """2550 -> "25.50"; None stays None."""
    return None if bp is None else f"{Decimal(bp) / 100:.2f}"
