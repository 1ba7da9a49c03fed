"""Template context for every page: the working community chosen in the header."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def working_community(request: HttpRequest) -> dict[str, Any]:
    """`working_community_id`: the community chosen in the header's chooser, None for all (the chooser's
    choices are read by the header itself, web/templatetags/layout.py, only for the roles that see it)."""
    user = getattr(request, "user", None)
    return {"working_community_id": getattr(user, "working_community_id", None) if user is not None else None}
