"""Money at the edges: whole öre inside, Decimal kronor outside. Never float.

- parse: "1 234,50", "1234.50", Decimal("1234.5") -> 123450 öre; more than two decimals refused.
- format: 123456750 -> "1 234 567,50 kr" (sv) or "SEK 1,234,567.50" (en).
- split: a whole into parts that always add up to it exactly.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ORE_PER_KRONA = 100
# The largest amount the platform accepts anywhere: 10 000 000 000 kr (fits a bigint many times).
MAX_ORE = 10_000_000_000 * ORE_PER_KRONA

_AMOUNT_TEXT = re.compile(r"^-?[0-9]{1,15}([.,][0-9]+)?$")


class MoneyError(ValueError):
    """An amount that cannot be money: not a number, too many decimals, out of range."""


def kronor_to_ore(value: Decimal | int | str) -> int:
    """Exact conversion of kronor to öre; refuses more than two decimals and float input."""
    if isinstance(value, float):
        raise MoneyError("float is not accepted for money")
    if isinstance(value, bool):
        raise MoneyError("not an amount")
    if isinstance(value, str):
        return parse_kronor(value)
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise MoneyError("not an amount") from exc
    if not amount.is_finite():
        raise MoneyError("not an amount")
    ore = amount * ORE_PER_KRONA
    if ore != ore.to_integral_value():
        raise MoneyError("at most two decimals")
    result = int(ore)
    if abs(result) > MAX_ORE:
        raise MoneyError("amount too large")
    return result


def parse_kronor(text: str) -> int:
    """Parse "1 234,50", "1234.50" or "1234" (kronor) to öre."""
    if not isinstance(text, str):
        raise MoneyError("not an amount")
    cleaned = (
        text.strip()
        .replace("\u00a0", "")
        .replace("\u202f", "")
        .replace(" ", "")
        .removesuffix("kr")
        .removeprefix("SEK")
        .strip()
    )
    if not _AMOUNT_TEXT.match(cleaned):
        raise MoneyError("not an amount")
    return kronor_to_ore(Decimal(cleaned.replace(",", ".")))


def ore_to_kronor(ore: int) -> Decimal:
    """123450 -> Decimal('1234.50'), always two decimals."""
    return (Decimal(int(ore)) / ORE_PER_KRONA).quantize(Decimal("0.01"))


def ore_to_string(ore: int) -> str:
    """The API's form: a decimal string with two decimals, "1234.50"."""
    return f"{ore_to_kronor(ore):.2f}"


def format_sek(ore: int | None, language: str = "sv") -> str:
    """Display form: "1 234 567,50 kr" in Swedish, "SEK 1,234,567.50" in English."""
    if ore is None:
        return ""
    sign = "-" if ore < 0 else ""
    whole, cents = divmod(abs(int(ore)), ORE_PER_KRONA)
    if language == "en":
        return f"{sign}SEK {whole:,}.{cents:02d}"
    grouped = f"{whole:,}".replace(",", " ")
    return f"{sign}{grouped},{cents:02d} kr"


def round_to_ore(value: Decimal) -> int:
    """Round a Decimal number of öre to a whole öre, half up (the rounding rule everywhere)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def split_ore(total_ore: int, parts: int) -> list[int]:
    """Split a whole into `parts` amounts that sum to it exactly.

    Rounding rule: every part gets the floor of the even share and the remaining
    öre go one each to the first parts, so earlier instalments are at most one öre larger.
    """
    if parts <= 0:
        raise MoneyError("parts must be positive")
    if total_ore < 0:
        raise MoneyError("cannot split a negative amount")
    base, remainder = divmod(total_ore, parts)
    return [base + 1 if index < remainder else base for index in range(parts)]
