"""Reads for invest/: which projects and funds a user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from communities.models import Community, MembershipRole
from communities.selectors import community_ids_for
from invest.errors import ReceiverSettingRefused
from invest.fairs.models import Fair
from invest.models import MicroFund, Project, ProjectStatus
from pools.models import Pool


def project_list_public() -> QuerySet[Project]:
    """Projects anyone may see (published and later; never drafts or withdrawn)."""
    return Project.objects.exclude(status__in=[ProjectStatus.DRAFT, ProjectStatus.WITHDRAWN]).select_related("owner")


def project_list_visible(*, user: User | AnonymousUser) -> QuerySet[Project]:
    """Public projects plus the user's own; organisers also see every project of their communities."""
    if not user.is_authenticated:
        return project_list_public()
    visible = Q(owner=user) | ~Q(status__in=[ProjectStatus.DRAFT, ProjectStatus.WITHDRAWN])
    if user.has_perm("invest.manage_projects"):
        ids = community_ids_for(user=user, role=MembershipRole.ORGANISER)
        if ids is None:
            return Project.objects.select_related("owner")
        visible |= Q(community_id__in=ids)
    return Project.objects.filter(visible).select_related("owner")


def project_get_managed(*, user: User | AnonymousUser, project_id: int) -> Project | None:
    """A project whose settings (where it is paid) the user may change (invest.services.user_may_manage_project):
    their own (owner=user), else, for an organiser, one in a community they organise; None for anyone else.
    Two scoped reads: an OR of both would scope neither."""
    if not user.is_authenticated:
        return None
    rows = Project.objects.select_related("owner").filter(pk=project_id)
    project = rows.filter(owner=user).first()
    if project is None and user.has_perm("invest.manage_projects"):
        ids = community_ids_for(user=user, role=MembershipRole.ORGANISER)
        if ids is None or ids:
            project = (rows if ids is None else rows.filter(community_id__in=ids)).first()
    return project


def project_get_for_receiver(*, user: User | AnonymousUser, project_id: int) -> Project:
    """project_get_managed for the API's change of where a project is paid: raises ReceiverSettingRefused (403) for
    a public project the user may not change, Http404 for one they cannot see (as fund_get_for_receiver)."""
    project = project_get_managed(user=user, project_id=project_id)
    if project is not None:
        return project
    if not project_is_public(project_id=project_id):
        raise Http404
    raise ReceiverSettingRefused(_("Only the project's owner or an organiser may change where it is paid."))


def project_is_public(*, project_id: int) -> bool:
    """Whether a project anyone may see (project_list_public) has this key: tells a refused change (403) from an
    unknown project (404); nothing of the row is returned."""
    return project_list_public().filter(pk=project_id).exists()


def project_list_for_owner(*, owner: User) -> QuerySet[Project]:
    """The owner's own projects."""
    return Project.objects.filter(owner=owner)


@dataclass
class CommunityShowcase:
    """What a community's public page shows."""

    projects: list[Project]
    pools: list[Pool]
    fairs: list[Fair]
    funds: list[MicroFund]


def community_showcase(*, community: Community, today: date | None = None) -> CommunityShowcase:
    """A community's public projects, open pools, coming fairs and micro-funds."""
    from pools.selectors import pool_search_open

    day = today or timezone.localdate()
    return CommunityShowcase(
        projects=list(project_list_public().filter(community=community).order_by("name")[:100]),
        pools=list(pool_search_open(community_id=community.pk, today=day)[:100]),
        fairs=list(Fair.objects.filter(community=community, held_on__gte=day).order_by("held_on", "pk")[:20]),
        funds=list(MicroFund.objects.filter(community=community).order_by("name")[:50]),
    )


def community_region_choices() -> tuple[list[str], list[str]]:
    """The regions and municipalities communities name (for the national page's filters), sorted."""
    # order_by(): the model's ordering (name, pk) would join the DISTINCT and return a row per community.
    regions = Community.objects.exclude(region="").order_by().values_list("region", flat=True).distinct()
    places = Community.objects.exclude(municipality="").order_by().values_list("municipality", flat=True).distinct()
    return sorted(set(regions)), sorted(set(places))
