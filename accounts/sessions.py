"""Sessions that hold money powers: an idle timeout, and a fresh second factor for the riskiest acts.

- Idle timeout: a session of anyone holding a treasury, organiser or fund-management power (see
  accounts/twofactor.py) ends after POWER_SESSION_IDLE_MINUTES without a request; the next request
  is logged out (pages go to the login page). Savers' sessions are unaffected.
- Step-up: approving a payout list, downloading a payment file and changing a fund's rules need a
  TOTP code entered within STEP_UP_SECONDS. The code page (web:two-factor-verify) records when a
  code was last entered; a verified login counts too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from operations.errors import DomainError

SEEN_KEY = "lk_power_seen_at"
STEP_UP_KEY = "lk_step_up_at"
# The idle stamp is rewritten at most this often (seconds): not a session write per request.
SEEN_RESOLUTION = 30


class StepUpRequired(DomainError):
    code = "step_up_required"
    status = 403
    default_message = _("Enter a fresh two-factor code on the website first (web page: /account/two-factor/verify/).")


def step_up_record(request: HttpRequest) -> None:
    """Note that the session's user has just entered a valid second-factor code."""
    request.session[STEP_UP_KEY] = time.time()


def step_up_fresh(request: Any) -> bool:
    """True when a second-factor code was entered within STEP_UP_SECONDS in this session."""
    session = getattr(request, "session", None)
    if session is None:
        return False
    entered = session.get(STEP_UP_KEY)
    return isinstance(entered, (int, float)) and time.time() - entered <= settings.STEP_UP_SECONDS


def step_up_require(request: Any) -> None:
    """Raise StepUpRequired unless the session has a fresh second factor (API views)."""
    if not step_up_fresh(request):
        raise StepUpRequired()


def step_up_redirect(request: HttpRequest, back_to: str) -> HttpResponse:
    """Send the user to the code page, then back to `back_to` (pages)."""
    from django.contrib import messages

    messages.info(request, _("Enter a fresh code from your authenticator app to continue."))
    return HttpResponseRedirect(reverse("web:two-factor-verify") + "?" + urlencode({"next": back_to}))


class PowerSessionIdleMiddleware:
    """Log out a power holder's session after POWER_SESSION_IDLE_MINUTES without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from accounts.twofactor import two_factor_required

        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if session is not None and user is not None and two_factor_required(user):
            now = time.time()
            seen = session.get(SEEN_KEY)
            if isinstance(seen, (int, float)) and now - seen > settings.POWER_SESSION_IDLE_MINUTES * 60:
                logout(request)
                if not request.path.startswith("/api/"):
                    return HttpResponseRedirect(
                        reverse(settings.LOGIN_URL) + "?" + urlencode({"next": request.get_full_path()})
                    )
            elif not isinstance(seen, (int, float)) or now - seen > SEEN_RESOLUTION:
                session[SEEN_KEY] = now
        return self.get_response(request)
