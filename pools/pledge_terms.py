"""The terms a pledge obeys whatever brought it in: the online form, the API or a fair card.

`pledge_terms_check` checks amounts, months, shares, descriptions and quantities (hours) and
returns them normalised; it raises InvalidPledge naming the pledge field at fault. The pledge
service (`pools.services.pledges`) and the fair card check (`invest.fairs.services.cards`)
both call it, so the rules exist once. Pool rules (open, minimum, caps) stay in the service,
which checks them under the pool's row lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from pools.errors import InvalidPledge
from pools.models import MONEY_KINDS, PledgeKind
from pools.money import MAX_ORE

MAX_MONTHS = 600
MAX_SHARES = 1_000_000
MAX_QUANTITY = Decimal("1000000")
MAX_DESCRIPTION = 2000


@dataclass(frozen=True)
class PledgeTerms:
    """A pledge's terms after the check: öre totals worked out, text stripped."""

    amount_ore: int | None = None
    monthly_ore: int | None = None
    months: int | None = None
    term_months: int | None = None
    share_count: int | None = None
    description: str = ""
    quantity: Decimal | None = None
    unit: str = ""


def positive_whole(value: object, *, field: str, maximum: int) -> int:
    """A whole number from 1 to `maximum` (booleans are not numbers here). Raises InvalidPledge."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= maximum:
        raise InvalidPledge(_("Give a whole number from 1 to %(max)s.") % {"max": maximum}, field=field)
    return value


def _money_terms(
    kind: str,
    *,
    amount_ore: object,
    monthly_ore: object,
    months: object,
    term_months: object,
    share_count: object,
    share_price_ore: int | None,
) -> PledgeTerms:
    if kind == PledgeKind.SHARE:
        count = positive_whole(share_count, field="share_count", maximum=MAX_SHARES)
        total = count * int(share_price_ore or 0)
        if total > MAX_ORE:
            raise InvalidPledge(_("That is more than the platform accepts."), field="share_count")
        return PledgeTerms(amount_ore=total, share_count=count)
    if kind == PledgeKind.SUPPORT_SAVING and monthly_ore is not None:
        monthly = positive_whole(monthly_ore, field="monthly_amount", maximum=MAX_ORE)
        count = positive_whole(months, field="months", maximum=MAX_MONTHS)
        if monthly * count > MAX_ORE:
            raise InvalidPledge(_("That is more than the platform accepts."), field="monthly_amount")
        return PledgeTerms(amount_ore=monthly * count, monthly_ore=monthly, months=count)
    amount = positive_whole(amount_ore, field="amount", maximum=MAX_ORE)
    term = None
    if kind == PledgeKind.SUPPORT_SAVING or term_months is not None:
        term = positive_whole(term_months, field="term_months", maximum=MAX_MONTHS)
    return PledgeTerms(amount_ore=amount, term_months=term)


def description_check(description: str, *, field: str = "description") -> str:
    """The description stripped, at most MAX_DESCRIPTION characters. Raises InvalidPledge."""
    if len(description or "") > MAX_DESCRIPTION:
        raise InvalidPledge(_("Keep the description under 2000 characters."), field=field)
    return (description or "").strip()


def _non_money_terms(kind: str, *, description: str, quantity: object, unit: str, quantity_max: Decimal) -> PledgeTerms:
    text = description_check(description)
    if not text:
        raise InvalidPledge(_("Describe what you offer."), field="description")
    if kind == PledgeKind.TIME:
        if quantity is None:
            raise InvalidPledge(_("Say how many hours."), field="quantity")
        unit = unit or "hours"
    if quantity is not None:
        if not isinstance(quantity, Decimal) or not quantity.is_finite():
            raise InvalidPledge(_("Give a number."), field="quantity")
        if not Decimal(0) < quantity <= quantity_max or quantity != quantity.quantize(Decimal("0.01")):
            raise InvalidPledge(_("Give a number above 0 with at most two decimals."), field="quantity")
    return PledgeTerms(description=text, quantity=quantity, unit=(unit or "").strip()[:30])


def pledge_terms_check(
    *,
    kind: str,
    amount_ore: object = None,
    monthly_ore: object = None,
    months: object = None,
    term_months: object = None,
    share_count: object = None,
    share_price_ore: int | None = None,
    description: str = "",
    quantity: object = None,
    unit: str = "",
    quantity_max: Decimal = MAX_QUANTITY,
) -> PledgeTerms:
    """Check a pledge's own terms (not the pool's rules); returns them normalised. Raises InvalidPledge."""
    if kind in MONEY_KINDS:
        return _money_terms(
            kind,
            amount_ore=amount_ore,
            monthly_ore=monthly_ore,
            months=months,
            term_months=term_months,
            share_count=share_count,
            share_price_ore=share_price_ore,
        )
    return _non_money_terms(kind, description=description, quantity=quantity, unit=unit, quantity_max=quantity_max)
