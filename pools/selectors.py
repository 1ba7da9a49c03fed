"""Reads for pools/: visibility rules live here so no view can forget them."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from invest.models import ProjectStatus
from pools.models import OPEN_POOL_STATUSES, Payment, Pledge, Pool, PoolStatus, Reminder, ReminderStatus


def pool_list_public() -> QuerySet[Pool]:
    """Pools anyone may see: open or finished, of a public project or a fund."""
    return (
        Pool.objects.exclude(status__in=[PoolStatus.DRAFT, PoolStatus.CANCELLED])
        .exclude(project__status__in=[ProjectStatus.DRAFT, ProjectStatus.WITHDRAWN])
        .select_related("project", "micro_fund", "totals")
    )


def pool_list_open() -> QuerySet[Pool]:
    """Pools that take pledges now."""
    return pool_list_public().filter(status__in=OPEN_POOL_STATUSES)


def pool_get_public(*, pool_id: int) -> Pool:
    """One visible pool, or 404."""
    try:
        return pool_list_public().get(pk=pool_id)
    except Pool.DoesNotExist as exc:
        raise Http404 from exc


def pledge_list_for_saver(*, saver: User) -> QuerySet[Pledge]:
    """The saver's own pledges, never anyone else's."""
    return (
        Pledge.objects.filter(saver=saver)
        .select_related("pool", "pool__project", "pool__micro_fund")
        .order_by("-created_at", "-pk")
    )


def pledge_get_for_saver(*, saver: User, pledge_id: int) -> Pledge:
    """One of the saver's pledges, or 404 (another saver's pledge does not exist for them)."""
    try:
        return pledge_list_for_saver(saver=saver).get(pk=pledge_id)
    except Pledge.DoesNotExist as exc:
        raise Http404 from exc


def payment_list_for_saver(*, saver: User) -> QuerySet[Payment]:
    """Payments matched to the saver's pledges."""
    return Payment.objects.filter(allocations__pledge__saver=saver).distinct().order_by("-received_on", "-pk")


def reminder_list_failed() -> QuerySet[Reminder]:
    """Reminders that could not be delivered, newest first (for treasurers)."""
    return (
        Reminder.objects.filter(status=ReminderStatus.FAILED)
        .select_related("saver", "pool")
        .order_by("-updated_at", "-pk")
    )
