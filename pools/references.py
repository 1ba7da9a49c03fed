"""OCR payment references: digits, a length digit, and a Luhn (mod 10) check digit.

Bankgirot's OCR control with a variable length: the second-to-last digit is the
reference's total length modulo 10, the last digit is the Luhn check digit
computed over everything before it. Luhn comes from python-stdnum.
"""

from __future__ import annotations

import secrets

from stdnum import luhn

MIN_LENGTH = 2
MAX_LENGTH = 25
# 10 random digits + length digit + check digit: 12 digits in all.
GENERATED_BODY_DIGITS = 10


class InvalidReference(ValueError):
    """Not a valid OCR reference."""


def ocr_from_body(body: str) -> str:
    """Append the length digit and the Luhn check digit to a string of digits."""
    if not body.isdigit():
        raise InvalidReference("the body must be digits")
    length_digit = str((len(body) + 2) % 10)
    with_length = body + length_digit
    reference = with_length + luhn.calc_check_digit(with_length)
    if len(reference) > MAX_LENGTH:
        raise InvalidReference("too long")
    return reference


def ocr_generate() -> str:
    """A new random OCR reference with length and check digit (uniqueness is the database's job)."""
    first = str(secrets.randbelow(9) + 1)  # no leading zero: banks and people drop it
    rest = "".join(str(secrets.randbelow(10)) for _ in range(GENERATED_BODY_DIGITS - 1))
    return ocr_from_body(first + rest)


def ocr_normalize(text: str) -> str:
    """Strip spaces and dashes a person or bank may have added."""
    return "".join(ch for ch in str(text) if ch not in " -\u00a0\t")


def ocr_is_valid(text: str, *, require_length_digit: bool = True) -> bool:
    """True for 2-25 digits with a valid Luhn check digit (and a matching length digit)."""
    reference = ocr_normalize(text)
    if not reference.isdigit() or not MIN_LENGTH <= len(reference) <= MAX_LENGTH:
        return False
    if not luhn.is_valid(reference):
        return False
    if require_length_digit and int(reference[-2]) != len(reference) % 10:
        return False
    return True


def ocr_validate(text: str) -> str:
    """Return the normalized reference or raise InvalidReference."""
    reference = ocr_normalize(text)
    if not ocr_is_valid(reference):
        raise InvalidReference(text)
    return reference
