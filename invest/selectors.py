"""Reads for invest/: which projects and funds a user may see."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from invest.models import Project, ProjectStatus


def project_list_public() -> QuerySet[Project]:
    """Projects anyone may see (published and later; never drafts or withdrawn)."""
    return Project.objects.exclude(status__in=[ProjectStatus.DRAFT, ProjectStatus.WITHDRAWN]).select_related("owner")


def project_list_visible(*, user: User | AnonymousUser) -> QuerySet[Project]:
    """Public projects plus the user's own; organisers see all."""
    if user.is_authenticated and user.has_perm("invest.manage_projects"):
        return Project.objects.select_related("owner")
    if user.is_authenticated:
        return Project.objects.filter(
            Q(owner=user) | ~Q(status__in=[ProjectStatus.DRAFT, ProjectStatus.WITHDRAWN])
        ).select_related("owner")
    return project_list_public()


def project_get_visible(*, user: User | AnonymousUser, project_id: int) -> Project:
    try:
        return project_list_visible(user=user).get(pk=project_id)
    except Project.DoesNotExist as exc:
        raise Http404 from exc


def project_list_for_owner(*, owner: User) -> QuerySet[Project]:
    """The owner's own projects."""
    return Project.objects.filter(owner=owner)
