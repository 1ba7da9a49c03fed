"""Two-factor policy: who must verify a TOTP code, and whether a request has.

Treasurers and organisers (settings.TWO_FACTOR_ROLES) hold powers over other people's
money and pools, so their session must be verified with a TOTP device (django-otp)
before any page or session-authenticated API call works. API tokens are refused for
them altogether (see api/authentication.py): a token cannot carry a second factor.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.http import HttpRequest
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice


def two_factor_required(user: Any) -> bool:
    """True for an authenticated user in a role that must use two-factor authentication."""
    if user is None or not user.is_authenticated:
        return False
    return any(user.has_role(role) for role in settings.TWO_FACTOR_ROLES)


def two_factor_verified(user: Any) -> bool:
    """True when the session's user was verified by an OTP device (django_otp's middleware)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def two_factor_satisfied(request: HttpRequest) -> bool:
    """True unless the request's user must verify a second factor and has not."""
    user = getattr(request, "user", None)
    return not two_factor_required(user) or two_factor_verified(user)


def two_factor_has_device(user: Any) -> bool:
    """True when the user has a confirmed TOTP device."""
    return user_has_device(user, confirmed=True)


def totp_device_pending(*, user: Any) -> TOTPDevice | None:
    """The user's unconfirmed TOTP device being set up, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def totp_secret_base32(device: TOTPDevice) -> str:
    """The device key as authenticator apps expect it when typed in (base32, no padding)."""
    return b32encode(device.bin_key).decode("ascii").rstrip("=")


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL of a device as an inline SVG QR code (no external service)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#1b1b1b")
