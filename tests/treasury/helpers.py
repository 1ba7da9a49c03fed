"""Small builders for treasury tests: money pledges with known OCR references."""

from __future__ import annotations

from datetime import date

from pools.models import Pledge, PledgeKind, PledgeSource, Pool
from pools.references import ocr_from_body


def ocr(n: int) -> str:
    """A valid OCR reference (length and check digit) made from a number."""
    return ocr_from_body(str(n))


def money_pledge(
    pool: Pool,
    saver=None,
    *,
    amount_ore: int,
    reference: str | None = None,
    kind: str = PledgeKind.GIFT,
    due_on: date | None = None,
    contact_name: str = "",
    monthly_ore: int | None = None,
    months: int | None = None,
) -> Pledge:
    return Pledge.objects.create(
        pool=pool,
        saver=saver,
        kind=kind,
        source=PledgeSource.ONLINE if saver else PledgeSource.TREASURER,
        amount_ore=amount_ore,
        monthly_ore=monthly_ore,
        months=months,
        ocr_reference=reference or ocr(Pledge.objects.count() + 7001),
        due_on=due_on,
        contact_name=contact_name,
    )
