"""Reads for pools/: visibility rules live here so no view can forget them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from pools.banking_days import add_months, next_banking_day
from pools.models import (
    CHANGEABLE_PLEDGE_STATUSES,
    OPEN_POOL_STATUSES,
    Payment,
    PaymentAllocation,
    Pledge,
    PledgeKind,
    PledgeSource,
    PledgeStatus,
    Pool,
    PoolKind,
    PoolStatus,
    Reminder,
    ReminderStatus,
)
from pools.paycodes import pledge_amount_to_pay_now

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class ReceivedOre(TypedDict):
    """The annotation pledge_list_for_saver_with_received adds to each pledge."""

    received_ore: int


# A pool is public only while its project is: these are invest's ProjectStatus.DRAFT and WITHDRAWN,
# written as values because pools does not import invest (tests/test_architecture.py checks both).
HIDDEN_PROJECT_STATUSES = ("draft", "withdrawn")


def pool_list_public() -> QuerySet[Pool]:
    """Pools anyone may see: open or finished, of a public project or a fund."""
    return (
        Pool.objects.exclude(status__in=[PoolStatus.DRAFT, PoolStatus.CANCELLED])
        .exclude(project__status__in=HIDDEN_PROJECT_STATUSES)
        .select_related("project", "micro_fund", "totals")
    )


def pool_list_open() -> QuerySet[Pool]:
    """Pools that take pledges now."""
    return pool_list_public().filter(status__in=OPEN_POOL_STATUSES)


CLOSING_SOON_DAYS = 14
MAX_SEARCH_TEXT = 100


def pool_search_open(
    *,
    q: str = "",
    region: str = "",
    municipality: str = "",
    kind: str = "",
    closing_soon: bool = False,
    community_id: int | None = None,
    today: date | None = None,
) -> QuerySet[Pool]:
    """Open pools across every community (the national front page), closing first: by text (title,
    beneficiary, place, community), the community's region and municipality, the pool's kind, and
    "closing soon" (within CLOSING_SOON_DAYS)."""
    rows = pool_list_open().select_related("community")
    text = (q or "").strip()[:MAX_SEARCH_TEXT]
    if text:
        rows = rows.filter(
            Q(title__icontains=text)
            | Q(description__icontains=text)
            | Q(project__name__icontains=text)
            | Q(project__place__icontains=text)
            | Q(micro_fund__name__icontains=text)
            | Q(community__name__icontains=text)
        )
    if region:
        rows = rows.filter(community__region__iexact=region.strip()[:80])
    if municipality:
        rows = rows.filter(community__municipality__iexact=municipality.strip()[:80])
    if kind:
        rows = rows.filter(kind=kind)
    if closing_soon:
        day = today or timezone.localdate()
        rows = rows.filter(closes_on__lte=day + timedelta(days=CLOSING_SOON_DAYS))
    if community_id is not None:
        rows = rows.filter(community_id=community_id)
    return rows.order_by("closes_on", "pk")


def pool_get_public(*, pool_id: int) -> Pool:
    """One visible pool, or 404; with its offer terms (or their absence), which the pool page reads."""
    try:
        return pool_list_public().select_related("offer").get(pk=pool_id)
    except Pool.DoesNotExist as exc:
        raise Http404 from exc


def pledge_list_for_saver(*, saver: User) -> QuerySet[Pledge]:
    """The saver's own pledges, never anyone else's (with the pool's community: the pay codes read its Swish
    number, one query per community otherwise)."""
    return (
        Pledge.objects.filter(saver=saver)
        .select_related("pool", "pool__project", "pool__micro_fund", "pool__community")
        .order_by("-created_at", "-pk")
    )


def pledge_get_for_saver(*, saver: User, pledge_id: int) -> Pledge:
    """One of the saver's pledges, or 404 (another saver's pledge does not exist for them)."""
    try:
        return pledge_list_for_saver(saver=saver).get(pk=pledge_id)
    except Pledge.DoesNotExist as exc:
        raise Http404 from exc


def pledge_is_changeable(pledge: Pledge) -> bool:
    """Whether the pledge may still be changed or withdrawn: a changeable status while its pool is open.

    The pages use it to offer the buttons; pledge_change and pledge_withdraw check it again under lock."""
    return pledge.status in CHANGEABLE_PLEDGE_STATUSES and pledge.pool.is_open


def pledge_may_withdraw(*, pledge: Pledge, by: User) -> bool:
    """Its saver; for a fair card's pledge also an organiser, who withdraws it for the person who gave the card."""
    if not by.is_authenticated:
        return False
    if pledge.saver_id is not None and pledge.saver_id == by.pk:
        return True
    return pledge.source == PledgeSource.FAIR_CARD and by.has_perm("invest.manage_fairs")


def pool_get(*, pool_id: int) -> Pool:
    """One pool by id, or 404."""
    try:
        return Pool.objects.get(pk=pool_id)
    except Pool.DoesNotExist as exc:
        raise Http404 from exc


def share_offer_pools() -> QuerySet[Pool]:
    """Every share-offer pool: what a micro-fund member may subscribe shares from."""
    return Pool.objects.filter(kind=PoolKind.SHARE_OFFER)


def payment_list_for_saver(*, saver: User) -> QuerySet[Payment]:
    """Payments matched to the saver's pledges."""
    return Payment.objects.filter(allocations__pledge__saver=saver).distinct().order_by("-received_on", "-pk")


def pledge_list_for_saver_with_received(*, saver: User) -> QuerySet[WithAnnotations[Pledge, ReceivedOre]]:
    """The saver's own pledges with `received_ore` (money matched so far) and their matches."""
    return pledge_list_for_saver(saver=saver).annotate(received_ore=Coalesce(Sum("allocations__amount_ore"), Value(0)))


def pledge_allocations_for_saver(*, saver: User, pledge: Pledge) -> QuerySet[PaymentAllocation]:
    """The payment matches of one of the saver's pledges (reversals included)."""
    return (
        PaymentAllocation.objects.filter(pledge=pledge, pledge__saver=saver)
        .select_related("payment")
        .order_by("payment__received_on", "pk")
    )


def pledge_get_by_token(*, token: str) -> Pledge:
    """The fair pledge card behind a confirmation link, or 404."""
    if not isinstance(token, str) or not 20 <= len(token) <= 64:
        raise Http404
    try:
        return Pledge.objects.select_related("pool", "pool__project", "pool__micro_fund", "pool__community").get(
            confirmation_token=token, source=PledgeSource.FAIR_CARD
        )
    except Pledge.DoesNotExist as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class PledgeDue:
    """What a money pledge asks for: due so far, still to come, the next due date, estimated points."""

    received_ore: int
    due_now_ore: int
    remaining_ore: int
    next_due_on: date | None
    estimated_points: int
    # What to pay now, the same figure the payment instructions and scan codes ask for: what is due so far,
    # else the next monthly instalment, else the rest of a one-off pledge (payable now, due by next_due_on).
    pay_now_ore: int = 0


def pledge_due(*, pledge: Pledge, received_ore: int, today: date) -> PledgeDue | None:
    """Monthly saving falls due one instalment a month from its start; any other money pledge by its
    due date (or the pool's closing day). None for non-money pledges. Points are an estimate."""
    from pools.services import pledge_krona_months

    if not pledge.is_money or pledge.amount_ore is None:
        return None
    total = pledge.amount_ore
    remaining = max(total - received_ore, 0)
    inactive = pledge.status in (PledgeStatus.WITHDRAWN, PledgeStatus.LAPSED, PledgeStatus.REFUNDED)
    points = 0
    if pledge.kind == PledgeKind.SUPPORT_SAVING:
        points = (
            pledge_krona_months(
                amount_ore=pledge.amount_ore,
                monthly_ore=pledge.monthly_ore,
                months=pledge.months,
                term_months=pledge.term_months,
            )
            * pledge.pool.points_per_krona_month
        )
    if inactive or remaining == 0:
        return PledgeDue(received_ore, 0, remaining if not inactive else 0, None, points)
    if pledge.monthly_ore and pledge.months:
        # Instalments fall on the same day each month, moved to the next banking day (as the reminders do).
        start = pledge.starts_on or timezone.localtime(pledge.created_at).date()
        elapsed = 0
        while elapsed < pledge.months and next_banking_day(add_months(start, elapsed)) <= today:
            elapsed += 1
        due_now = max(pledge.monthly_ore * elapsed - received_ore, 0)
        paid_instalments = received_ore // pledge.monthly_ore
        next_due = next_banking_day(add_months(start, paid_instalments)) if paid_instalments < pledge.months else None
        pay_now = pledge_amount_to_pay_now(
            monthly_ore=pledge.monthly_ore, due_now_ore=due_now, remaining_ore=remaining, received_ore=received_ore
        )
        return PledgeDue(received_ore, due_now, remaining, next_due, points, pay_now)
    due_on = pledge.due_on or pledge.pool.closes_on
    return PledgeDue(received_ore, remaining if due_on <= today else 0, remaining, due_on, points, remaining)


def payment_allocations_for_saver(*, saver: User) -> QuerySet[PaymentAllocation]:
    """Every match of a payment to one of the saver's pledges (their share only), newest first."""
    return (
        PaymentAllocation.objects.filter(pledge__saver=saver)
        .select_related("payment", "pledge", "pledge__pool")
        .order_by("-payment__received_on", "-pk")
    )


def reminder_list_failed(*, community_ids: list[int] | None = None) -> QuerySet[Reminder]:
    """Reminders that could not be delivered, newest first (for treasurers and organisers): those of the
    pools of these communities (communities.selectors.job_run_community_ids); None for every community."""
    rows = Reminder.objects.filter(status=ReminderStatus.FAILED)
    if community_ids is not None:
        rows = rows.filter(pool__community_id__in=community_ids)
    return rows.select_related("saver", "pool").order_by("-updated_at", "-pk")
