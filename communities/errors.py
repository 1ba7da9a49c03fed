"""Domain errors of communities/."""

from __future__ import annotations

from operations.errors import DomainError


class CommunityError(DomainError):
    """A refused change to a community or its memberships."""

    code = "community_error"


class CommunitySlugTaken(CommunityError):
    code = "community_slug_taken"
    status = 409
