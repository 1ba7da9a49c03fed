"""A pool's lifecycle: opening a draft, deciding the outcome, closing it after its closing day."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pools.errors import (
    PoolClosed,
    PoolCommunityMismatch,
    PoolNotClosable,
)
from pools.models import (
    FundingRule,
    Pool,
    PoolStatus,
    PoolTotals,
)
from pools.offers.services import pool_open_check
from pools.services.queues import totals_enqueue


def pool_community_check(*, pool: Pool) -> None:
    """A pool belongs to its project's community, or its micro-fund's (the database refuses anything else,
    see invest/pool_community.py). Raises PoolCommunityMismatch naming both communities."""
    field = "project" if pool.project_id else "micro_fund" if pool.micro_fund_id else None
    if field is None:
        return
    # Asked with the pool's community as the condition: the beneficiary is read only when it is not there.
    related: Any = Pool._meta.get_field(field).related_model
    beneficiaries = related._default_manager
    if beneficiaries.filter(pk=getattr(pool, f"{field}_id"), community_id=pool.community_id).exists():
        return
    beneficiary = getattr(pool, field)
    message = (
        _("The pool must belong to %(community)s, the community of the project %(name)s.")
        if pool.project_id
        else _("The pool must belong to %(community)s, the community of the micro-fund %(name)s.")
    )
    raise PoolCommunityMismatch(
        message % {"community": beneficiary.community.name, "name": beneficiary.name}, field="community"
    )


@transaction.atomic
def pool_open(*, pool: Pool) -> Pool:
    """Open a draft pool for pledges. Raises PoolClosed when it is not a draft, PoolCommunityMismatch."""
    # Locked in the community the caller's pool is of (the caller had it from a scoped read).
    pool = Pool.objects.select_for_update().get(pk=pool.pk, community_id=cast(int, pool.community_id))
    if pool.status != PoolStatus.DRAFT:
        raise PoolClosed(_("Only a draft pool can be opened."))
    pool_community_check(pool=pool)
    pool_open_check(pool=pool)
    pool.status = PoolStatus.OPEN
    pool.save(update_fields=["status", "updated_at"])
    PoolTotals.objects.get_or_create(pool=pool)
    totals_enqueue(pool_id=pool.pk)
    return pool


def pool_outcome(*, pool: Pool, figures: dict[str, object]) -> str:
    """Succeeded or failed by the pool's funding rule, given its current totals figures.

    Keep-what-you-raise always succeeds; all-or-nothing succeeds only when it reached its
    minimum (its target when it has no minimum; points for a points target).
    """
    if pool.funding_rule != FundingRule.ALL_OR_NOTHING:
        return PoolStatus.SUCCEEDED
    if pool.minimum_ore is not None:
        reached = int(figures["pledged_ore"]) >= pool.minimum_ore  # type: ignore[call-overload]
    elif pool.target_points:
        reached = int(figures["estimated_points"]) >= pool.target_points  # type: ignore[call-overload]
    else:
        reached = int(figures["pledged_ore"]) >= (pool.target_ore or 0)  # type: ignore[call-overload]
    return PoolStatus.SUCCEEDED if reached else PoolStatus.FAILED


@transaction.atomic
def pool_close(*, pool_id: int, today: date | None = None) -> Pool:
    """Close an open pool after its closing day: succeeded or failed by its funding rule; record its
    pledgers' outcome reminders and queue its totals. Already closed: nothing happens. Raises PoolNotClosable."""
    from pools.reminders import reminders_plan_pool_outcome
    from pools.totals import pool_totals_figures

    today = today or timezone.localdate()
    # The pool lock keeps pledges out while the outcome is decided (pledge_create takes it too).
    pool = Pool.objects.select_for_update().get(pk=pool_id)
    if not pool.is_open:
        return pool
    if pool.closes_on >= today:
        raise PoolNotClosable()
    pool.status = pool_outcome(pool=pool, figures=pool_totals_figures(pool_ids=[pool.pk])[pool.pk])
    pool.closed_at = timezone.now()
    pool.save(update_fields=["status", "closed_at", "updated_at"])
    reminders_plan_pool_outcome(pool=pool)
    totals_enqueue(pool_id=pool.pk)
    return pool


def pools_close_due(*, today: date | None = None) -> dict[str, list[int]]:
    """Close every open pool whose closing day has passed, each in its own transaction."""
    today = today or timezone.localdate()
    due = Pool.objects.filter(status__in=[s.value for s in (PoolStatus.OPEN, PoolStatus.EXTENDED)], closes_on__lt=today)
    closed: dict[str, list[int]] = {PoolStatus.SUCCEEDED: [], PoolStatus.FAILED: []}
    for pool_id in due.order_by("pk").values_list("pk", flat=True):
        pool = pool_close(pool_id=pool_id, today=today)
        closed.setdefault(pool.status, []).append(pool.pk)
    return {str(k): v for k, v in closed.items()}
