"""Plausibility limits: the most one pledge may be, per pool kind (settings POOL_MAX_PLEDGE_ORE).

A pledge above the limit is refused whatever its source (online, fair card, treasurer), on
creation and on change, so no public figure (pool totals, the fair board, project pages) can
be inflated by one implausible pledge such as a 10,000,000,000 kr gift.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from pools.errors import AmountAboveMaximum
from pools.money import format_sek


def max_pledge_ore(pool_kind: str) -> int:
    """The largest amount one pledge to a pool of this kind may be, in öre."""
    limits: dict[str, int] = settings.POOL_MAX_PLEDGE_ORE
    return int(limits.get(pool_kind, limits["default"]))


def pledge_amount_check_plausible(*, pool_kind: str, amount_ore: int, language: str = "sv") -> None:
    """Raise AmountAboveMaximum when one pledge is larger than its pool kind allows."""
    limit = max_pledge_ore(pool_kind)
    if amount_ore > limit:
        raise AmountAboveMaximum(
            _("One pledge to this pool may be at most %(amount)s.") % {"amount": format_sek(limit, language)},
            field="amount",
        )
