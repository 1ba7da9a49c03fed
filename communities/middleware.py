"""The community a person chose to work in (the header's chooser, web/communities_manage.py) narrows what
their treasury and organiser pages show: the choice sits in the session, and this puts it on the request's
user, where communities.selectors.community_ids_for and community_for_role read it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

WORKING_COMMUNITY_SESSION_KEY = "working_community_id"


class WorkingCommunityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        chosen = session.get(WORKING_COMMUNITY_SESSION_KEY) if session is not None else None
        if session is not None and chosen is not None:
            from communities.selectors import WORKING_COMMUNITY_ATTRIBUTE, working_community_choices

            user = request.user
            if isinstance(chosen, int) and chosen in {c.pk for c in working_community_choices(user=user)}:
                setattr(user, WORKING_COMMUNITY_ATTRIBUTE, chosen)
            else:  # a membership taken away since, or another account in this session: forget the choice
                session.pop(WORKING_COMMUNITY_SESSION_KEY, None)
        return self.get_response(request)
