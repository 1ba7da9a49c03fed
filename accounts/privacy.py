"""Responses carrying personal data or money records are never stored by browsers or proxies.

Every response to a logged-in session or to a request with credentials (an API token) gets
`Cache-Control: no-store` (with private, no-cache and max-age=0 for older caches): it carries
the person's name at least, and often their pledges, payments or a treasury export. Paths
that only ever serve personal or treasury data are covered whoever asks.
Anonymous public pages keep their normal caching.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers

PERSONAL_PREFIXES = ("/my/", "/treasury/", "/ops/", "/api/me/", "/api/treasury/", "/api/pledges/", "/account/")
# Pages behind a secret link: the link is the credential, whoever follows it (a pledge, a password form).
SECRET_LINK_PREFIXES = ("/pledges/confirm/", "/confirm-email/", "/password-reset/")


def response_is_personal(request: HttpRequest) -> bool:
    """True when the response may hold personal data or a treasury record."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    if "HTTP_AUTHORIZATION" in request.META:
        return True
    return request.path.startswith(PERSONAL_PREFIXES + SECRET_LINK_PREFIXES)


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response_is_personal(request):
            add_never_cache_headers(response)
        return response
