"""The API's routes as the URL resolver sees them: what the guard tests walk."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

SKIP_METHODS = {"options", "head", "trace"}


@dataclass(frozen=True)
class Route:
    route: str  # e.g. "api/pools/<int:pk>/"
    method: str  # e.g. "GET"
    view: Any  # the class-based view (APIView subclass) or function


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _methods(callback: Any) -> tuple[Any, list[str]]:
    actions = getattr(callback, "actions", None)  # DRF ViewSet routed by a router
    view_cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if actions:
        return view_cls, sorted(method.upper() for method in actions)
    if view_cls is None:
        return callback, ["GET"]
    names = [m for m in view_cls.http_method_names if m not in SKIP_METHODS and hasattr(view_cls, m)]
    return view_cls, sorted(m.upper() for m in names)


def api_routes(prefixes: tuple[str, ...] = ("api/",), extra: tuple[str, ...] = ("healthz",)) -> list[Route]:
    """Every (route, method) under the prefixes, plus the named extra routes."""
    found = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if not (route.startswith(prefixes) or route in extra):
            continue
        view_cls, methods = _methods(pattern.callback)
        for method in methods:
            found.append(Route(route=route, method=method, view=view_cls))
    return found


# Routes outside the page interface (the admin has its own tests; the redirect and language
# switchers write nothing of ours).
NOT_PAGE_FORMS = ("api/", "admin/", "i18n/", "favicon.ico")


def _takes_post(callback: Any) -> bool:
    view_cls = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_cls is not None:
        return hasattr(view_cls, "post")
    # Function views: require_POST / require_http_methods keep the wrapped function (functools.wraps),
    # and the source of a view that handles a form names the method.
    try:
        source = inspect.getsource(inspect.unwrap(callback))
    except (OSError, TypeError):
        return False
    return "POST" in source


def page_form_routes() -> list[str]:
    """Every page route (outside /api/ and the admin) whose view accepts a form POST."""
    return sorted(
        {
            route
            for route, pattern in _walk(get_resolver().url_patterns)
            if not route.startswith(NOT_PAGE_FORMS) and _takes_post(pattern.callback)
        }
    )
