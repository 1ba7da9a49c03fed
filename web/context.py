"""Template context for every page: the community chooser in the header."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def working_community(request: HttpRequest) -> dict[str, Any]:
    """`working_communities` (those the user may choose, read only when the header shows the chooser) and
    `working_community_id` (the chosen one, None for all)."""

    def choices() -> list[Any]:
        from communities.selectors import working_community_choices

        return working_community_choices(user=getattr(request, "user", None))

    user = getattr(request, "user", None)
    return {
        "working_communities": SimpleLazyObject(choices),
        "working_community_id": getattr(user, "working_community_id", None) if user is not None else None,
    }
