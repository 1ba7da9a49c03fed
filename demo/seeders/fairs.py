"""Demo fairs: a past fair with its follow-up under way, and an upcoming fair taking applications.

Idempotent: a fair that exists (by title) is left as it is.
"""

from __future__ import annotations

import random
import uuid
from datetime import time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from invest.fairs.models import CardChannel, Fair
from invest.fairs.services import (
    CardInput,
    Slot,
    fair_card_submit,
    fair_close,
    fair_create,
    fair_pledge_confirm,
    fair_programme_set,
    fair_start,
    pitch_apply,
    pitch_choose,
    pitch_confirm,
    pledge_follow_up_record,
)
from invest.models import Project
from pools.models import PaymentChannel, Pledge, PledgeStatus, Pool
from pools.services import payment_allocate, payment_record

PAST_TITLE = "Ödebymässan hösten 2026"
UPCOMING_TITLE = "Vårmässan i Kvarnbyn"
NAMES = ["Maja Holm", "Erik Berg", "Ingrid Öberg", "Johan Eklund", "Elsa Nyström", "Nils Åkesson", "Karin Sjöberg"]
OFFERS = {
    "time": ["Hjälpa till vid invigningen", "Måla om fasaden", "Baka till öppningsdagen"],
    "skill": ["Bokföring", "Snickeri", "Webbdesign"],
    "item": ["Ett kylskåp", "Bord och stolar"],
    "contact": ["Känner en grossist i Umeå"],
}


def seed(*, people: dict[str, User], pools: dict[str, Pool], rng: random.Random) -> None:
    """Seed both demo fairs unless they exist."""
    rng = random.Random(f"fairs-{rng.random()}")
    if not Fair.objects.filter(title=PAST_TITLE).exists():
        _past_fair(people, pools, rng)
    if not Fair.objects.filter(title=UPCOMING_TITLE).exists():
        _upcoming_fair(people)


def _project(name: str) -> Project:
    return Project.objects.get(name=name)


def _past_fair(people: dict[str, User], pools: dict[str, Pool], rng: random.Random) -> None:
    organiser, owner = people["arrangor"], people["agare"]
    fair = fair_create(
        organiser=organiser,
        title=PAST_TITLE,
        held_on=timezone.localdate() - timedelta(days=12),
        starts_at=time(18, 30),
        place="Bygdegården, Ödeby",
        capacity=120,
        pitch_slots=4,
        description="Fyra lokala projekt presenterar sig; publiken lovar pengar, tid och kunnande.",
    )
    cafe = pitch_apply(
        fair=fair,
        project=_project("Kafé Kvarnen"),
        by=owner,
        title="Kafé Kvarnen – fika i gamla kvarnen",
        summary="Vi öppnar kafé och mötesplats i den gamla kvarnen och behöver pengar till köket.",
        ask="150 000 kr i lån och förköp av fikakort",
    )
    shop = pitch_apply(
        fair=fair,
        project=_project("Byns Lanthandel"),
        by=owner,
        title="Byns Lanthandel – butiken som blir kvar",
        ask="Förköp och lån till ny kyldisk",
    )
    cafe = pitch_choose(pitch=cafe, by=organiser, pool=pools["massa-kafe"])
    shop = pitch_choose(pitch=shop, by=organiser, target_ore=20_000_000)
    fair_programme_set(
        fair=fair,
        by=organiser,
        slots=[Slot(cafe.pk, 1, time(18, 40), 8), Slot(shop.pk, 2, time(18, 55), 8)],
    )
    pitch_confirm(pitch=cafe, by=owner)
    pitch_confirm(pitch=shop, by=owner)
    fair_start(fair=fair, by=organiser)
    pledges: list[Pledge] = []
    for index in range(28):
        pitch = cafe if index % 2 == 0 else shop
        name = NAMES[index % len(NAMES)]
        email = f"massbesokare{index:02d}@demo.lokalkapital.se"
        anonymous = index % 7 == 3
        if index % 4 == 3:
            kind = rng.choice(list(OFFERS))
            body = CardInput(
                kind=kind,
                description=rng.choice(OFFERS[kind]),
                hours=Decimal(rng.randint(2, 12)) if kind == "time" else None,
                name="" if anonymous else name,
                email=email,
                is_name_public=not anonymous,
                may_contact=True,
            )
        else:
            kind = rng.choice(["gift", "loan", "pre_purchase", "support_saving"])
            body = CardInput(
                kind=kind,
                amount_ore=rng.choice([20_000, 50_000, 100_000, 250_000, 500_000]),
                months=12 if kind == "support_saving" else (36 if kind == "loan" else None),
                name="" if anonymous else name,
                email=email,
                is_name_public=not anonymous and index % 3 != 0,
                may_contact=index % 5 != 0,
            )
        channel = CardChannel.PHONE if index % 3 else CardChannel.PAPER
        row, _created = fair_card_submit(
            pitch=pitch,
            card_id=uuid.UUID(int=rng.getrandbits(128)),
            card=body,
            channel=channel,
            entered_by=organiser if channel == CardChannel.PAPER else None,
        )
        pledges.append(row.pledge)
    # Demo pledgers have had their receipts already.
    Pledge.objects.filter(pk__in=[p.pk for p in pledges]).update(receipt_sent_at=timezone.now())
    fair_close(fair=fair, by=organiser)
    # The follow-up under way: about half confirmed, some paid, some notes by the owner.
    for pledge in pledges[::2]:
        fair_pledge_confirm(token=pledge.confirmation_token or "")
    for pledge in pledges[::4]:
        pledge.refresh_from_db()
        if pledge.is_money and pledge.kind != "support_saving" and pledge.status == PledgeStatus.CONFIRMED:
            payment = payment_record(
                amount_ore=int(pledge.amount_ore or 0),
                received_on=timezone.localdate() - timedelta(days=rng.randint(1, 8)),
                channel=PaymentChannel.BGMAX,
                reference=pledge.ocr_reference or "",
                payer_name=pledge.contact_name,
            )
            payment_allocate(payment=payment, parts=[(pledge, int(pledge.amount_ore or 0))], by=None)
    for pledge in pledges[1:12:3]:
        pledge_follow_up_record(pledge=pledge, by=owner, outcome="contacted", note="Ringde, återkommer efter lön.")


def _upcoming_fair(people: dict[str, User]) -> None:
    organiser, owner = people["arrangor"], people["agare"]
    fair = fair_create(
        organiser=organiser,
        title=UPCOMING_TITLE,
        held_on=timezone.localdate() + timedelta(days=24),
        starts_at=time(18, 0),
        place="Kvarnen, Kvarnbyn",
        capacity=80,
        pitch_slots=4,
        description="Vårens investeringsmässa. Projekt kan ansöka om en plats.",
    )
    wind = pitch_apply(
        fair=fair,
        project=_project("Ödeby Vind ekonomisk förening"),
        by=owner,
        title="Ödeby Vind – bygdens eget vindkraftverk",
        ask="Andelar och lån",
    )
    pitch_choose(pitch=wind, by=organiser, target_ore=50_000_000)
    pitch_apply(fair=fair, project=_project("Byns Lanthandel"), by=owner, title="Byns Lanthandel – etapp två")
