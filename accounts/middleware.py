"""Activate the logged-in user's preferred language, so the switch sticks to the account."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class TwoFactorMiddleware:
    """Pages refuse treasurers and organisers until their session is verified with a TOTP code.

    They are sent to set up a device (first time) or to enter a code. The API is left to
    api/authentication.py, which answers 403 in JSON instead of redirecting.
    """

    OPEN_PREFIXES = ("/api/", "/static/", "/media/", "/healthz", "/i18n/")
    OPEN_URL_NAMES = ("web:login", "web:logout", "web:language", "web:two-factor-setup", "web:two-factor-verify")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from accounts.twofactor import two_factor_has_device, two_factor_satisfied

        if not request.path.startswith(self.OPEN_PREFIXES) and not two_factor_satisfied(request):
            open_paths = {reverse(name) for name in self.OPEN_URL_NAMES}
            if request.path not in open_paths:
                target = "web:two-factor-verify" if two_factor_has_device(request.user) else "web:two-factor-setup"
                return redirect_to_login(request.get_full_path(), reverse(target))
        return self.get_response(request)
