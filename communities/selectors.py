"""Reads for communities: lookups, the transitional default, and which communities a person may act in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import Http404

from communities.models import Community, CommunityInvitation, CommunityMembership, InvitationStatus, MembershipRole

if TYPE_CHECKING:
    from accounts.models import User


# The attribute communities/middleware.py sets on the request's user: the community chosen to work in.
WORKING_COMMUNITY_ATTRIBUTE = "working_community_id"

# Roles whose holders run a community's money, pools, funds or fairs: they choose a working community and
# verify a second factor (accounts/twofactor.py reads the same roles from the memberships).
STAFF_ROLES = (MembershipRole.TREASURER, MembershipRole.ORGANISER, MembershipRole.FUND_MANAGER)

# What a community's own treasurer may do in it; everything else (creating communities, accounts and
# payment fields, and giving or taking the treasurer role) is platform staff's (is_staff).
TREASURER_GRANTABLE_ROLES = (MembershipRole.ORGANISER, MembershipRole.FUND_MANAGER, MembershipRole.PROJECT_OWNER)
TREASURER_EDITABLE_FIELDS = ("contact_name", "contact_email", "contact_phone", "logo", "colour")
STAFF_EDITABLE_FIELDS = (
    "name",
    "slug",
    "kind",
    "organisation_number",
    "bankgiro",
    "plusgiro",
    "iban",
    "swish_number",
    "payout_bankgiro",
    "payout_bic",
    "default_language",
    "contact_name",
    "contact_email",
    "contact_phone",
    "municipality",
    "region",
    "logo",
    "colour",
)


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
    superusers). An anonymous user has none. (On a one-community platform, see _only_community_id.)
    When the person chose a community to work in (communities/middleware.py) and holds the role there (or
    is platform staff), only that one."""
    if not getattr(user, "is_authenticated", False):
        return []
    ids = _community_ids_held(user, role)
    working = getattr(user, WORKING_COMMUNITY_ATTRIBUTE, None)
    if working is not None and (ids is None or working in ids):
        return [working]  # the community chosen to work in (communities/middleware.py) narrows every list
    return ids


def _community_ids_held(user: User, role: str) -> list[int] | None:
    """community_ids_for without the chosen working community: every community where the role is held."""
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
    """The community a person acts for in this role when none is named: the chosen working community when
    they hold the role there; else the first where they hold it; for platform staff and superusers with no
    such membership, the default community; else None."""
    working = getattr(user, WORKING_COMMUNITY_ATTRIBUTE, None)
    if working is not None:
        held = _community_ids_held(user, role)
        if held is None or working in held:
            chosen = Community.objects.filter(pk=working).first()
            if chosen is not None:
                return chosen
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


def mail_community_ids(user: Any) -> list[int] | None:
    """The communities whose failed mails `user` sees and retries: where they are a treasurer or an organiser;
    None (every community, and platform mails without one) for platform staff and superusers."""
    return community_ids_for_any(user=user, roles=(MembershipRole.TREASURER, MembershipRole.ORGANISER))


def is_platform_staff(user: Any) -> bool:
    """Platform staff (is_staff) and superusers manage every community and its memberships."""
    return bool(getattr(user, "is_authenticated", False) and (user.is_staff or user.is_superuser))


def _treasurer_of(user: Any, community_id: int) -> bool:
    """A holder of the treasurer power who is a treasurer member of this community."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("pools.view_reports"):
        return False
    ids = _community_ids_held(user, MembershipRole.TREASURER)
    return ids is None or community_id in ids


def community_list_managed(*, user: Any) -> QuerySet[Community]:
    """The communities `user` manages: every one for platform staff, those they are treasurer of otherwise."""
    if is_platform_staff(user):
        return community_list()
    if not getattr(user, "is_authenticated", False) or not user.has_perm("pools.view_reports"):
        return Community.objects.none()
    ids = _community_ids_held(user, MembershipRole.TREASURER) or []
    return community_list().filter(pk__in=ids)


def community_get_managed(*, user: Any, community_id: int) -> Community:
    """A community `user` manages (see community_list_managed), or 404."""
    community = community_list_managed(user=user).filter(pk=community_id).first()
    if community is None:
        raise Http404
    return community


def community_editable_fields(*, user: Any, community: Community) -> tuple[str, ...]:
    """The fields of `community` that `user` may change: all for platform staff, contact, logo and colour
    for its treasurers, none for anyone else."""
    if is_platform_staff(user):
        return STAFF_EDITABLE_FIELDS
    if _treasurer_of(user, community.pk):
        return TREASURER_EDITABLE_FIELDS
    return ()


def membership_roles_grantable(*, user: Any, community: Community) -> tuple[str, ...]:
    """The roles `user` may give, take and invite to in `community`: every role for platform staff;
    organiser, fund manager and project owner for its treasurers; none for anyone else."""
    if is_platform_staff(user):
        return tuple(MembershipRole.values)
    if _treasurer_of(user, community.pk):
        return TREASURER_GRANTABLE_ROLES
    return ()


def membership_list(*, community: Community) -> QuerySet[CommunityMembership]:
    """The community's memberships with their people, by role then name."""
    return (
        CommunityMembership.objects.filter(community=community)
        .select_related("user")
        .order_by("role", "user__full_name", "user__email", "pk")
    )


def membership_get(*, community: Community, membership_id: int) -> CommunityMembership:
    """One membership of the community, or 404."""
    membership = membership_list(community=community).filter(pk=membership_id).first()
    if membership is None:
        raise Http404
    return membership


def invitation_list(*, community: Community, pending_only: bool = False) -> QuerySet[CommunityInvitation]:
    """The community's invitations, newest first (pending ones only when asked)."""
    rows = CommunityInvitation.objects.filter(community=community).select_related("invited_by", "accepted_by")
    if pending_only:
        rows = rows.filter(status=InvitationStatus.PENDING)
    return rows.order_by("-created_at", "-pk")


def invitation_get(*, community: Community, invitation_id: int) -> CommunityInvitation:
    """One invitation of the community, or 404."""
    invitation = invitation_list(community=community).filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404
    return invitation


def invitation_find(*, token: str) -> CommunityInvitation | None:
    """The invitation a link's token opens (whatever its status), or None."""
    from communities.services import invitation_token_hash

    if not token or len(token) > 200:
        return None
    return (
        CommunityInvitation.objects.select_related("community").filter(token_hash=invitation_token_hash(token)).first()
    )


def _working_communities(user: Any) -> QuerySet[Community]:
    """Every community for platform staff, else those where `user` holds a treasurer, organiser or fund manager
    membership (the user is signed in)."""
    if is_platform_staff(user):
        return community_list()
    ids = CommunityMembership.objects.filter(user=user, role__in=STAFF_ROLES).values("community_id")
    return community_list().filter(pk__in=ids)


def working_community_choices(*, user: Any) -> list[Community]:
    """The communities `user` may choose to work in: every one for platform staff, else those where they
    hold a treasurer, organiser or fund manager membership."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(_working_communities(user))


def working_community_names(*, user: Any) -> list[tuple[int, str]]:
    """The same communities as working_community_choices, as (id, name) in the same order: what the header's
    chooser shows on every page of these roles, read as two columns rather than as model rows."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(_working_communities(user).values_list("pk", "name"))


def community_input_normalised(data: Any) -> Any:
    """Form or API input with the letter case and spacing people type fixed before the fields are checked:
    a BIC in capitals, a colour in lower case, an organisation number with its dash."""
    if not hasattr(data, "copy") or not hasattr(data, "get"):
        return data
    from stdnum.se import orgnr

    data = data.copy()
    for name, change in (("payout_bic", str.upper), ("colour", str.lower)):
        value = data.get(name)
        if isinstance(value, str):
            data[name] = change(value.strip())
    number = data.get("organisation_number")
    if isinstance(number, str) and orgnr.is_valid(number):
        data["organisation_number"] = orgnr.format(number)  # 5560360793 -> 556036-0793, the stored form
    return data
