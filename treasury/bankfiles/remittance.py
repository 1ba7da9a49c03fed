"""What a payer's free text tells: an OCR reference typed as a message, and how the money was sent.

A Swish payment (and many plain transfers) reaches the receiver's account with the payer's message as
unstructured remittance text (camt ``RmtInf/Ustrd``), not as a structured reference. People write the OCR
reference there amid other words and spaces: ``"Gåva 4711 0000 0018 tack!"``, ``"OCR:471100000018"``.

``ocr_in_text`` finds it: every run of digits, with single spaces or dashes inside, is tried whole and as
each of its space-separated sub-runs; a candidate counts only when it is an OCR reference with a valid length
digit and Luhn check digit (so a phone number or a date almost never passes: about one in a hundred digit
strings would, which is why very short candidates are ignored). Exactly one distinct candidate must remain;
two different valid references in one message are left to the treasurer.
"""

from __future__ import annotations

import re

from pools.references import ocr_is_valid

# Shorter strings pass the two check digits too easily by chance (a year, a house number).
MIN_OCR_IN_TEXT = 6
MAX_OCR_IN_TEXT = 25
_DIGIT_RUN = re.compile(r"\d(?:[ \-\u00a0]?\d)*")

PAID_VIA_BANKGIRO = "bankgiro"
PAID_VIA_SWISH = "swish"
PAID_VIA_TRANSFER = "transfer"


def _candidates(run: str) -> list[str]:
    groups = re.split(r"[ \-\u00a0]", run)
    found = []
    # Every contiguous span of groups, longest first: "2026 4711 0000 0018" holds "471100000018".
    for size in range(len(groups), 0, -1):
        for start in range(0, len(groups) - size + 1):
            digits = "".join(groups[start : start + size])
            if MIN_OCR_IN_TEXT <= len(digits) <= MAX_OCR_IN_TEXT:
                found.append(digits)
    return found


def ocr_in_text(texts: list[str] | tuple[str, ...]) -> str:
    """The one OCR reference (check digits verified) written in the texts, or '' when none or several."""
    valid: list[str] = []
    for text in texts:
        for run in _DIGIT_RUN.findall(text or ""):
            for candidate in _candidates(run):
                # A valid span inside a longer valid one is the same reference written once.
                if ocr_is_valid(candidate) and not any(candidate in seen for seen in valid):
                    valid.append(candidate)
    return valid[0] if len(valid) == 1 else ""


def paid_via(*, texts: list[str] | tuple[str, ...], has_structured_reference: bool) -> str:
    """How the payer sent the money: Swish when the bank says so, bankgiro for a structured (OCR)
    reference, otherwise a plain transfer."""
    if any("swish" in (text or "").lower() for text in texts):
        return PAID_VIA_SWISH
    if has_structured_reference:
        return PAID_VIA_BANKGIRO
    return PAID_VIA_TRANSFER
