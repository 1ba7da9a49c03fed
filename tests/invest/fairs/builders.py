"""Build fairs in a given stage through the services, as an organiser would."""

from __future__ import annotations

import uuid
from datetime import time

from accounts.models import User
from invest.fairs.models import CardChannel, Fair, Pitch
from invest.fairs.services import (
    CardInput,
    Slot,
    fair_card_submit,
    fair_programme_set,
    fair_start,
    pitch_apply,
    pitch_choose,
)
from tests.factories import FairFactory, ProjectFactory


def fair_with_programme(organiser: User, *, pitches: int = 2, owner: User | None = None) -> tuple[Fair, list[Pitch]]:
    """A fair in programme_set with `pitches` chosen and scheduled pitches (the first owned by `owner`)."""
    fair = FairFactory(organiser=organiser)
    made = []
    for index in range(pitches):
        project = ProjectFactory(owner=owner) if owner is not None and index == 0 else ProjectFactory()
        pitch = pitch_apply(fair=fair, project=project, by=project.owner, title=f"Pitch {index + 1}")
        made.append(pitch_choose(pitch=pitch, by=organiser, target_ore=10_000_000))
    fair_programme_set(
        fair=fair,
        by=organiser,
        slots=[Slot(pitch_id=p.pk, position=i + 1, starts_at=time(18, 10 * i), minutes=8) for i, p in enumerate(made)],
    )
    fair.refresh_from_db()
    return fair, made


def live_fair(organiser: User, *, pitches: int = 2, owner: User | None = None) -> tuple[Fair, list[Pitch]]:
    fair, made = fair_with_programme(organiser, pitches=pitches, owner=owner)
    fair = fair_start(fair=fair, by=organiser)
    for pitch in made:
        pitch.refresh_from_db()
    return fair, made


def card(pitch: Pitch, *, channel: str = CardChannel.PHONE, **fields: object):  # type: ignore[no-untyped-def]
    """Submit one card with sensible defaults (a 500 kr gift from a named pledger)."""
    values = dict(kind="gift", amount_ore=50_000, name="Anna Berg", email="anna@example.se", is_name_public=True)
    values.update(fields)
    return fair_card_submit(pitch=pitch, card_id=uuid.uuid4(), card=CardInput(**values), channel=channel)[0]
