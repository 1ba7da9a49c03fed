"""Log in with email (case-insensitive) and password."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User


class EmailBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        email = (kwargs.get("email") or username or "").strip().lower()
        if not email or password is None:
            return None
        try:
            user = User.objects.get(email=email)
        except User.DoesNotExist:
            User().set_password(password)  # same cost as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def address_failures(ip_address: str) -> int:
    """Failed logins from one address, over every email, within the cool-off window (axes' own rows)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    total = AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return int(total or 0)


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, skipped when no request is given (the test client's
    `login()`, shell scripts): axes can only count attempts it can tie to an address.

    On top of axes' per (email, address) lockout, one address is refused once it has failed
    LOGIN_ADDRESS_FAILURE_LIMIT times over all emails in the cool-off window: password spraying
    (one guess at each of many accounts) never reaches any one account's limit. The count is read
    from axes' database rows, so it holds when the cache is down.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        ip_address = get_client_ip_address(request)
        if ip_address and address_failures(ip_address) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            request.axes_locked_out = True  # type: ignore[attr-defined]  # read by axes' middleware: 429
            raise AxesBackendPermissionDenied("too many failed logins from this address")
        return super().authenticate(request, username=username, password=password, **kwargs)
