"""A page view typed to take an AuthenticatedHttpRequest (request.user is a User) must never run for an
anonymous visitor: every such route sends one to the login page, whatever its method.

The annotation is what lets mypy trust request.user; this test is what keeps the annotation true.
"""

from __future__ import annotations

import inspect
import typing
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter

from web.http import AuthenticatedHttpRequest

pytestmark = pytest.mark.django_db


def _routes(patterns: list[URLPattern | URLResolver], namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry.url_patterns, inner)
        elif entry.name:
            yield f"{namespace}{entry.name}", entry


def _takes_authenticated_request(view: Callable[..., object]) -> bool:
    function = inspect.unwrap(view)
    if not inspect.isfunction(function):
        return False  # class-based views guard themselves with LoginRequiredMixin
    return typing.get_type_hints(function).get("request") is AuthenticatedHttpRequest


def _sample(converter: object) -> object:
    if isinstance(converter, IntConverter):
        return 1
    if isinstance(converter, UUIDConverter):
        return uuid.UUID(int=1)
    return "x"


def authenticated_routes() -> list[tuple[str, str]]:
    found = []
    for name, pattern in _routes(get_resolver().url_patterns):
        if _takes_authenticated_request(pattern.callback):
            converters = getattr(pattern.pattern, "converters", {})
            url = reverse(name, kwargs={key: _sample(c) for key, c in converters.items()})
            found.append((name, url))
    return found


ROUTES = authenticated_routes()


def test_the_page_views_behind_a_login_are_typed_as_such() -> None:
    names = {name for name, _url in ROUTES}
    # One view of each area, so a broken look-up (finding nothing) cannot pass.
    for expected in (
        "web:my-projects",
        "web:savers:my-pledges",
        "web:fund-statement",
        "web:fair-create",
        "web:treasury:dashboard",
        "web:two-factor-setup",
    ):
        assert expected in names
    # Public pages keep a plain HttpRequest: they serve anonymous visitors.
    for public in ("web:home", "web:fund-detail", "web:fair-detail", "web:savers:pool-detail", "web:fair-card"):
        assert public not in names


@pytest.mark.parametrize(("name", "url"), ROUTES, ids=[name for name, _url in ROUTES])
def test_an_anonymous_visitor_is_sent_to_log_in(client, name: str, url: str) -> None:
    response = client.get(url)
    if response.status_code == 405:  # POST-only: the login check must still come first
        response = client.post(url)
    assert response.status_code == 302, (name, response.status_code)
    assert urlsplit(response["Location"]).path == reverse("web:login")
