"""Two-factor policy: who must verify a TOTP code, and whether a request has.

Anyone holding a power over other people's money, pools, funds or fairs must verify a
TOTP device (django-otp) before any page or session-authenticated API call works, and
gets no API token (see api/authentication.py): a token cannot carry a second factor.
The powers are read from permissions, not group names, so a superuser made with
`createsuperuser`, a staff member, or a user given one treasury permission directly is
covered as much as a member of the treasurer group; so is anyone holding a treasurer, organiser or fund
manager membership of a community, whatever their groups.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.http import HttpRequest
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

# Membership roles (communities.MembershipRole values) that hold a power over other people's money or events.
TWO_FACTOR_MEMBERSHIP_ROLES = ("treasurer", "organiser", "fund_manager")


def power_permissions() -> set[str]:
    """Every "app_label.codename" that is a treasury, organiser or fund-management power."""
    from accounts.roles import ROLE_PERMISSIONS

    powers: set[str] = set()
    for role in settings.TWO_FACTOR_ROLES:
        powers.update(ROLE_PERMISSIONS.get(role, []))
    return powers


def user_holds_power(user: Any) -> bool:
    """True for staff, superusers and anyone with a power permission, directly or by group (cached per instance)."""
    cached = getattr(user, "_holds_power", None)
    if cached is not None:
        return bool(cached)
    if user.is_superuser or user.is_staff:
        holds = True
    else:
        from django.contrib.auth.models import Permission
        from django.db.models import Q

        # The user's permissions in the apps that hold powers, by app and codename (one plain filter: an OR of
        # every power's (app, codename) cost more to compile than the query took), then checked here.
        powers = power_permissions()
        apps = {name.split(".", 1)[0] for name in powers} | {"treasury"}
        held = (
            Permission.objects.filter(content_type__app_label__in=sorted(apps))
            .filter(Q(user=user) | Q(group__user=user))
            .values_list("content_type__app_label", "codename")
        )
        # Every permission of the treasury app counts too (new ones are powers by nature).
        holds = any(app == "treasury" or f"{app}.{codename}" in powers for app, codename in held)
        if not holds and user.pk is not None:
            # The power follows the membership too: a treasurer, organiser or fund manager of any community
            # (communities.CommunityMembership, read through the user's relation: accounts sits below it).
            holds = user.community_memberships.filter(role__in=TWO_FACTOR_MEMBERSHIP_ROLES).exists()
    user._holds_power = holds
    return holds


def two_factor_required(user: Any) -> bool:
    """True for an authenticated user holding a power that needs two-factor authentication."""
    if user is None or not user.is_authenticated:
        return False
    return user_holds_power(user)


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
