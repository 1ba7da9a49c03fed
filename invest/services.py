"""Writes for invest/: projects and micro-funds."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from invest.errors import InvalidTransition, ProjectNotEditable
from invest.models import MicroFund, Project, ProjectStatus

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
    """Its owner, or an organiser."""
    return user.is_authenticated and (project.owner_id == user.pk or user.has_perm("invest.manage_projects"))


@transaction.atomic
def project_create(*, owner: User, name: str, place: str, **fields: object) -> Project:
    """Create a draft project owned by `owner`."""
    project = Project(owner=owner, name=name.strip(), place=place.strip(), slug=unique_slug(Project, f"{name}-{place}"))
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
def micro_fund_create(*, organiser: User, name: str, **fields: object) -> MicroFund:
    """Create a micro-fund run by `organiser`."""
    fund = MicroFund(organiser=organiser, name=name.strip(), slug=unique_slug(MicroFund, name), **fields)
    fund.full_clean()
    fund.save()
    return fund
