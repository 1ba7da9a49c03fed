"""The evening's programme: which chosen pitch speaks when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import cast

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from invest.fairs.errors import (
    FairWrongStatus,
    ProgrammeInvalid,
)
from invest.fairs.models import (
    Fair,
    FairStatus,
    Pitch,
    PitchStatus,
)
from invest.fairs.services.lifecycle import _lock_fair, _move, _require_organiser


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
    # The chosen pitches of the fair's community's projects: the programme the pages show (pitch_programme).
    rows = Pitch.objects.select_for_update(of=("self",)).filter(
        fair=fair, status=PitchStatus.CHOSEN, project__community_id=cast(int, fair.community_id)
    )
    chosen = {p.pk: p for p in rows}
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
