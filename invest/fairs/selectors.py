"""Reads for fairs: who sees what, the live board's figures and the fair report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.db.models import BigIntegerField, Case, Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from communities.models import MembershipRole
from communities.selectors import community_ids_for
from invest.fairs.models import Fair, FairCard, Pitch, PitchStatus, PledgeFollowUp
from invest.fairs.services import user_may_manage_fairs
from invest.models import Project, ProjectStatus
from pools.limits import pledge_cap_groups
from pools.models import (
    ACTIVE_PLEDGE_STATUSES,
    MONEY_KINDS,
    NON_MONEY_KINDS,
    PaymentAllocation,
    Pledge,
    PledgeKind,
    PledgeSource,
    PledgeStatus,
)

CONFIRMED_STATUSES = (PledgeStatus.CONFIRMED, PledgeStatus.PARTLY_FULFILLED, PledgeStatus.FULFILLED)


# ---------------------------------------------------------------- fairs and pitches


def fair_list_visible(*, user: User | AnonymousUser) -> QuerySet[Fair]:
    """Fairs are public: their date, place and programme are announced."""
    return Fair.objects.select_related("organiser")


def fair_get_visible(*, user: User | AnonymousUser, fair_id: int) -> Fair:
    try:
        return fair_list_visible(user=user).get(pk=fair_id)
    except Fair.DoesNotExist as exc:
        raise Http404 from exc


def _organises(user: User | AnonymousUser, fair: Fair) -> bool:
    """An organiser (the global power) who is an organiser member of the fair's community (or platform staff)."""
    if not user_may_manage_fairs(user):
        return False
    ids = community_ids_for(user=user, role=MembershipRole.ORGANISER)  # type: ignore[arg-type]
    return ids is None or fair.community_id in ids


def fair_get_managed(*, user: User | AnonymousUser, fair_id: int) -> Fair:
    """A fair the user runs (organisers of its community); anyone else gets 404."""
    if not user_may_manage_fairs(user):
        raise Http404
    ids = community_ids_for(user=user, role=MembershipRole.ORGANISER)  # type: ignore[arg-type]
    rows = fair_list_visible(user=user)
    if ids is not None:
        rows = rows.filter(community_id__in=ids)
    try:
        return rows.get(pk=fair_id)
    except Fair.DoesNotExist as exc:
        raise Http404 from exc


def fair_get_reported(*, user: User | AnonymousUser, fair_id: int) -> Fair:
    """A fair whose report the user may read: organisers and treasurers of its community (platform staff:
    every fair); anyone else gets 404."""
    roles = []
    if user_may_manage_fairs(user):
        roles.append(MembershipRole.ORGANISER)
    if user.is_authenticated and user.has_perm("pools.view_reports"):
        roles.append(MembershipRole.TREASURER)
    if not roles:
        raise Http404
    found: set[int] = set()
    for role in roles:
        ids = community_ids_for(user=user, role=role)  # type: ignore[arg-type]
        if ids is None:
            return fair_get_visible(user=user, fair_id=fair_id)  # platform staff: every fair
        found.update(ids)
    try:
        return fair_list_visible(user=user).filter(community_id__in=sorted(found)).get(pk=fair_id)
    except Fair.DoesNotExist as exc:
        raise Http404 from exc


def _fair_pitches(fair: Fair) -> QuerySet[Pitch]:
    """The fair's pitches with their projects and pools, read in the fair's community: a fair's pitches are of
    its community's projects (pitch_apply, pitch_choose), and so are their pools. Each pitch comes with `fair`."""
    return fair.pitches.filter(project__community_id=cast(int, fair.community_id)).select_related("project", "pool")


def pitch_list_visible(*, user: User | AnonymousUser, fair: Fair) -> QuerySet[Pitch]:
    """The programme for everyone; organisers also see all applications, owners their own."""
    rows = _fair_pitches(fair)
    if _organises(user, fair):
        return rows.order_by("position", "pk")
    mine = Q(project__owner_id=user.pk) if user.is_authenticated else Q(pk__in=[])
    return rows.filter(Q(status=PitchStatus.CHOSEN) | mine).order_by("position", "pk")


def pitch_programme(*, fair: Fair) -> QuerySet[Pitch]:
    """The chosen pitches in programme order."""
    return _fair_pitches(fair).filter(status=PitchStatus.CHOSEN).order_by("position", "pk")


def pitch_get_for_owner(*, user: User | AnonymousUser, pitch_id: int) -> Pitch:
    """A pitch of the user's own project (organisers of the fair's community: any); anyone else gets 404."""
    if not user.is_authenticated:
        raise Http404
    rows = Pitch.objects.select_related("project", "fair", "pool").filter(pk=pitch_id)
    # Two reads, each naming its scope (an OR of both would scope neither): the owner's own project's pitch,
    # else a pitch at a fair of a community the user organises.
    pitch = rows.filter(project__owner_id=user.pk).first()
    if pitch is None and user_may_manage_fairs(user):
        ids = community_ids_for(user=user, role=MembershipRole.ORGANISER)
        pitch = (rows if ids is None else rows.filter(fair__community_id__in=ids)).first()
    if pitch is None:
        raise Http404
    return pitch


def pitch_list_for_owner(*, user: User | AnonymousUser) -> QuerySet[Pitch]:
    """The pitches of the user's own projects, newest fair first."""
    if not user.is_authenticated:
        return Pitch.objects.none()
    return (
        Pitch.objects.filter(project__owner_id=user.pk)
        .select_related("project", "fair")
        .order_by("-fair__held_on", "position", "pk")
    )


def pitch_get_managed(*, user: User | AnonymousUser, pitch_id: int) -> Pitch:
    """A pitch at a fair the user runs (organisers of its community); anyone else gets 404."""
    if not user_may_manage_fairs(user):
        raise Http404
    ids = community_ids_for(user=user, role=MembershipRole.ORGANISER)  # type: ignore[arg-type]
    rows = Pitch.objects.select_related("project", "fair", "pool")
    if ids is not None:
        rows = rows.filter(fair__community_id__in=ids)
    try:
        return rows.get(pk=pitch_id)
    except Pitch.DoesNotExist as exc:
        raise Http404 from exc


def pitch_get_at_fair(*, fair: Fair, pitch_id: int) -> Pitch:
    """A pitch of this fair (which the caller had from a scoped selector, fair_get_managed), or 404."""
    try:
        return _fair_pitches(fair).get(pk=pitch_id)
    except Pitch.DoesNotExist as exc:
        raise Http404 from exc


def pitch_get_by_code(*, code: str) -> Pitch:
    """The pitch behind a short link (chosen pitches only), or 404."""
    try:
        return Pitch.objects.select_related("project", "fair", "pool").get(
            code=code[:12], status=PitchStatus.CHOSEN, pool__isnull=False
        )
    except Pitch.DoesNotExist as exc:
        raise Http404 from exc


def project_list_for_application(*, user: User | AnonymousUser, fair: Fair) -> QuerySet[Project]:
    """The user's published projects of the fair's community that have not applied to this fair yet."""
    if not user.is_authenticated:
        return Project.objects.none()
    return Project.objects.filter(
        owner=user, status=ProjectStatus.PUBLISHED, community_id=cast(int, fair.community_id)
    ).exclude(pitches__fair=fair)


def fair_card_count(*, fair: Fair) -> int:
    """Cards taken at the fair so far (phone and paper)."""
    return FairCard.objects.filter(pitch__fair=fair).count()


# ---------------------------------------------------------------- the live board


@dataclass
class BoardPitch:
    pitch_id: int
    title: str
    project: str
    position: int | None
    pledged_ore: int = 0
    pledge_count: int = 0
    pledgers: int = 0
    money_count: int = 0
    non_money_count: int = 0
    hours: Decimal = Decimal("0.00")
    non_money: dict[str, int] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    # Cards to regulated offers, not counted above until their savers confirm them online.
    interest_count: int = 0
    interest_ore: int = 0
    target_ore: int = 0  # the pitch pool's money target; 0 when it has none

    @property
    def percent_of_target(self) -> int | None:
        """Whole percent of the target pledged (floor, so 100 means reached); None without a target."""
        return self.pledged_ore * 100 // self.target_ore if self.target_ore else None


def _board_amount() -> Case:
    """A card's amount counted at most at its pool kind's per-pledge limit (pools.limits): the board is public,
    and a row written before the limits or around the services must not inflate it."""
    over = [When(Q(pool__kind__in=kinds, amount_ore__gt=cap), then=Value(cap)) for cap, kinds in pledge_cap_groups()]
    return Case(*over, default=F("amount_ore"), output_field=BigIntegerField())


def _board_figures(pool_ids: list[int], *, community_id: int) -> dict[int, dict[str, Any]]:
    """One grouped aggregate query over the card pledges of all the pools (the fair's pitches' pools: of the
    fair's community, as its pitches' projects are; the pool's kind caps each amount, so the pool is joined)."""
    amount = _board_amount()
    active = Q(status__in=ACTIVE_PLEDGE_STATUSES)
    money = Q(kind__in=MONEY_KINDS)
    extra = {f"n_{kind}": Count("pk", filter=active & Q(kind=kind)) for kind in NON_MONEY_KINDS}
    rows = (
        Pledge.objects.filter(pool_id__in=pool_ids, pool__community_id=community_id, source=PledgeSource.FAIR_CARD)
        .values("pool_id")
        .order_by("pool_id")
        .annotate(
            pledged=Coalesce(Sum(amount, filter=active & money), Value(0)),
            pledge_count=Count("pk", filter=active),
            money_count=Count("pk", filter=active & money),
            non_money_count=Count("pk", filter=active & ~money),
            savers=Count("saver", filter=active, distinct=True),
            anonymous=Count("pk", filter=active & Q(saver__isnull=True)),
            hours=Sum("quantity", filter=active & Q(kind=PledgeKind.TIME)),
            interest_count=Count("pk", filter=Q(status=PledgeStatus.INTEREST)),
            interest_ore=Coalesce(Sum(amount, filter=Q(status=PledgeStatus.INTEREST)), Value(0)),
            **extra,
        )
    )
    return {row["pool_id"]: row for row in rows}


def fair_board(*, fair: Fair, pitch: Pitch | None = None, names_per_pitch: int = 8) -> list[BoardPitch]:
    """Per pitch: money pledged, pledgers, non-money pledges and the names people allowed to show.
    Figures come from one aggregate query for all pitches; names from one small query."""
    pitches = list(pitch_programme(fair=fair)) if pitch is None else [pitch]
    pool_ids = [p.pool_id for p in pitches if p.pool_id]
    figures = _board_figures(pool_ids, community_id=cast(int, fair.community_id))
    names: dict[int, list[str]] = {}
    recent = (
        Pledge.objects.filter(
            pool_id__in=pool_ids, source=PledgeSource.FAIR_CARD, status__in=ACTIVE_PLEDGE_STATUSES, is_name_public=True
        )
        .exclude(contact_name="", saver__isnull=True)
        .order_by("-pk")
        .values_list("pool_id", "contact_name", "saver__full_name")[: names_per_pitch * max(len(pool_ids), 1)]
    )
    for pool_id, contact_name, saver_name in recent:
        shown = (contact_name or saver_name or "").strip()
        if shown and len(names.setdefault(pool_id, [])) < names_per_pitch:
            names[pool_id].append(shown)
    board = []
    for p in pitches:
        row = figures.get(p.pool_id or 0, {})
        board.append(
            BoardPitch(
                pitch_id=p.pk,
                title=p.title,
                project=p.project.name,
                position=p.position,
                pledged_ore=int(row.get("pledged", 0) or 0),
                pledge_count=int(row.get("pledge_count", 0) or 0),
                pledgers=int(row.get("savers", 0) or 0) + int(row.get("anonymous", 0) or 0),
                money_count=int(row.get("money_count", 0) or 0),
                non_money_count=int(row.get("non_money_count", 0) or 0),
                hours=Decimal(row.get("hours") or 0).quantize(Decimal("0.01")),
                non_money={str(k): int(row.get(f"n_{k}", 0) or 0) for k in NON_MONEY_KINDS},
                names=names.get(p.pool_id or 0, []),
                interest_count=int(row.get("interest_count", 0) or 0),
                interest_ore=int(row.get("interest_ore", 0) or 0),
                target_ore=int(p.pool.target_ore or 0) if p.pool_id and p.pool else 0,
            )
        )
    return board


# ---------------------------------------------------------------- follow-up


@dataclass
class PledgerView:
    """A fair pledge as its project owner may see it: name and contact only where allowed."""

    pledge: Pledge
    name: str
    email: str
    phone: str
    latest: PledgeFollowUp | None


def pitch_pledges_for_owner(*, pitch: Pitch) -> list[PledgerView]:
    """The pitch's pledges for follow-up, with names where is_name_public or may_contact, and
    contact details only where may_contact. The pitch must come from pitch_get_for_owner."""
    if pitch.pool_id is None:
        return []
    pledges = list(
        Pledge.objects.filter(pool_id=pitch.pool_id, source=PledgeSource.FAIR_CARD)
        .select_related("saver")
        .prefetch_related("follow_ups")
        .order_by("pk")
    )
    rows = []
    for pledge in pledges:
        allowed_name = pledge.is_name_public or pledge.may_contact
        email = (pledge.saver.email if pledge.saver_id and pledge.saver else pledge.contact_email) or ""
        phone = pledge.contact_phone or (pledge.saver.phone if pledge.saver_id and pledge.saver else "")
        notes = list(pledge.follow_ups.all())
        rows.append(
            PledgerView(
                pledge=pledge,
                name=pledge.pledger_name if allowed_name else "",
                email=email if pledge.may_contact else "",
                phone=phone if pledge.may_contact else "",
                latest=notes[-1] if notes else None,
            )
        )
    return rows


def pitch_pledge_get_for_owner(*, pitch: Pitch, pledge_id: int) -> Pledge:
    if pitch.pool_id is None:
        raise Http404
    try:
        return Pledge.objects.get(pk=pledge_id, pool_id=pitch.pool_id, source=PledgeSource.FAIR_CARD)
    except Pledge.DoesNotExist as exc:
        raise Http404 from exc


# ---------------------------------------------------------------- report


@dataclass
class ReportRow:
    pitch_id: int
    pitch: str
    kind: str
    pledged_count: int
    pledged_ore: int
    confirmed_count: int
    confirmed_ore: int
    fulfilled_count: int
    fulfilled_ore: int
    received_ore: int
    withdrawn_count: int
    # Expressions of interest in regulated offers not yet confirmed online: outside the columns above.
    interest_count: int = 0
    interest_ore: int = 0

    @property
    def is_money(self) -> bool:
        return self.kind in MONEY_KINDS

    @property
    def kind_label(self) -> str:
        """The kind in the reader's language ("Gåva", not "gift")."""
        return str(PledgeKind(self.kind).label)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


@dataclass
class FairReport:
    fair: Fair
    rows: list[ReportRow]
    as_of: date

    @property
    def has_interest(self) -> bool:
        """Whether any card to a regulated offer was still an unconfirmed expression of interest."""
        return any(r.interest_count for r in self.rows)

    @property
    def totals(self) -> dict[str, object]:
        money = [r for r in self.rows if r.is_money]
        pledged = sum(r.pledged_count for r in self.rows)
        confirmed = sum(r.confirmed_count for r in self.rows)
        fulfilled = sum(r.fulfilled_count for r in self.rows)
        pledged_ore = sum(r.pledged_ore for r in money)
        return {
            "pledged_count": pledged,
            "confirmed_count": confirmed,
            "fulfilled_count": fulfilled,
            "pledged_ore": pledged_ore,
            "confirmed_ore": sum(r.confirmed_ore for r in money),
            "fulfilled_ore": sum(r.fulfilled_ore for r in money),
            "received_ore": sum(r.received_ore for r in money),
            "confirmed_percent": _percent(confirmed, pledged),
            "fulfilled_percent": _percent(fulfilled, pledged),
            "received_percent": _percent(sum(r.received_ore for r in money), pledged_ore),
        }


def fair_report(*, fair: Fair, as_of: date | None = None) -> FairReport:
    """Pledges per pitch and kind with conversion pledged -> confirmed -> fulfilled and money received
    (payment allocations, reversals included), as the rows stood at the end of `as_of` (default today).

    Reproducible for a past date from timestamps: created_at, withdrawn_at, confirmed_at and the
    allocations' created_at. A money pledge counts as fulfilled once what it received by then covers
    it; a non-money pledge has no dated fulfilment, so its current status is used. One grouped query."""
    as_of = as_of or timezone.localdate()
    cutoff = timezone.make_aware(datetime.combine(as_of + timedelta(days=1), time.min))
    pitches = {p.pool_id: p for p in pitch_programme(fair=fair) if p.pool_id}
    received_by_then = (
        PaymentAllocation.objects.filter(pledge=OuterRef("pk"), created_at__lt=cutoff)
        .order_by()
        .values("pledge")
        .annotate(total=Sum("amount_ore"))
        .values("total")
    )
    money = Q(kind__in=MONEY_KINDS)
    withdrawn = Q(status=PledgeStatus.WITHDRAWN, withdrawn_at__lt=cutoff)
    # A card to a regulated offer is an expression of interest (outside the counts) until confirmed online;
    # one confirmed since carries its regulated record, so the report as of an earlier day still tells.
    was_interest = Q(status=PledgeStatus.INTEREST) | Q(regulated__isnull=False)
    interest = ~withdrawn & was_interest & ~Q(confirmed_at__lt=cutoff)
    counted = ~withdrawn & ~interest
    fulfilled = counted & ((money & Q(received__gte=F("amount_ore"))) | (~money & Q(status=PledgeStatus.FULFILLED)))
    confirmed = counted & (Q(confirmed_at__lt=cutoff) | Q(received__gt=0) | fulfilled)
    grouped = (
        Pledge.objects.filter(pool_id__in=list(pitches), source=PledgeSource.FAIR_CARD, created_at__lt=cutoff)
        .annotate(received=Coalesce(Subquery(received_by_then), Value(0)))
        .values("pool_id", "kind")
        .order_by("pool_id", "kind")
        .annotate(
            pledged_count=Count("pk", filter=counted),
            pledged_ore=Coalesce(Sum("amount_ore", filter=counted), Value(0)),
            confirmed_count=Count("pk", filter=confirmed),
            confirmed_ore=Coalesce(Sum("amount_ore", filter=confirmed), Value(0)),
            fulfilled_count=Count("pk", filter=fulfilled),
            fulfilled_ore=Coalesce(Sum("amount_ore", filter=fulfilled), Value(0)),
            received_ore=Coalesce(Sum("received"), Value(0)),
            withdrawn_count=Count("pk", filter=withdrawn),
            interest_count=Count("pk", filter=interest),
            interest_ore=Coalesce(Sum("amount_ore", filter=interest), Value(0)),
        )
    )
    rows = [
        ReportRow(
            pitch_id=pitches[g["pool_id"]].pk,
            pitch=pitches[g["pool_id"]].title,
            kind=g["kind"],
            pledged_count=int(g["pledged_count"]),
            pledged_ore=int(g["pledged_ore"]),
            confirmed_count=int(g["confirmed_count"]),
            confirmed_ore=int(g["confirmed_ore"]),
            fulfilled_count=int(g["fulfilled_count"]),
            fulfilled_ore=int(g["fulfilled_ore"]),
            received_ore=int(g["received_ore"]),
            withdrawn_count=int(g["withdrawn_count"]),
            interest_count=int(g["interest_count"]),
            interest_ore=int(g["interest_ore"]),
        )
        for g in grouped
    ]
    order = {p.pk: (p.position or 0, p.pk) for p in pitches.values()}
    rows.sort(key=lambda r: (order[r.pitch_id], r.kind))
    return FairReport(fair=fair, rows=rows, as_of=as_of)
