"""Pages for two-factor authentication: set up an authenticator app, then enter its codes.

Treasurers and organisers are sent here by accounts.middleware.TwoFactorMiddleware until
their session is verified; anyone logged in may set up a device.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login

from accounts.services import totp_device_confirm, totp_device_start, totp_verify
from accounts.sessions import step_up_record
from accounts.twofactor import (
    totp_device_pending,
    totp_qr_svg,
    totp_secret_base32,
    two_factor_has_device,
    two_factor_verified,
)
from web.http import AuthenticatedHttpRequest


class TotpCodeForm(forms.Form):
    code = forms.RegexField(
        label=gettext_lazy("Code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": gettext_lazy("Enter the 6 digits the app shows.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("web:home")


@never_cache
@login_required
def two_factor_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show a QR code and key for a new TOTP device; confirm it with a first code."""
    if two_factor_has_device(request.user) and not two_factor_verified(request.user):
        # Replacing a device needs the current one: a stolen password must not enrol a new phone.
        return HttpResponseRedirect(reverse("web:two-factor-verify") + "?next=" + reverse("web:two-factor-setup"))
    device = totp_device_pending(user=request.user)
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        if totp_device_confirm(device=device, token=form.cleaned_data["code"]):
            device.refresh_from_db()
            otp_login(request, device)
            step_up_record(request)
            messages.success(request, _("Two-factor authentication is on."))
            return HttpResponseRedirect(_next_url(request))
        form.add_error("code", _("That code did not match. Check the clock on your phone and try again."))
    if device is None:
        device = totp_device_start(user=request.user)
    return render(
        request,
        "web/twofactor_setup.html",
        {
            "form": form,
            "qr_svg": totp_qr_svg(device),
            "secret": totp_secret_base32(device),
            "next": _next_url(request),
        },
    )


@never_cache
@login_required
def two_factor_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask for a code from the user's confirmed device and mark the session verified."""
    if not two_factor_has_device(request.user):
        return HttpResponseRedirect(reverse("web:two-factor-setup"))
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = totp_verify(user=request.user, code=form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            step_up_record(request)
            return HttpResponseRedirect(_next_url(request))
        form.add_error("code", _("That code did not match. Wait for the next one and try again."))
    return render(request, "web/twofactor_verify.html", {"form": form, "next": _next_url(request)})
