"""How django-axes names and answers a locked-out login (settings AXES_*_CALLABLE)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The email an attempt was for, normalised like the login backend does (case-insensitive)."""
    credentials = credentials or {}
    value = credentials.get("username") or credentials.get("email")
    if value is None:
        value = request.POST.get("username") or request.POST.get("email") or ""
    return str(value).strip().lower()[:254]


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """429 with Retry-After: JSON for the API, the lockout page for the login form."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _("Too many failed logins. Try again in %(minutes)d minutes.") % {"minutes": minutes}
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": message, "code": "locked_out"}, status=settings.AXES_HTTP_RESPONSE_CODE
        )
    else:
        response = render(
            request,
            "registration/locked_out.html",
            {"message": message},
            status=settings.AXES_HTTP_RESPONSE_CODE,
        )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
