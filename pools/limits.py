"""Plausibility limits: the most one pledge may be, per pool kind (settings POOL_MAX_PLEDGE_ORE).

A pledge above the limit is refused whatever its source (online, fair card, treasurer), on
creation and on change, so no public figure (pool totals, the fair board, project pages) can
be inflated by one implausible pledge such as a 10,000,000,000 kr gift.

Rows written before the limits, or around the services (an import, a database fix), may still
be larger. Public figures therefore count each pledge at most at its pool kind's limit
(`pledge_cap_groups`: pools/totals.py and the fair board cap every row before summing), and the
treasurer's pledge report shows how far each pledge is over its limit, so it can be corrected.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from pools.errors import AmountAboveMaximum
from pools.models import PoolKind
from pools.money import format_sek
from pools.pledge_terms import MAX_MONTHS


def max_pledge_ore(pool_kind: str) -> int:
    """The largest amount one pledge to a pool of this kind may be, in öre."""
    limits: dict[str, int] = settings.POOL_MAX_PLEDGE_ORE
    return int(limits.get(pool_kind, limits["default"]))


def max_pledge_krona_months(pool_kind: str) -> int:
    """The most krona-months (savings points before the pool's rate) one pledge within the limit can earn.

    A lump sum is at most the limit kept at most MAX_MONTHS; a monthly saver's n(n+1)/2 instalment-months
    with n * monthly within the limit stay below that too.
    """
    return max_pledge_ore(pool_kind) * MAX_MONTHS // 100


def pledge_cap_groups() -> list[tuple[int, tuple[str, ...]]]:
    """The distinct per-pledge limits, each with the pool kinds it applies to, in a fixed order.

    Aggregates sum each pledge capped at every distinct limit (a few columns, no join to the pool),
    then pick per pool the column of its kind: the same plan as an uncapped sum.
    """
    groups: dict[int, list[str]] = {}
    for kind in PoolKind.values:
        groups.setdefault(max_pledge_ore(kind), []).append(kind)
    return sorted((cap, tuple(kinds)) for cap, kinds in groups.items())


def pledge_cap_index(pool_kind: str) -> int:
    """The position in pledge_cap_groups() of the limit that applies to a pool kind."""
    cap = max_pledge_ore(pool_kind)
    return [limit for limit, _kinds in pledge_cap_groups()].index(cap)


def capped_sql(column: str, cap: int) -> str:
    """SQL for one row's value counted at most at `cap` (NULL stays NULL on every database)."""
    return f"CASE WHEN {column} > {int(cap)} THEN {int(cap)} ELSE {column} END"


def pledge_amount_check_plausible(*, pool_kind: str, amount_ore: int, language: str = "sv") -> None:
    """Raise AmountAboveMaximum when one pledge is larger than its pool kind allows."""
    limit = max_pledge_ore(pool_kind)
    if amount_ore > limit:
        raise AmountAboveMaximum(
            _("One pledge to this pool may be at most %(amount)s.") % {"amount": format_sek(limit, language)},
            field="amount",
        )
