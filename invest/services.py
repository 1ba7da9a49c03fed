"""Writes for invest/: projects and micro-funds."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.identity import normalize_swish_number, validate_swish_number
from accounts.models import User
from communities.models import Community, MembershipRole
from communities.selectors import default_community, user_acts_in
from invest.errors import InvalidTransition, InvestError, ProjectNotEditable, ReceiverSettingRefused
from invest.models import MicroFund, Project, ProjectStatus
from invest.notices import swish_number_notice_queue

# Allowed project life: draft -> published -> funded -> repaying -> closed, or withdrawn.
PROJECT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ProjectStatus.DRAFT: (ProjectStatus.PUBLISHED, ProjectStatus.WITHDRAWN),
    ProjectStatus.PUBLISHED: (ProjectStatus.FUNDED, ProjectStatus.WITHDRAWN),
    ProjectStatus.FUNDED: (ProjectStatus.REPAYING, ProjectStatus.CLOSED),
    ProjectStatus.REPAYING: (ProjectStatus.CLOSED,),
    ProjectStatus.CLOSED: (),
    ProjectStatus.WITHDRAWN: (),
}

EDITABLE_FIELDS = (
    "name",
    "place",
    "summary",
    "description",
    "loan_need_ore",
    "organisation_number",
    "website",
    "contact_email",
)


def unique_slug(model: type, text: str, *, max_length: int = 80) -> str:
    """A slug from text that no row of the model has yet."""
    base = (slugify(text) or "x")[: max_length - 6]
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():  # type: ignore[attr-defined]
        slug, n = f"{base}-{n}", n + 1
    return slug


def user_may_manage_project(*, user: User, project: Project) -> bool:
    """Its owner, or an organiser of its community."""
    if not user.is_authenticated:
        return False
    if project.owner_id == user.pk:
        return True
    return user.has_perm("invest.manage_projects") and user_acts_in(
        user=user, roles=(MembershipRole.ORGANISER,), community_id=project.community_id
    )


@transaction.atomic
def project_create(
    *, owner: User, name: str, place: str, community: Community | None = None, **fields: object
) -> Project:
    """Create a draft project owned by `owner`, in `community` (TRANSITIONAL: the default community when
    none is given, see communities.selectors.default_community)."""
    project = Project(
        owner=owner,
        name=name.strip(),
        place=place.strip(),
        slug=unique_slug(Project, f"{name}-{place}"),
        community=community or default_community(),
    )
    for key, value in fields.items():
        if key not in EDITABLE_FIELDS:
            raise TypeError(key)
        setattr(project, key, value)
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def project_set_status(*, project: Project, by: User, status: str) -> Project:
    """Move a project along its life. Raises InvalidTransition or ProjectNotEditable."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not user_may_manage_project(user=by, project=project):
        raise ProjectNotEditable(_("Only the project's owner or an organiser may change it."))
    if status not in PROJECT_TRANSITIONS.get(project.status, ()):
        raise InvalidTransition(
            _("A project cannot go from %(old)s to %(new)s.") % {"old": project.status, "new": status},
            field="status",
        )
    project.status = status
    if status == ProjectStatus.PUBLISHED:
        project.published_at = timezone.now()
    project.save(update_fields=["status", "published_at", "updated_at"])
    return project


@transaction.atomic
def micro_fund_create(*, organiser: User, name: str, community: Community | None = None, **fields: object) -> MicroFund:
    """Create a micro-fund run by `organiser`, in `community` (TRANSITIONAL: the default community when none
    is given, see communities.selectors.default_community)."""
    fund = MicroFund(
        organiser=organiser,
        name=name.strip(),
        slug=unique_slug(MicroFund, name),
        community=community or default_community(),
        **fields,
    )
    fund.full_clean()
    fund.save()
    return fund


def _swish_number_checked(value: str) -> str:
    """A Swish number as stored (digits only), or "" to clear it. Raises InvestError (400) on the field."""
    if not isinstance(value, str):
        raise InvestError(_("Give the Swish number as text."), field="swish_number")
    number = normalize_swish_number(value)
    if number:
        try:
            validate_swish_number(number)
        except ValidationError as error:
            raise InvestError(error.messages[0], field="swish_number") from error
    return number


@transaction.atomic
def project_swish_number_set(*, project: Project, by: User, swish_number: str) -> Project:
    """Set (or clear, with "") the project's Swish number, which payment instructions turn into the "Pay with
    Swish" link and code. Its owner or an organiser only. Repeating the same value changes nothing.
    A change is in the audit trail (trigger on swish_number: who, when, before, after) and mailed to the owner.
    Raises ReceiverSettingRefused (403), InvestError on the field (400)."""
    # Read again in the community of the project the caller holds, so that the statement names it.
    project = Project.objects.select_for_update().get(pk=project.pk, community_id=cast(int, project.community_id))
    if not user_may_manage_project(user=by, project=project):
        raise ReceiverSettingRefused(_("Only the project's owner or an organiser may change where it is paid."))
    number = _swish_number_checked(swish_number)
    before = project.swish_number
    if before != number:
        project.swish_number = number
        project.save(update_fields=["swish_number", "updated_at"])
        swish_number_notice_queue(receiver=project, before=before, after=number, by=by)
    return project


def user_may_manage_fund_receiver(*, user: User | AnonymousUser, fund: MicroFund) -> bool:
    """Where a fund is paid is its own organiser's to set (or a superuser's), not every organiser's."""
    return user.is_authenticated and (fund.organiser_id == user.pk or user.is_superuser)


@transaction.atomic
def fund_swish_number_set(*, fund: MicroFund, by: User, swish_number: str) -> MicroFund:
    """Set (or clear, with "") the fund's Swish number for share instalments paid by Swish.
    A change is in the audit trail (trigger on swish_number) and mailed to the fund's organiser.
    Raises ReceiverSettingRefused (403), InvestError on the field (400)."""
    # Read again in the community of the fund the caller holds, so that the statement names it.
    fund = MicroFund.objects.select_for_update().get(pk=fund.pk, community_id=cast(int, fund.community_id))
    if not user_may_manage_fund_receiver(user=by, fund=fund):
        raise ReceiverSettingRefused(_("Only the fund's organiser may change where it is paid."))
    number = _swish_number_checked(swish_number)
    before = fund.swish_number
    if before != number:
        fund.swish_number = number
        fund.save(update_fields=["swish_number"])
        swish_number_notice_queue(receiver=fund, before=before, after=number, by=by)
    return fund
