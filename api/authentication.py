"""API authentication: the session (with CSRF) for pages' scripts, tokens for scripts.

Both refuse treasurers and organisers who have not passed two-factor authentication,
so no endpoint (whoever writes it) hands their powers to a password alone:
- session: the session must be OTP-verified (django-otp, done on /account/two-factor/);
- token: refused for those roles altogether. A token is a bearer secret that never saw a
  second factor, so treasurer and organiser work over the API uses the verified browser
  session; scripts run as savers or project owners. The token endpoint refuses them too.
These classes are the defaults (settings REST_FRAMEWORK); tests/api/test_permission_matrix.py
fails if a view swaps in other authentication classes.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.request import Request

from accounts.twofactor import two_factor_required, two_factor_verified


class TwoFactorRequired(exceptions.PermissionDenied):
    default_detail = _("Verify your two-factor code on the website first (treasurers and organisers).")
    default_code = "two_factor_required"


class TokenNotAllowedForRole(exceptions.AuthenticationFailed):
    default_detail = _("Treasurers and organisers cannot use API tokens: use the two-factor verified website.")
    default_code = "token_not_allowed_for_role"


class TwoFactorSessionAuthentication(SessionAuthentication):
    """Session authentication (CSRF enforced) that refuses an unverified treasurer or organiser."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is not None:
            user = request._request.user  # django-otp's wrapped user knows is_verified()
            if two_factor_required(user) and not two_factor_verified(user):
                raise TwoFactorRequired()
        return result


class TwoFactorTokenAuthentication(TokenAuthentication):
    """Token authentication for savers and project owners; treasurers' and organisers' tokens are refused."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if two_factor_required(user):
            raise TokenNotAllowedForRole()
        return user, token
