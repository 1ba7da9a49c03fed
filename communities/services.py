"""Writes for communities and their memberships."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from stdnum.se import orgnr

from accounts.identity import normalize_swish_number
from communities.defaults import first_community_fields
from communities.errors import CommunitySlugTaken
from communities.models import Community, CommunityMembership, MembershipRole

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def community_create(*, name: str, slug: str, **fields: object) -> Community:
    """Create a community after full validation (org number, giro numbers, Swish, colour). Raises
    django.core.exceptions.ValidationError for bad fields and CommunitySlugTaken for a used slug."""
    community = Community(name=name.strip(), slug=slug.strip().lower(), **fields)
    if orgnr.is_valid(community.organisation_number or ""):
        community.organisation_number = orgnr.format(community.organisation_number)
    community.swish_number = normalize_swish_number(community.swish_number)
    community.payout_bic = (community.payout_bic or "").strip().upper()
    community.full_clean(validate_unique=False)
    if Community.objects.filter(slug=community.slug).exists():
        raise CommunitySlugTaken(field="slug")
    try:
        with transaction.atomic():
            community.save()
    except IntegrityError as exc:  # the slug raced in between
        raise CommunitySlugTaken(field="slug") from exc
    return community


@transaction.atomic
def community_ensure_first() -> Community:
    """The platform's first community, made from the settings when the database has none (a fresh install
    or a flushed test database). Writes at most one row."""
    first = Community.objects.order_by("pk").first()
    if first is not None:
        return first
    fields = first_community_fields()
    community, _created = Community.objects.get_or_create(slug=fields.pop("slug"), defaults=fields)
    return community


@transaction.atomic
def membership_grant(*, user: User, community: Community, role: str) -> CommunityMembership:
    """Give a person a role in a community (idempotent). Raises ValueError for an unknown role."""
    if role not in MembershipRole.values:
        raise ValueError(role)
    membership, _created = CommunityMembership.objects.get_or_create(user=user, community=community, role=role)
    return membership


@transaction.atomic
def membership_revoke(*, user: User, community: Community, role: str) -> int:
    """Take a role in a community away; returns how many rows went (0 or 1)."""
    deleted, _ = CommunityMembership.objects.filter(user=user, community=community, role=role).delete()
    return deleted


@transaction.atomic
def community_update(*, community: Community, **fields: object) -> Community:
    """Change a community's fields after full validation. Raises ValidationError and CommunitySlugTaken."""
    community = Community.objects.select_for_update().get(pk=community.pk)
    for key, value in fields.items():
        if key in ("id", "pk", "created_at"):
            raise TypeError(key)
        setattr(community, key, value)
    if orgnr.is_valid(community.organisation_number or ""):
        community.organisation_number = orgnr.format(community.organisation_number)
    community.swish_number = normalize_swish_number(community.swish_number)
    community.full_clean(validate_unique=False)
    if Community.objects.filter(slug=community.slug).exclude(pk=community.pk).exists():
        raise CommunitySlugTaken(field="slug")
    community.save()
    return community
