"""Scan-to-pay blocks on payment instructions: the bank-app QR and "Pay with Swish" (see pools/paycodes.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe

from pools.models import Pledge, Pool
from pools.paycodes import (
    PayCodes,
    fund_instalment_pay_codes,
    pledge_pay_codes,
    pool_payment_bankgiro,
    pool_payment_holder,
    qr_svg,
)
from pools.selectors import PledgeDue

register = template.Library()


@register.filter
def payment_bankgiro(pool: Pool) -> str:
    """The bankgiro the pool's savers pay to (its own, else its community's)."""
    return pool_payment_bankgiro(pool)


@register.filter
def payment_holder(pool: Pool) -> str:
    """Who holds the bankgiro the pool's savers pay to."""
    return pool_payment_holder(pool)


def _context(codes: PayCodes | None) -> dict[str, Any]:
    if codes is None:
        return {"codes": None}
    return {
        "codes": codes,
        "bank_qr": mark_safe(qr_svg(codes.bank_payload)) if codes.bank_payload else "",  # noqa: S308 - segno's own SVG
        "swish_qr": mark_safe(qr_svg(codes.swish_qr_url())) if codes.swish_url else "",  # noqa: S308 - segno's own SVG
    }


@register.inclusion_tag("savers/_pay_codes.html")
def pledge_pay_block(pledge: Pledge, due: PledgeDue | None) -> dict[str, Any]:
    """The QR codes and Swish button for what the pledge asks for now."""
    return _context(pledge_pay_codes(pledge=pledge, due=due, today=timezone.localdate()))


@register.inclusion_tag("savers/_pay_codes.html")
def fund_instalment_pay_block(fund: Any, next_due: dict[str, Any] | None) -> dict[str, Any]:
    """The QR codes and Swish button for a fund member's next unpaid instalment."""
    if not next_due:
        return {"codes": None}
    due_on: date = next_due["due_on"]
    return _context(
        fund_instalment_pay_codes(
            fund_name=fund.name,
            organisation_number=fund.organisation_number,
            bankgiro=fund.bankgiro,
            fund_swish=fund.swish_number,
            community_swish=fund.community.swish_number,
            reference=str(next_due.get("ocr_reference") or ""),
            amount_ore=int(next_due["unpaid_ore"]),
            due_on=due_on,
            today=timezone.localdate(),
        )
    )
