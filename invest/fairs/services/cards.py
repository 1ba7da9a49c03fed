"""Pledge cards filled in during the evening: checked, stored once per card id, turned into pledges."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from invest.fairs.errors import (
    CardIdReused,
    CardRefused,
    CardsClosed,
)
from invest.fairs.models import (
    CardChannel,
    Fair,
    FairCard,
    FairStatus,
    Pitch,
    PitchStatus,
)
from invest.fairs.services.notices import _notice_queue, _pledger_email
from pools.errors import InvalidPledge
from pools.models import MONEY_KINDS, PledgeKind, PledgeSource, Pool
from pools.pledge_terms import description_check, pledge_terms_check
from pools.services import pledge_create

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


# Card fields by the pledge field the shared terms check names.
CARD_FIELDS = {"monthly_amount": "amount", "term_months": "months", "quantity": "hours"}


def card_validate(card: CardInput) -> None:
    """Check a card before anything is written. Raises CardRefused naming the field.

    The pledge's own terms (amount, months, hours, description) are the pledge rules of
    pools.pledge_terms, checked as the card will become a pledge; only the card's own fields
    (name, phone, email, consent) are checked here.
    """
    if card.kind not in CARD_KINDS:
        raise CardRefused(_("Choose what kind of pledge this is."), field="kind")
    money = card.kind in MONEY_KINDS
    saving = card.kind == PledgeKind.SUPPORT_SAVING
    try:
        if money and saving and card.months is None:
            raise InvalidPledge(_("Say for how many months you will save."), field="months")
        pledge_terms_check(
            kind=card.kind,
            amount_ore=card.amount_ore if money and not saving else None,
            monthly_ore=card.amount_ore if saving else None,
            months=card.months if saving else None,
            term_months=card.months if money and not saving else None,
            description=card.description if not money else "",
            quantity=card.hours if card.kind == PledgeKind.TIME else None,
            quantity_max=MAX_HOURS,
        )
        description_check(card.description)  # a money card's note too
    except InvalidPledge as exc:
        field = exc.field or "kind"
        raise CardRefused(exc.message, field=CARD_FIELDS.get(field, field)) from exc
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
    # Read in the community of the fair the caller's pitch came with (from a selector: pitch_get_by_code,
    # pitch_programme, pitch_get_at_fair), so each statement names the community it acts in.
    community_id = cast(int, pitch.fair.community_id)
    pitch = Pitch.objects.get(pk=pitch.pk)
    if pitch.status != PitchStatus.CHOSEN or pitch.pool_id is None:
        raise CardsClosed()
    # The pool row lock first (as pledge_create takes it), then read the fair: fair_close locks
    # the same pools, so a card either lands before the close or sees the fair in follow-up.
    pool = Pool.objects.select_for_update().filter(pk=pitch.pool_id, community_id=community_id).first()
    if pool is None:
        raise CardsClosed()  # a pool of another community than the fair's takes no cards at it
    fair = Fair.objects.get(pk=pitch.fair_id, community_id=community_id)
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
