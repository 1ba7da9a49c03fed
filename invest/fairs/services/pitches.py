"""Pitches: a project applies, organisers choose or decline it, the project confirms, withdraws or edits its page."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from invest.fairs.errors import (
    FairNotAllowed,
    FairWrongStatus,
    PitchProjectElsewhere,
    PitchRefused,
)
from invest.fairs.models import (
    Fair,
    FairStatus,
    Pitch,
    PitchStatus,
)
from invest.fairs.services.cards import MAX_TEXT
from invest.fairs.services.lifecycle import _lock_fair, _new_code, _require_organiser, user_may_manage_fairs
from invest.models import Project, ProjectStatus
from invest.services import unique_slug, user_may_manage_project
from pools.models import FundingRule, Pool, PoolKind
from pools.money import MAX_ORE


@transaction.atomic
def pitch_apply(*, fair: Fair, project: Project, by: User, title: str = "", summary: str = "", ask: str = "") -> Pitch:
    """A project of the fair's community asks for a slot at a planned fair. Raises FairNotAllowed,
    FairWrongStatus, PitchRefused (PitchProjectElsewhere for a project of another community)."""
    fair = _lock_fair(fair)
    if not user_may_manage_project(user=by, project=project):
        raise FairNotAllowed(_("Only the project's owner may apply for it."))
    if fair.status != FairStatus.PLANNED or not fair.is_open_for_applications:
        raise FairWrongStatus(_("This fair no longer takes applications."))
    if project.community_id != fair.community_id:
        raise PitchProjectElsewhere(field="project")
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
    project's existing `fair` pool). Raises FairNotAllowed, FairWrongStatus, PitchRefused (PitchProjectElsewhere
    for a project of another community than the fair's)."""
    _require_organiser(by)
    fair = _lock_fair(pitch.fair)
    pitch = Pitch.objects.select_for_update().get(pk=pitch.pk, fair_id=fair.pk)
    # The project is read in the fair's community: a project of another community is not chosen (its pool
    # would be of that community, and the money pledged at this fair would go there).
    project = Project.objects.filter(pk=pitch.project_id, community_id=cast(int, fair.community_id)).first()
    if project is None:
        raise PitchProjectElsewhere(field="project")
    pitch.project = project
    if fair.status not in (FairStatus.PLANNED, FairStatus.PROGRAMME_SET):
        raise FairWrongStatus()
    if pitch.status == PitchStatus.CHOSEN:
        return pitch
    if pitch.status != PitchStatus.APPLIED:
        raise PitchRefused(_("Only an application can be chosen."), field="status")
    if Pitch.objects.filter(fair=fair, status=PitchStatus.CHOSEN).count() >= fair.pitch_slots:
        raise PitchRefused(
            ngettext("The one pitch slot is taken.", "All %(n)s pitch slots are taken.", fair.pitch_slots)
            % {"n": fair.pitch_slots},
            field="status",
        )
    target = target_ore if target_ore is not None else (pitch.project.loan_need_ore or 0)
    target = target or settings.FAIRS_DEFAULT_PITCH_TARGET_ORE
    if isinstance(target, bool) or not isinstance(target, int) or not 0 < target <= MAX_ORE:
        raise PitchRefused(_("Give a target above zero."), field="target")
    if pool is not None:
        # A pool of the same project is of the fair's community too (invest/pool_community.py).
        pool = Pool.objects.select_for_update().filter(pk=pool.pk, community_id=cast(int, fair.community_id)).first()
        taken = pool is not None and Pitch.objects.filter(pool=pool).exclude(pk=pitch.pk).exists()
        if pool is None or pool.kind != PoolKind.FAIR or pool.project_id != pitch.project_id or taken:
            raise PitchRefused(_("Only an unused fair pool of the same project can be attached."), field="pool")
        pitch.pool = pool
    if pitch.pool_id is None:
        pool = Pool(
            title=f"{pitch.project.name} – {fair.title}"[:200],
            slug=unique_slug(Pool, f"fair-{fair.pk}-{pitch.project.slug}"),
            description=pitch.summary,
            kind=PoolKind.FAIR,
            project=pitch.project,
            community_id=pitch.project.community_id,  # a pool belongs to its project's community
            target_ore=target,
            opens_on=fair.held_on,
            closes_on=fair.held_on + timedelta(days=settings.FAIRS_POOL_OPEN_DAYS),
            funding_rule=FundingRule.KEEP_WHAT_YOU_RAISE,
        )
        # Not the project and slug again: the project was just read in the fair's community and unique_slug
        # found the slug free; checking them here would read them by key alone.
        pool.full_clean(exclude=["project", "slug"])
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
    # With its project (the answer names it), read through the fair in the fair's community: an application
    # of another community's project, written before pitch_apply refused them, can still be declined.
    pitch = (
        Pitch.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=pitch.pk, fair=fair, fair__community_id=cast(int, fair.community_id))
    )
    if fair.status not in (FairStatus.PLANNED, FairStatus.PROGRAMME_SET):
        raise FairWrongStatus()
    if pitch.status not in (PitchStatus.APPLIED, PitchStatus.CHOSEN):
        raise PitchRefused(_("This pitch cannot be declined."), field="status")
    pitch.status = PitchStatus.DECLINED
    pitch.position = None
    pitch.starts_at = None
    pitch.save(update_fields=["status", "position", "starts_at"])
    return pitch


def _pitch_locked(pitch: Pitch) -> Pitch:
    """The pitch read again and locked, with its project and fair, in the communities of the project and fair
    the caller holds (so the statement names them)."""
    return (
        Pitch.objects.select_for_update(of=("self",))
        .select_related("project", "fair")
        .get(
            pk=pitch.pk,
            project__community_id=cast(int, pitch.project.community_id),
            fair__community_id=cast(int, pitch.fair.community_id),
        )
    )


@transaction.atomic
def pitch_withdraw(*, pitch: Pitch, by: User) -> Pitch:
    """The project's owner withdraws an application or slot before the evening.
    Raises FairNotAllowed, FairWrongStatus, PitchRefused."""
    fair = _lock_fair(pitch.fair)
    pitch = _pitch_locked(pitch)
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


@transaction.atomic
def pitch_confirm(*, pitch: Pitch, by: User) -> Pitch:
    """The project owner confirms their slot. Raises FairNotAllowed, FairWrongStatus."""
    pitch = _pitch_locked(pitch)
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
    pitch = _pitch_locked(pitch)
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
    # Only the texts changed: their own checks (the links were read above, in their communities).
    pitch.full_clean(exclude=["fair", "project", "pool", "applied_by"], validate_unique=False)
    pitch.save(update_fields=["title", "summary", "ask"])
    return pitch
