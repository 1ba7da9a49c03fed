"""Reads of regulated offers: whether a pool is regulated, its current sheet, a saver's valid assessment,
the consent limit and the reflection period."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from communities.models import MembershipRole
from communities.selectors import community_ids_for, user_acts_in
from pools.models import ACTIVE_PLEDGE_STATUSES, Pledge, PledgeKind, PledgeStatus, Pool
from pools.offers.models import (
    InvestorAssessment,
    KeyInfoSheet,
    LenderPayment,
    OfferEvent,
    PoolOffer,
    RegulatedPledge,
    SheetStatus,
    YearlyStatement,
)

# Pledge kinds a regulated offer's steps apply to: lending and investing. Gifts, pre-purchases, support saving
# and non-money pledges to the same pool stay as simple as anywhere else.
REGULATED_PLEDGE_KINDS = (PledgeKind.LOAN, PledgeKind.SHARE)


def pool_offer_get(*, pool: Pool) -> PoolOffer | None:
    """The pool's offer terms, or None for a pool that has none (then it is not regulated). A pool read with its
    offer (pools.selectors.pool_get_public selects it: the pool page asks three times) answers without a query."""
    relation: Any = Pool._meta.get_field("offer")  # the reverse one-to-one, which caches what select_related read
    if relation.is_cached(pool):
        return cast(PoolOffer | None, relation.get_cached_value(pool))
    return PoolOffer.objects.filter(pool_id=pool.pk).first()


def pool_is_regulated(*, pool: Pool) -> bool:
    """Whether the crowdfunding steps apply to the pool (its own setting, else the instrument's default)."""
    offer = pool_offer_get(pool=pool)
    return offer is not None and offer.is_regulated


def pledge_kind_is_regulated(*, pool: Pool, kind: str) -> bool:
    """Whether a pledge of this kind to this pool goes through the steps."""
    return kind in REGULATED_PLEDGE_KINDS and pool_is_regulated(pool=pool)


def sheet_current(*, pool: Pool) -> KeyInfoSheet | None:
    """The approved key information sheet in force, or None."""
    # Ordered by version, not the model's ordering (by pool, which joins the pool's row only to sort its sheets).
    return KeyInfoSheet.objects.filter(pool_id=pool.pk, status=SheetStatus.APPROVED).order_by("-version").first()


def sheet_latest(*, pool: Pool) -> KeyInfoSheet | None:
    """The newest version of the sheet, approved or not (for its writer and the organisers)."""
    return KeyInfoSheet.objects.filter(pool_id=pool.pk).order_by("-version").first()


def sheet_list(*, pool: Pool) -> QuerySet[KeyInfoSheet]:
    """Every version of the pool's sheet, newest first."""
    return (
        KeyInfoSheet.objects.filter(pool_id=pool.pk)
        .select_related("approved_by", "second_approved_by")
        .order_by("-version")
    )


def user_may_write_sheet(*, user: User, pool: Pool) -> bool:
    """The pool's project owner, the micro-fund's organiser, or an organiser of its community may write its sheet."""
    if not user.is_authenticated:
        return False
    if user.has_perm("pools.manage_pools") and user_acts_in(
        user=user, roles=(MembershipRole.ORGANISER,), community_id=pool.community_id
    ):
        return True
    if pool.project_id is not None and pool.project.owner_id == user.pk:  # type: ignore[union-attr]
        return True
    return pool.micro_fund_id is not None and pool.micro_fund.organiser_id == user.pk  # type: ignore[union-attr]


def assessment_valid(*, saver: User, at: datetime | None = None) -> InvestorAssessment | None:
    """The saver's newest assessment taken within the validity period (two years by default), or None."""
    since = (at or timezone.now()) - timedelta(days=settings.OFFERS_ASSESSMENT_VALID_DAYS)
    return InvestorAssessment.objects.filter(saver=saver, taken_at__gte=since).order_by("-taken_at", "-pk").first()


def consent_limit_ore(*, net_worth_ore: int) -> int:
    """Above this a regulated pledge needs explicit risk consent: the higher of EUR 1,000 (at the configured
    rate) and 5 % of the declared net worth."""
    return max(1000 * settings.OFFERS_EUR_SEK_ORE, net_worth_ore * 5 // 100)


def loss_reference_ore(*, net_worth_ore: int) -> int:
    """10 % of the declared net worth: the reference the delegated rules use for the loss simulation."""
    return net_worth_ore // 10


def reflection_last_day(*, pledged_on: date) -> date:
    """The last calendar day (Europe/Stockholm) on which a regulated pledge can be revoked."""
    return pledged_on + timedelta(days=settings.OFFERS_REFLECTION_DAYS)


def offer_events_for_saver(*, saver: User) -> QuerySet[OfferEvent]:
    """The saver's own audit events of regulated offers, oldest first."""
    return OfferEvent.objects.filter(saver=saver).order_by("at", "pk")


def regulated_pledges_revocable(*, saver: User, today: date | None = None) -> QuerySet[RegulatedPledge]:
    """The saver's regulated pledges still in their reflection period, soonest ending first."""
    today = today or timezone.localdate()
    return (
        RegulatedPledge.objects.filter(
            pledge__saver=saver,
            pledge__status__in=ACTIVE_PLEDGE_STATUSES,
            revoked_at__isnull=True,
            reflection_ends_on__gte=today,
        )
        .select_related("pledge", "pledge__pool")
        .order_by("reflection_ends_on", "pk")
    )


def statement_list_for_saver(*, saver: User) -> QuerySet[YearlyStatement]:
    """The saver's kept yearly statements, newest year first (without the PDF bytes)."""
    return YearlyStatement.objects.filter(saver=saver).defer("pdf").order_by("-year")


def statement_get_for_saver(*, saver: User, year: int) -> YearlyStatement | None:
    """One of the saver's own statements, or None."""
    return YearlyStatement.objects.filter(saver=saver, year=year).first()


def _pool_for_staff_or_owner(*, user: User, pool_id: int, perm: str, role: str) -> Pool | None:
    """The pool, read in scoped reads only (an OR of them would scope none): among the pools of the communities
    where the user holds `role` (with the global `perm`), else of the user's own projects, else of the micro-funds
    they organise; None when none of those has it."""
    if not user.is_authenticated:
        return None
    pools = Pool.objects.select_related("project", "micro_fund").filter(pk=pool_id)
    if user.has_perm(perm):
        ids = community_ids_for(user=user, role=role)
        if ids is None or ids:
            pool = (pools if ids is None else pools.filter(community_id__in=ids)).first()
            if pool is not None:
                return pool
    return pools.filter(project__owner=user).first() or pools.filter(micro_fund__organiser=user).first()


def pool_get_for_offer_writer(*, user: User, pool_id: int) -> Pool | None:
    """A pool whose offer and sheet the user may write (user_may_write_sheet: an organiser of its community, its
    project's owner, its fund's organiser), read among those only; else None."""
    return _pool_for_staff_or_owner(
        user=user, pool_id=pool_id, perm="pools.manage_pools", role=MembershipRole.ORGANISER
    )


def offer_records_export(*, saver: User) -> dict[str, list[dict[str, object]]]:
    """The saver's regulated-offer records for their data export: assessments, pledge records, audit events,
    and which yearly statements are kept."""
    assessments = [
        {
            "id": a.pk,
            "taken_at": a.taken_at.isoformat(),
            "score": a.score,
            "question_count": a.question_count,
            "passed": a.passed,
            "warning_acknowledged": a.warning_acknowledged,
            "is_sophisticated": a.is_sophisticated,
            "net_worth_ore": a.net_worth_ore,
            "answers": a.answers,
        }
        for a in InvestorAssessment.objects.filter(saver=saver).order_by("taken_at", "pk")
    ]
    pledges = [
        {
            "pledge_id": r.pledge_id,
            "sheet_version": r.sheet.version,
            "consent_limit_ore": r.consent_limit_ore,
            "risk_consent_at": r.risk_consent_at.isoformat() if r.risk_consent_at else None,
            "reflection_ends_on": r.reflection_ends_on.isoformat(),
            "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
        }
        for r in RegulatedPledge.objects.filter(pledge__saver=saver).select_related("sheet").order_by("pk")
    ]
    events = [
        {
            "id": e.pk,
            "kind": e.kind,
            "at": e.at.isoformat(),
            "pool_id": e.pool_id,
            "pledge_id": e.pledge_id,
            "sheet_id": e.sheet_id,
            "details": e.details,
        }
        for e in offer_events_for_saver(saver=saver)
    ]
    statements = [
        {"year": s.year, "created_at": s.created_at.isoformat()} for s in statement_list_for_saver(saver=saver)
    ]
    lender_payments = [
        {
            "id": row.pk,
            "pledge_id": row.pledge_id,
            "pool_id": row.pool_id,
            "kind": row.kind,
            "amount_ore": row.amount_ore,
            "paid_on": row.paid_on.isoformat(),
            "note": row.note,
        }
        for row in LenderPayment.objects.filter(pledge__saver=saver).order_by("paid_on", "pk")
    ]
    return {
        "assessments": assessments,
        "regulated_pledges": pledges,
        "events": events,
        "statements": statements,
        "lender_payments": lender_payments,
    }


def sheet_get_for_approval(*, user: User, sheet_id: int) -> KeyInfoSheet:
    """A sheet version an organiser (pools.manage_pools) of the pool's community may approve; 404 for anyone
    else or no such sheet."""
    if not user.is_authenticated or not user.has_perm("pools.manage_pools"):
        raise Http404
    ids = community_ids_for(user=user, role=MembershipRole.ORGANISER)
    if ids is not None and not ids:
        raise Http404  # an organiser of no community: nothing to read
    sheets = KeyInfoSheet.objects.select_related("pool").filter(pk=sheet_id)
    sheet = (sheets if ids is None else sheets.filter(pool__community_id__in=ids)).first()
    if sheet is None:
        raise Http404
    return sheet


def user_may_record_lender_payments(*, user: User, pool: Pool) -> bool:
    """The pool's project owner, its micro-fund's organiser, or a treasurer of its community."""
    if not user.is_authenticated:
        return False
    if user.has_perm("pools.manage_payments") and user_acts_in(
        user=user, roles=(MembershipRole.TREASURER,), community_id=pool.community_id
    ):
        return True
    if pool.project_id is not None and pool.project.owner_id == user.pk:  # type: ignore[union-attr]
        return True
    return pool.micro_fund_id is not None and pool.micro_fund.organiser_id == user.pk  # type: ignore[union-attr]


def pool_get_for_lender_payments(*, user: User, pool_id: int) -> Pool | None:
    """A pool whose lender payments the user may see and record (user_may_record_lender_payments: a treasurer of
    its community, its project's owner, its fund's organiser), read among those only; else None."""
    return _pool_for_staff_or_owner(
        user=user, pool_id=pool_id, perm="pools.manage_payments", role=MembershipRole.TREASURER
    )


def lender_payment_list(*, pool: Pool) -> QuerySet[LenderPayment]:
    """The pool's recorded lender payments, oldest first."""
    return (
        LenderPayment.objects.filter(pool_id=pool.pk)
        .select_related("pledge", "pledge__saver")
        .order_by("paid_on", "pk")
    )


def lender_payment_pledges(*, pool: Pool) -> QuerySet[Pledge]:
    """The pool's loans and shares a lender payment may be recorded against (not unconfirmed interests)."""
    return (
        Pledge.objects.filter(pool_id=pool.pk, kind__in=(PledgeKind.LOAN, PledgeKind.SHARE))
        .exclude(status=PledgeStatus.INTEREST)
        .select_related("saver")
        .order_by("pk")
    )


def interests_among(*, pledges: Sequence[Pledge]) -> list[Pledge]:
    """saver_interests picked from every one of a saver's pledges already read (same rows, same order)."""
    return sorted((p for p in pledges if p.status == PledgeStatus.INTEREST), key=lambda p: (p.created_at, p.pk))


def revocable_possible_among(*, pledges: Sequence[Pledge]) -> bool:
    """Whether any of every one of a saver's pledges could be in a reflection period: only an active loan or share
    pledge has a regulated record (regulated_pledge_record); without one, regulated_pledges_revocable is empty."""
    return any(p.kind in REGULATED_PLEDGE_KINDS and p.status in ACTIVE_PLEDGE_STATUSES for p in pledges)


def saver_interests(*, saver: User) -> QuerySet[Pledge]:
    """The saver's fair-card expressions of interest in regulated offers, still to confirm online."""
    return (
        Pledge.objects.filter(saver=saver, status=PledgeStatus.INTEREST)
        .select_related("pool")
        .order_by("created_at", "pk")
    )


def regulated_record_for_pledge(*, pledge: Pledge) -> RegulatedPledge | None:
    """What a regulated pledge was made on (sheet, assessment, consent, reflection period), or None."""
    return RegulatedPledge.objects.filter(pledge_id=pledge.pk).first()
