"""Reads for communities: lookups, the transitional default, and which communities a person may act in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import Http404

from communities.models import Community, CommunityMembership, MembershipRole

if TYPE_CHECKING:
    from accounts.models import User


def default_community() -> Community:
    """TRANSITIONAL: the community a write belongs to when its caller names none.

    Before communities existed there was one association; every creation service now takes a `community`
    argument and falls back to this (the first community, made from the settings if the database has
    none) so that callers and tests written for one association keep working. New code passes the
    community explicitly; this fallback goes once every caller does."""
    from communities.services import community_ensure_first  # the rare first-run write

    first = Community.objects.order_by("pk").first()
    return first if first is not None else community_ensure_first()


def default_community_id() -> int:
    """TRANSITIONAL: the primary key of default_community(); the model fields' default (see there).
    Reads only the key, so it also works while later migrations are still to add columns."""
    pk = Community.objects.order_by("pk").values_list("pk", flat=True).first()
    return pk if pk is not None else default_community().pk


def community_list() -> QuerySet[Community]:
    return Community.objects.order_by("name", "pk")


def community_get_by_slug(*, slug: str) -> Community:
    """The community with this slug, or 404."""
    community = Community.objects.filter(slug=slug).first()
    if community is None:
        raise Http404
    return community


def community_ids_for(*, user: User, role: str) -> list[int] | None:
    """The communities where the user holds this role; None means every community (platform staff and
    superusers). An anonymous user has none. (On a one-community platform, see _only_community_id.)"""
    if not getattr(user, "is_authenticated", False):
        return []
    if user.is_superuser or user.is_staff:
        return None
    ids = list(
        CommunityMembership.objects.filter(user=user, role=role)
        .order_by("community_id")
        .values_list("community_id", flat=True)
    )
    if not ids:
        only = _only_community_id()
        return [only] if only is not None else []
    return ids


def community_ids_for_any(*, user: User, roles: tuple[str, ...]) -> list[int] | None:
    """The communities where the user holds any of these roles (see community_ids_for); None means every one."""
    found: set[int] = set()
    for role in roles:
        ids = community_ids_for(user=user, role=role)
        if ids is None:
            return None
        found.update(ids)
    return sorted(found)


def user_acts_in(*, user: User, roles: tuple[str, ...], community_id: int | None) -> bool:
    """Whether the user holds one of these roles in this community (platform staff and superusers: always;
    a record of no community: only they). The global permission is checked by the caller: this says only where."""
    ids = community_ids_for_any(user=user, roles=roles)
    return ids is None or (community_id is not None and community_id in ids)


def _only_community_id() -> int | None:
    """TRANSITIONAL: on a platform with exactly one community, a holder of a global power who has no
    membership yet acts in it (as before communities existed). With two or more, memberships decide."""
    pks = list(Community.objects.order_by("pk").values_list("pk", flat=True)[:2])
    return pks[0] if len(pks) == 1 else None


def community_for_role(*, user: User, role: str) -> Community | None:
    """The community a person acts for in this role when none is named: the first where they hold it;
    for platform staff and superusers with no such membership, the default community; else None."""
    membership = (
        CommunityMembership.objects.filter(user=user, role=role)
        .select_related("community")
        .order_by("community_id")
        .first()
    )
    if membership is not None:
        return membership.community
    if user.is_superuser or user.is_staff:
        return default_community()
    only = _only_community_id()
    return Community.objects.get(pk=only) if only is not None else None


def community_accounts_taken(*, exclude_id: int) -> dict[str, str]:
    """Every other community's registered receiving account (compact) -> that community's name."""
    taken: dict[str, str] = {}
    for other in Community.objects.exclude(pk=exclude_id).only("name", "bankgiro", "plusgiro", "iban"):
        for account in other.receiving_accounts:
            taken[account] = other.name
    return taken


def job_run_community_ids(user: Any) -> list[int] | None:
    """The communities whose job runs `user` sees: where they are a treasurer or an organiser (the two
    roles that see the jobs); None (every community) for platform staff, superusers and user=None."""
    if user is None:
        return None
    return community_ids_for_any(user=user, roles=(MembershipRole.TREASURER, MembershipRole.ORGANISER))
