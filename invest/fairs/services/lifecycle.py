"""A fair's lifecycle: planned -> programme_set -> live -> follow_up -> closed (FAIR_TRANSITIONS)."""

from __future__ import annotations

import secrets
from datetime import date, time
from typing import cast

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from communities.models import Community, MembershipRole
from communities.selectors import community_for_role, default_community
from invest.fairs.errors import (
    FairNotAllowed,
    FairTooEarly,
    FairWrongStatus,
)
from invest.fairs.models import (
    Fair,
    FairStatus,
    PitchStatus,
)
from invest.fairs.services.notices import _notice_queue, _unconfirmed_pledgers
from pools.models import Pool
from pools.services import pool_open

FAIR_TRANSITIONS: dict[str, tuple[str, ...]] = {
    FairStatus.PLANNED: (FairStatus.PROGRAMME_SET,),
    FairStatus.PROGRAMME_SET: (FairStatus.LIVE,),
    FairStatus.LIVE: (FairStatus.FOLLOW_UP,),
    FairStatus.FOLLOW_UP: (FairStatus.CLOSED,),
    FairStatus.CLOSED: (),
}


def user_may_manage_fairs(user: User | AnonymousUser) -> bool:
    """Organisers (invest.manage_fairs) plan and run fairs."""
    return bool(user.is_authenticated and user.has_perm("invest.manage_fairs"))


def _require_organiser(user: User) -> None:
    if not user_may_manage_fairs(user):
        raise FairNotAllowed()


def _lock_fair(fair: Fair) -> Fair:
    """The fair locked for a change, read again in the community of the fair the caller holds (from a selector:
    fair_get_managed, pitch_get_managed), so the statement names the community it acts in."""
    return Fair.objects.select_for_update().get(pk=fair.pk, community_id=cast(int, fair.community_id))


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
    community: Community | None = None,
) -> Fair:
    """Create a planned fair of `community` (when none is given: the organiser's first community, else
    TRANSITIONALLY the default one), open for applications. Raises FairNotAllowed, ValidationError."""
    _require_organiser(organiser)
    fair = Fair(
        organiser=organiser,
        community=community or community_for_role(user=organiser, role=MembershipRole.ORGANISER) or default_community(),
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
    # The fair's community's pools only: a chosen pitch's project, and so its pool, is of the fair's community.
    pools = Pool.objects.select_for_update().filter(
        fair_pitch__fair=fair, fair_pitch__status=PitchStatus.CHOSEN, community_id=cast(int, fair.community_id)
    )
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
    pools = Pool.objects.select_for_update().filter(fair_pitch__fair=fair, community_id=cast(int, fair.community_id))
    list(pools.order_by("pk").values_list("pk", flat=True))
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
