"""Writes for fairs: planning, the programme, the evening's cards, closing and the follow-up.

Lifecycle: planned -> programme_set -> live -> follow_up -> closed (FAIR_TRANSITIONS).
Every service owns its transaction, locks the rows it changes and queues mail through the outbox.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ReminderKind, ReminderPreference, User
from invest.fairs.errors import (
    CardIdReused,
    CardRefused,
    CardsClosed,
    FairNotAllowed,
    FairTooEarly,
    FairWrongStatus,
    FollowUpRefused,
    PitchRefused,
    ProgrammeInvalid,
)
from invest.fairs.models import (
    CardChannel,
    Fair,
    FairCard,
    FairNotice,
    FairStatus,
    FollowUpOutcome,
    Pitch,
    PitchStatus,
    PledgeFollowUp,
)
from invest.models import Project, ProjectStatus
from invest.services import unique_slug, user_may_manage_project
from operations.outbox import enqueue
from pools.models import MONEY_KINDS, FundingRule, Pledge, PledgeKind, PledgeSource, PledgeStatus, Pool, PoolKind
from pools.money import MAX_ORE
from pools.services import MAX_MONTHS, pledge_create, pool_open

NOTICE_TASK = "workers.fairs.send_fair_notice"

FAIR_TRANSITIONS: dict[str, tuple[str, ...]] = {
    FairStatus.PLANNED: (FairStatus.PROGRAMME_SET,),
    FairStatus.PROGRAMME_SET: (FairStatus.LIVE,),
    FairStatus.LIVE: (FairStatus.FOLLOW_UP,),
    FairStatus.FOLLOW_UP: (FairStatus.CLOSED,),
    FairStatus.CLOSED: (),
}

# What a card can pledge at a fair (shares need a share price, which a fair pool has not).
CARD_KINDS = (
    PledgeKind.GIFT,
    PledgeKind.LOAN,
    PledgeKind.PRE_PURCHASE,
    PledgeKind.SUPPORT_SAVING,
    PledgeKind.TIME,
    PledgeKind.SKILL,
    PledgeKind.ITEM,
    PledgeKind.CONTACT,
)
MAX_HOURS = Decimal("10000")
MAX_TEXT = 2000


def user_may_manage_fairs(user: User | AnonymousUser) -> bool:
    """Organisers (invest.manage_fairs) plan and run fairs."""
    return bool(user.is_authenticated and user.has_perm("invest.manage_fairs"))


def _require_organiser(user: User) -> None:
    if not user_may_manage_fairs(user):
        raise FairNotAllowed()


def _lock_fair(fair: Fair) -> Fair:
    return Fair.objects.select_for_update().get(pk=fair.pk)


def _move(fair: Fair, new_status: str) -> None:
    if new_status not in FAIR_TRANSITIONS.get(fair.status, ()):
        raise FairWrongStatus(
            _("A fair cannot go from %(old)s to %(new)s.")
            % {"old": FairStatus(fair.status).label, "new": FairStatus(new_status).label},
            field="status",
        )
    fair.status = new_status


def _new_code() -> str:
    # 8 characters of an unambiguous alphabet: short enough to type from a slide.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _i in range(8))


# ---------------------------------------------------------------- planning


@transaction.atomic
def fair_create(
    *,
    organiser: User,
    title: str,
    held_on: date,
    starts_at: time,
    place: str,
    capacity: int,
    pitch_slots: int = 5,
    description: str = "",
) -> Fair:
    """Create a planned fair, open for applications. Raises FairNotAllowed, ValidationError."""
    _require_organiser(organiser)
    fair = Fair(
        organiser=organiser,
        title=title.strip(),
        held_on=held_on,
        starts_at=starts_at,
        place=place.strip(),
        capacity=capacity,
        pitch_slots=pitch_slots,
        description=description.strip(),
    )
    fair.full_clean()
    fair.save()
    return fair


@transaction.atomic
def pitch_apply(*, fair: Fair, project: Project, by: User, title: str = "", summary: str = "", ask: str = "") -> Pitch:
    """A project asks for a slot at a planned fair. Raises FairNotAllowed, FairWrongStatus, PitchRefused."""
    fair = _lock_fair(fair)
    if not user_may_manage_project(user=by, project=project):
        raise FairNotAllowed(_("Only the project's owner may apply for it."))
    if fair.status != FairStatus.PLANNED or not fair.is_open_for_applications:
        raise FairWrongStatus(_("This fair no longer takes applications."))
    if project.status not in (ProjectStatus.PUBLISHED, ProjectStatus.FUNDED, ProjectStatus.REPAYING):
        raise PitchRefused(_("Publish the project before applying for a slot."), field="project")
    if Pitch.objects.filter(fair=fair, project=project).exists():
        raise PitchRefused(_("This project has already applied to this fair."), field="project")
    pitch = Pitch(
        fair=fair,
        project=project,
        applied_by=by,
        title=(title.strip() or project.name)[:200],
        summary=summary.strip()[:MAX_TEXT],
        ask=ask.strip()[:500],
        code=_new_code(),
    )
    pitch.full_clean()
    pitch.save()
    return pitch


@transaction.atomic
def pitch_choose(*, pitch: Pitch, by: User, target_ore: int | None = None, pool: Pool | None = None) -> Pitch:
    """Choose an applied pitch for the programme and give it a draft `fair` pool (or attach the
    project's existing `fair` pool). Raises FairNotAllowed, FairWrongStatus, PitchRefused."""
    _require_organiser(by)
    fair = _lock_fair(pitch.fair)
    pitch = Pitch.objects.select_for_update(of=("self",)).select_related("project").get(pk=pitch.pk)
    if fair.status not in (FairStatus.PLANNED, FairStatus.PROGRAMME_SET):
        raise FairWrongStatus()
    if pitch.status == PitchStatus.CHOSEN:
        return pitch
    if pitch.status != PitchStatus.APPLIED:
        raise PitchRefused(_("Only an application can be chosen."), field="status")
    if Pitch.objects.filter(fair=fair, status=PitchStatus.CHOSEN).count() >= fair.pitch_slots:
        raise PitchRefused(_("All %(n)s pitch slots are taken.") % {"n": fair.pitch_slots}, field="status")
    target = target_ore if target_ore is not None else (pitch.project.loan_need_ore or 0)
    target = target or settings.FAIRS_DEFAULT_PITCH_TARGET_ORE
    if isinstance(target, bool) or not isinstance(target, int) or not 0 < target <= MAX_ORE:
        raise PitchRefused(_("Give a target above zero."), field="target")
    if pool is not None:
        pool = Pool.objects.select_for_update().get(pk=pool.pk)
        taken = Pitch.objects.filter(pool=pool).exclude(pk=pitch.pk).exists()
        if pool.kind != PoolKind.FAIR or pool.project_id != pitch.project_id or taken:
            raise PitchRefused(_("Only an unused fair pool of the same project can be attached."), field="pool")
        pitch.pool = pool
    if pitch.pool_id is None:
        pool = Pool(
            title=f"{pitch.project.name} – {fair.title}"[:200],
            slug=unique_slug(Pool, f"fair-{fair.pk}-{pitch.project.slug}"),
            description=pitch.summary,
            kind=PoolKind.FAIR,
            project=pitch.project,
            target_ore=target,
            opens_on=fair.held_on,
            closes_on=fair.held_on + timedelta(days=settings.FAIRS_POOL_OPEN_DAYS),
            funding_rule=FundingRule.KEEP_WHAT_YOU_RAISE,
        )
        pool.full_clean()
        pool.save()
        pitch.pool = pool
    pitch.status = PitchStatus.CHOSEN
    pitch.chosen_at = timezone.now()
    pitch.save(update_fields=["status", "chosen_at", "pool"])
    return pitch


@transaction.atomic
def pitch_decline(*, pitch: Pitch, by: User) -> Pitch:
    """Turn down an application (or unchoose a pitch before the evening). Raises FairNotAllowed, FairWrongStatus."""
    _require_organiser(by)
    fair = _lock_fair(pitch.fair)
    pitch = Pitch.objects.select_for_update().get(pk=pitch.pk)
    if fair.status not in (FairStatus.PLANNED, FairStatus.PROGRAMME_SET):
        raise FairWrongStatus()
    if pitch.status not in (PitchStatus.APPLIED, PitchStatus.CHOSEN):
        raise PitchRefused(_("This pitch cannot be declined."), field="status")
    pitch.status = PitchStatus.DECLINED
    pitch.position = None
    pitch.starts_at = None
    pitch.save(update_fields=["status", "position", "starts_at"])
    return pitch


@transaction.atomic
def pitch_withdraw(*, pitch: Pitch, by: User) -> Pitch:
    """The project's owner withdraws an application or slot before the evening.
    Raises FairNotAllowed, FairWrongStatus, PitchRefused."""
    fair = _lock_fair(pitch.fair)
    pitch = Pitch.objects.select_for_update(of=("self",)).select_related("project").get(pk=pitch.pk)
    if pitch.project.owner_id != by.pk:
        raise FairNotAllowed(_("Only the project's owner may withdraw its pitch."))
    if fair.status not in (FairStatus.PLANNED, FairStatus.PROGRAMME_SET):
        raise FairWrongStatus()
    if pitch.status not in (PitchStatus.APPLIED, PitchStatus.CHOSEN):
        raise PitchRefused(_("This pitch cannot be withdrawn."), field="status")
    pitch.status = PitchStatus.WITHDRAWN
    pitch.position = None
    pitch.starts_at = None
    pitch.save(update_fields=["status", "position", "starts_at"])
    return pitch


@dataclass(frozen=True)
class Slot:
    pitch_id: int
    position: int
    starts_at: time
    minutes: int


@transaction.atomic
def fair_programme_set(*, fair: Fair, by: User, slots: list[Slot]) -> Fair:
    """Set order, start times and lengths of every chosen pitch; moves planned -> programme_set.
    Raises FairNotAllowed, FairWrongStatus, ProgrammeInvalid."""
    _require_organiser(by)
    fair = _lock_fair(fair)
    if fair.status not in (FairStatus.PLANNED, FairStatus.PROGRAMME_SET):
        raise FairWrongStatus()
    chosen = {p.pk: p for p in Pitch.objects.select_for_update().filter(fair=fair, status=PitchStatus.CHOSEN)}
    if not slots:
        raise ProgrammeInvalid(_("Put at least one pitch in the programme."), field="slots")
    ids = [s.pitch_id for s in slots]
    if len(set(ids)) != len(ids) or set(ids) != set(chosen):
        raise ProgrammeInvalid(_("The programme must list every chosen pitch exactly once."), field="slots")
    positions = [s.position for s in slots]
    if sorted(positions) != list(range(1, len(slots) + 1)):
        raise ProgrammeInvalid(_("Number the pitches 1, 2, 3 … without gaps."), field="slots")
    ordered = sorted(slots, key=lambda s: s.position)
    previous_end: datetime | None = None
    for slot in ordered:
        if not 1 <= slot.minutes <= 60:
            raise ProgrammeInvalid(_("A pitch lasts from 1 to 60 minutes."), field="slots")
        start = datetime.combine(fair.held_on, slot.starts_at)
        if slot.starts_at < fair.starts_at:
            raise ProgrammeInvalid(_("A pitch cannot start before the fair does."), field="slots")
        if previous_end is not None and start < previous_end:
            raise ProgrammeInvalid(_("Pitches overlap: each starts after the one before ends."), field="slots")
        previous_end = start + timedelta(minutes=slot.minutes)
    # Clear old positions first so the unique (fair, position) constraint never sees two at once.
    Pitch.objects.filter(fair=fair).update(position=None)
    for slot in ordered:
        Pitch.objects.filter(pk=slot.pitch_id).update(
            position=slot.position, starts_at=slot.starts_at, minutes=slot.minutes
        )
    if fair.status == FairStatus.PLANNED:
        _move(fair, FairStatus.PROGRAMME_SET)
        fair.is_open_for_applications = False
        fair.save(update_fields=["status", "is_open_for_applications"])
    return fair


@transaction.atomic
def pitch_confirm(*, pitch: Pitch, by: User) -> Pitch:
    """The project owner confirms their slot. Raises FairNotAllowed, FairWrongStatus."""
    pitch = Pitch.objects.select_for_update(of=("self",)).select_related("project", "fair").get(pk=pitch.pk)
    if pitch.project.owner_id != by.pk:
        raise FairNotAllowed(_("Only the project's owner confirms its slot."))
    if pitch.status != PitchStatus.CHOSEN or not pitch.is_scheduled:
        raise FairWrongStatus(_("There is no slot to confirm yet."))
    if pitch.fair.status not in (FairStatus.PROGRAMME_SET, FairStatus.LIVE):
        raise FairWrongStatus()
    if pitch.confirmed_at is None:
        pitch.confirmed_at = timezone.now()
        pitch.save(update_fields=["confirmed_at"])
    return pitch


@transaction.atomic
def pitch_page_update(*, pitch: Pitch, by: User, title: str, summary: str, ask: str) -> Pitch:
    """The owner (or an organiser) prepares the pitch page. Raises FairNotAllowed, FairWrongStatus, PitchRefused."""
    pitch = Pitch.objects.select_for_update(of=("self",)).select_related("project", "fair").get(pk=pitch.pk)
    if not (pitch.project.owner_id == by.pk or user_may_manage_fairs(by)):
        raise FairNotAllowed()
    if pitch.fair.status in (FairStatus.FOLLOW_UP, FairStatus.CLOSED) or pitch.status in (
        PitchStatus.DECLINED,
        PitchStatus.WITHDRAWN,
    ):
        raise FairWrongStatus()
    title = title.strip()
    if not title:
        raise PitchRefused(_("Give the pitch a title."), field="title")
    if len(title) > 200 or len(ask) > 500 or len(summary) > MAX_TEXT:
        raise PitchRefused(_("That text is too long."), field="summary" if len(summary) > MAX_TEXT else "title")
    pitch.title, pitch.summary, pitch.ask = title, summary.strip(), ask.strip()
    pitch.full_clean()
    pitch.save(update_fields=["title", "summary", "ask"])
    return pitch


# ---------------------------------------------------------------- the evening


@transaction.atomic
def fair_start(*, fair: Fair, by: User, early_reason: str = "") -> Fair:
    """Open the doors: programme_set -> live; opens each chosen pitch's pool. Before the fair's date only
    with an explicit reason, recorded with who gave it. Raises FairNotAllowed, FairWrongStatus, FairTooEarly."""
    _require_organiser(by)
    fair = _lock_fair(fair)
    _move(fair, FairStatus.LIVE)
    fields = ["status", "live_at"]
    if timezone.localdate() < fair.held_on:
        reason = (early_reason or "").strip()
        if not reason:
            raise FairTooEarly(field="early_reason")
        fair.early_start_by = by
        fair.early_start_reason = reason[:1000]
        fields += ["early_start_by", "early_start_reason"]
    pools = Pool.objects.select_for_update().filter(fair_pitch__fair=fair, fair_pitch__status=PitchStatus.CHOSEN)
    for pool in pools.order_by("pk"):
        if pool.status == "draft":
            pool_open(pool=pool)
    fair.live_at = timezone.now()
    fair.save(update_fields=fields)
    return fair


@transaction.atomic
def fair_close(*, fair: Fair, by: User) -> Fair:
    """Close the evening: live -> follow_up; queues one confirmation link per pledger (once).
    Raises FairNotAllowed, FairWrongStatus."""
    _require_organiser(by)
    fair = _lock_fair(fair)
    _move(fair, FairStatus.FOLLOW_UP)
    # Lock the pitch pools (pk order) so no card slips in between the list of pledgers and the status change.
    list(Pool.objects.select_for_update().filter(fair_pitch__fair=fair).order_by("pk").values_list("pk", flat=True))
    fair.follow_up_at = timezone.now()
    fair.save(update_fields=["status", "follow_up_at"])
    for email, language in _unconfirmed_pledgers(fair).items():
        _notice_queue(fair=fair, email=email, number=0, language=language)
    return fair


@transaction.atomic
def fair_finish(*, fair: Fair, by: User) -> Fair:
    """End the follow-up: follow_up -> closed; reminders stop. Raises FairNotAllowed, FairWrongStatus."""
    _require_organiser(by)
    fair = _lock_fair(fair)
    _move(fair, FairStatus.CLOSED)
    fair.closed_at = timezone.now()
    fair.save(update_fields=["status", "closed_at"])
    return fair


# ---------------------------------------------------------------- cards


@dataclass(frozen=True)
class CardInput:
    """A pledge card as the audience fills it in; amounts already in öre."""

    kind: str
    amount_ore: int | None = None
    months: int | None = None
    hours: Decimal | None = None
    description: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    is_name_public: bool = False
    may_contact: bool = False

    def fingerprint(self, pitch_id: int, saver_id: int | None) -> str:
        body = {
            "pitch": pitch_id,
            "saver": saver_id,
            "kind": self.kind,
            "amount_ore": self.amount_ore,
            "months": self.months,
            "hours": None if self.hours is None else str(self.hours),
            "description": self.description.strip(),
            "name": self.name.strip(),
            "email": self.email.strip().lower(),
            "phone": self.phone.strip(),
            "is_name_public": self.is_name_public,
            "may_contact": self.may_contact,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def card_validate(card: CardInput) -> None:
    """Check a card before anything is written. Raises CardRefused naming the field."""
    if card.kind not in CARD_KINDS:
        raise CardRefused(_("Choose what kind of pledge this is."), field="kind")
    if card.kind in MONEY_KINDS:
        amount = card.amount_ore
        if amount is None:
            raise CardRefused(_("Give an amount in kronor."), field="amount")
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_ORE:
            raise CardRefused(_("Give an amount above zero."), field="amount")
        if card.kind == PledgeKind.SUPPORT_SAVING and card.months is None:
            raise CardRefused(_("Say for how many months you will save."), field="months")
        if card.months is not None and (
            isinstance(card.months, bool) or not isinstance(card.months, int) or not 0 < card.months <= MAX_MONTHS
        ):
            raise CardRefused(
                _("Give a whole number of months from 1 to %(max)s.") % {"max": MAX_MONTHS}, field="months"
            )
        if card.kind == PledgeKind.SUPPORT_SAVING and amount * int(card.months or 1) > MAX_ORE:
            raise CardRefused(_("That is more than the platform accepts."), field="amount")
    else:
        if not card.description.strip():
            raise CardRefused(_("Describe what you offer."), field="description")
        if card.kind == PledgeKind.TIME:
            hours = card.hours
            if hours is None:
                raise CardRefused(_("Say how many hours."), field="hours")
            if (
                not isinstance(hours, Decimal)
                or not hours.is_finite()
                or not Decimal(0) < hours <= MAX_HOURS
                or hours != hours.quantize(Decimal("0.01"))
            ):
                raise CardRefused(_("Give hours above 0 with at most two decimals."), field="hours")
    if len(card.description) > MAX_TEXT:
        raise CardRefused(_("Keep the description under 2000 characters."), field="description")
    if len(card.name) > 200:
        raise CardRefused(_("The name is too long."), field="name")
    if len(card.phone) > 40:
        raise CardRefused(_("The phone number is too long."), field="phone")
    if card.email:
        try:
            if len(card.email) > 254:
                raise ValidationError("too long")
            validate_email(card.email.strip())
        except ValidationError as exc:
            raise CardRefused(_("Give a valid email address."), field="email") from exc
    if card.is_name_public and not card.name.strip():
        raise CardRefused(_("Write your name if it may be shown."), field="name")
    if card.may_contact and not (card.email.strip() or card.phone.strip()):
        raise CardRefused(_("Give an email or a phone number so the project can contact you."), field="email")


def fair_card_submit(
    *,
    pitch: Pitch,
    card_id: uuid.UUID,
    card: CardInput,
    channel: str,
    entered_by: User | None = None,
    saver: User | None = None,
    language: str = "sv",
) -> tuple[FairCard, bool]:
    """Record one pledge card as a `fair_card` pledge, once per card id; (card, created).
    A repeat with the same body returns the first card; another body raises CardIdReused.
    Raises CardsClosed, CardRefused and the pledge errors of pools.services.pledge_create."""
    card_validate(card)
    if channel not in CardChannel.values:
        raise CardRefused(_("Unknown card channel."), field="channel")
    fingerprint = card.fingerprint(pitch.pk, saver.pk if saver else None)
    existing = _card_replay(card_id, fingerprint)
    if existing is not None:
        return existing, False
    try:
        return _card_create(pitch, card_id, card, channel, entered_by, saver, language, fingerprint), True
    except IntegrityError:
        # A concurrent submit of the same card won the race: answer with its card.
        existing = _card_replay(card_id, fingerprint)
        if existing is None:
            raise
        return existing, False


def _card_replay(card_id: uuid.UUID, fingerprint: str) -> FairCard | None:
    card = FairCard.objects.select_related("pledge", "pitch").filter(card_id=card_id).first()
    if card is not None and card.request_hash != fingerprint:
        raise CardIdReused(field="card_id")
    return card


@transaction.atomic
def _card_create(
    pitch: Pitch,
    card_id: uuid.UUID,
    card: CardInput,
    channel: str,
    entered_by: User | None,
    saver: User | None,
    language: str,
    fingerprint: str,
) -> FairCard:
    pitch = Pitch.objects.select_related("fair").get(pk=pitch.pk)
    if pitch.status != PitchStatus.CHOSEN or pitch.pool_id is None:
        raise CardsClosed()
    # The pool row lock first (as pledge_create takes it), then read the fair: fair_close locks
    # the same pools, so a card either lands before the close or sees the fair in follow-up.
    pool = Pool.objects.select_for_update().get(pk=pitch.pool_id)
    fair = Fair.objects.get(pk=pitch.fair_id)
    allowed = fair.takes_paper_cards if channel == CardChannel.PAPER else fair.takes_phone_cards
    if not allowed:
        raise CardsClosed()
    if FairCard.objects.filter(card_id=card_id).exists():
        raise IntegrityError("card id taken")  # the replay path answers
    money = card.kind in MONEY_KINDS
    saving_monthly = card.kind == PledgeKind.SUPPORT_SAVING
    pledge = pledge_create(
        pool=pool,
        saver=saver,
        kind=card.kind,
        source=PledgeSource.FAIR_CARD,
        amount_ore=card.amount_ore if money and not saving_monthly else None,
        monthly_ore=card.amount_ore if saving_monthly else None,
        months=card.months if saving_monthly else None,
        term_months=card.months if card.kind == PledgeKind.LOAN else None,
        description=card.description if not money else "",
        quantity=card.hours if card.kind == PledgeKind.TIME else None,
        unit="hours" if card.kind == PledgeKind.TIME else "",
        contact_name=card.name,
        contact_email=card.email,
        contact_phone=card.phone,
        is_name_public=card.is_name_public,
        may_contact=card.may_contact,
    )
    row = FairCard.objects.create(
        card_id=card_id,
        pitch=pitch,
        pledge=pledge,
        channel=channel,
        entered_by=entered_by,
        request_hash=fingerprint,
        language=language if language in ("sv", "en") else "sv",
    )
    if fair.status == FairStatus.FOLLOW_UP:
        email = _pledger_email(pledge)
        if email:
            _notice_queue(fair=fair, email=email, number=0, language=row.language)
    return row


# ---------------------------------------------------------------- follow-up


def _pledger_email(pledge: Pledge) -> str:
    if pledge.saver_id and pledge.saver is not None:
        return "" if pledge.saver.is_erased else pledge.saver.email.lower()
    return (pledge.contact_email or "").lower()


def fair_pledges_unconfirmed(*, fair: Fair) -> QuerySet[Pledge]:
    """Card pledges of a fair still waiting for the pledger's confirmation."""
    return Pledge.objects.filter(
        pool__fair_pitch__fair=fair,
        source=PledgeSource.FAIR_CARD,
        status=PledgeStatus.PLEDGED,
        confirmation_token__isnull=False,
    )


def _unconfirmed_pledgers(fair: Fair) -> dict[str, str]:
    """Email -> language for everyone with an unconfirmed card pledge at the fair."""
    pledgers: dict[str, str] = {}
    rows = fair_pledges_unconfirmed(fair=fair).select_related("saver", "fair_card").order_by("pk")
    for pledge in rows:
        email = _pledger_email(pledge)
        if email and email not in pledgers:
            card = getattr(pledge, "fair_card", None)
            pledgers[email] = (
                pledge.saver.language if pledge.saver_id and pledge.saver else card.language if card else "sv"
            )
    return pledgers


def _notice_queue(
    *, fair: Fair, email: str, number: int, language: str, now: datetime | None = None
) -> FairNotice | None:
    """Record notice `number` for one pledger and queue its mail; None when it exists already."""
    try:
        with transaction.atomic():
            notice = FairNotice.objects.create(
                fair=fair, email=email, number=number, language=language, created_at=now or timezone.now()
            )
    except IntegrityError:
        return None
    enqueue(NOTICE_TASK, notice.pk)
    return notice


def fair_reminders_sweep(*, now: datetime | None = None) -> int:
    """Queue the next reminder for pledgers still unconfirmed after the interval, at most
    FAIRS_MAX_REMINDERS each; returns how many were queued. Safe to run twice (unique notices)."""
    now = now or timezone.now()
    interval = timedelta(days=settings.FAIRS_REMINDER_INTERVAL_DAYS)
    queued = 0
    for fair in Fair.objects.filter(status=FairStatus.FOLLOW_UP).order_by("pk"):
        waiting = _unconfirmed_pledgers(fair)
        latest = (
            FairNotice.objects.filter(fair=fair, email__in=list(waiting))
            .values("email")
            .annotate(last_number=Max("number"), last_at=Max("created_at"))
        )
        for row in latest:
            if row["last_number"] >= settings.FAIRS_MAX_REMINDERS or row["last_at"] > now - interval:
                continue
            with transaction.atomic():
                if _notice_queue(
                    fair=fair,
                    email=row["email"],
                    number=row["last_number"] + 1,
                    language=waiting[row["email"]],
                    now=now,
                ):
                    queued += 1
    return queued


def fair_notice_send(*, notice_id: int) -> bool:
    """Mail a pledger the links to confirm their fair pledges, once; True when this call sent it."""
    from django.core.mail import EmailMultiAlternatives
    from django.template.loader import render_to_string
    from django.utils import translation

    # Claim with a conditional update, so a duplicate task run sends nothing.
    claimed = FairNotice.objects.filter(pk=notice_id, sent_at__isnull=True, skipped_reason="").update(
        sent_at=timezone.now()
    )
    if not claimed:
        return False
    notice = FairNotice.objects.select_related("fair").get(pk=notice_id)
    pledges = list(
        fair_pledges_unconfirmed(fair=notice.fair)
        .filter(Q(saver__email__iexact=notice.email) | Q(saver__isnull=True, contact_email__iexact=notice.email))
        .select_related("pool", "pool__project", "saver")
        .order_by("pk")
    )
    reason = ""
    if notice.fair.status not in (FairStatus.FOLLOW_UP,) and notice.number > 0:
        reason = "fair closed"
    elif not pledges:
        reason = "nothing to confirm"
    elif notice.number > 0 and _opted_out(pledges):
        reason = "opted out"
    if reason:
        FairNotice.objects.filter(pk=notice_id).update(sent_at=None, skipped_reason=reason)
        return False
    try:
        with translation.override(notice.language):
            context = {
                "fair": notice.fair,
                "notice": notice,
                "is_reminder": notice.number > 0,
                "pledges": [
                    {"pledge": p, "url": f"{settings.SITE_URL}/pledges/confirm/{p.confirmation_token}/"}
                    for p in pledges
                ],
                "name": pledges[0].pledger_name,
                "site_url": settings.SITE_URL,
            }
            subject = render_to_string("emails/fair_confirm_subject.txt", context).strip()
            text = render_to_string("emails/fair_confirm.txt", context)
            html = render_to_string("emails/fair_confirm.html", context)
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [notice.email])
        message.attach_alternative(html, "text/html")
        message.send()
    except Exception:
        FairNotice.objects.filter(pk=notice_id).update(sent_at=None)  # release the claim for the retry
        raise
    return True


def pledge_confirm_url(pledge: Pledge) -> str:
    """The link a pledger follows to confirm a card pledge (the saver pages serve it)."""
    return f"{settings.SITE_URL}/pledges/confirm/{pledge.confirmation_token}/"


def _opted_out(pledges: list[Pledge]) -> bool:
    saver_ids = {p.saver_id for p in pledges if p.saver_id}
    return (
        bool(saver_ids)
        and ReminderPreference.objects.filter(
            user_id__in=saver_ids, kind=ReminderKind.FAIR_PLEDGE_UNCONFIRMED, is_enabled=False
        ).exists()
    )


@transaction.atomic
def pledge_follow_up_record(*, pledge: Pledge, by: User, outcome: str, note: str = "") -> PledgeFollowUp:
    """The project owner (or an organiser) notes how following up a fair pledge went.
    Raises FairNotAllowed, FollowUpRefused."""
    pledge = Pledge.objects.select_for_update(of=("self",)).select_related("pool__project").get(pk=pledge.pk)
    project = pledge.pool.project
    if project is None or not (project.owner_id == by.pk or user_may_manage_fairs(by)):
        raise FairNotAllowed()
    if pledge.source != PledgeSource.FAIR_CARD:
        raise FollowUpRefused(_("Only fair pledges are followed up here."), field="pledge")
    if outcome not in FollowUpOutcome.values:
        raise FollowUpRefused(_("Choose an outcome."), field="outcome")
    if len(note) > MAX_TEXT:
        raise FollowUpRefused(_("Keep the note under 2000 characters."), field="note")
    return PledgeFollowUp.objects.create(pledge=pledge, author=by, outcome=outcome, note=note.strip())
