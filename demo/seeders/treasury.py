"""Demo data for the treasury: one imported BgMax file (matches, an over-payment, an unmatched
payment, a deduction) and a refund list awaiting the second treasurer. Idempotent."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from pools.models import MONEY_KINDS, Pledge, Pool
from treasury.models import BankFile, PayoutBatch

DEMO_FILE_NAME = "demo-bgmax.txt"


def _record(text: str) -> str:
    return text.ljust(80)[:80]


def _bgmax(entries: list[tuple[int, str, str, bool, str]], booked_on_text: str) -> bytes:
    """A one-section BgMax file: (amount in öre, OCR reference, payer name, is deduction, payer bankgiro)
    per entry."""
    lines = [_record(f"01{'BGMAX':<20}01{booked_on_text}061530000000P"), _record(f"05{'0050501055':>10}{'':10}SEK")]
    n20 = n21 = net = 0
    for serial, (amount, reference, name, deduction, payer_bankgiro) in enumerate(entries, start=1):
        code = "2" if reference else "1"
        tk = "21" if deduction else "20"
        deduction_code = "3" if deduction else ""
        body = f"{tk}{payer_bankgiro:0>10}{reference:>25}{amount:018d}{code}1{serial:012d}0{deduction_code}"
        lines.append(_record(body))
        lines.append(_record(f"26{name[:35]:<35}"))
        if deduction:
            n21 += 1
            net -= amount
        else:
            n20 += 1
            net += amount
    lines.append(_record(f"15{'0' * 35}{booked_on_text}{1:05d}{net:018d}SEK{n20 + n21:08d}K"))
    lines.append(_record(f"70{n20:08d}{n21:08d}{0:08d}{1:08d}"))
    return "".join(line + "\r\n" for line in lines).encode("iso-8859-1")


def seed(*, people: dict[str, User], pools: dict[str, Pool], rng: random.Random) -> None:
    """Import one demo bank file and prepare one refund list (once)."""
    from treasury.selectors import payout_candidates
    from treasury.services import bankfile_import, payout_prepare

    treasurer, second = people.get("kassor"), people.get("kassor2")
    if treasurer is None or second is None or BankFile.objects.filter(original_name=DEMO_FILE_NAME).exists():
        return
    pledges = list(Pledge.objects.filter(kind__in=MONEY_KINDS, allocations__isnull=True).order_by("pk")[:6])
    entries: list[tuple[int, str, str, bool, str]] = []
    for index, pledge in enumerate(pledges):
        amount = int(pledge.monthly_ore or pledge.amount_ore or 0)
        payer_bankgiro = ""
        if index == 0:
            amount += 5_000  # an over-payment of 50 kr: a refund candidate, paid back to the sender's bankgiro
            payer_bankgiro = "12345674"
        entries.append((amount, pledge.ocr_reference or "", pledge.pledger_name or "Åsa Öberg", False, payer_bankgiro))
    entries.append((12_300, "", "Kjell Åström", False, ""))  # no reference: the unmatched queue
    entries.append((2_000, "", "Bankgirot avdrag", True, ""))
    booked = (timezone.localdate() - timedelta(days=2)).strftime("%Y%m%d")
    bankfile_import(content=_bgmax(entries, booked), filename=DEMO_FILE_NAME, by=treasurer)
    refunds = [c for c in payout_candidates(kind="refund") if not c.is_missing_account]
    if refunds and not PayoutBatch.objects.exists():
        payout_prepare(
            kind="refund",
            source_keys=[refunds[0].source_key],
            by=treasurer,
            note="Demo: återbetalning av överbetalning",
        )
