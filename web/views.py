"""Pages: the home page, log in and out, the language switch."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import activate
from django.views.decorators.http import require_POST
from django.views.generic import RedirectView

from accounts.models import Language
from accounts.services import user_set_language
from invest.fairs.selectors import pitch_list_for_owner
from invest.pledgers import owner_pool_list
from invest.selectors import project_list_for_owner, project_list_public
from pools.selectors import pool_list_open
from pools.services import pledge_claim_by_email
from web.forms import EmailAuthenticationForm
from web.http import AuthenticatedHttpRequest


def home(request: HttpRequest) -> HttpResponse:
    """Published projects and the pools open now."""
    today = timezone.localdate()
    pools = list(pool_list_open().order_by("closes_on", "pk")[:50])
    return render(
        request,
        "web/home.html",
        {
            "projects": project_list_public().order_by("name")[:50],
            "pools": pools,
            "pool_rows": [{"pool": pool, "days_left": pool.days_left(today)} for pool in pools],
            "today": today,
        },
    )


@login_required
def my_projects(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A project owner's own projects and their fair pitches, with the way to their loans and guarantees."""
    return render(
        request,
        "web/my_projects.html",
        {
            "projects": project_list_for_owner(owner=request.user).order_by("name"),
            "pitches": pitch_list_for_owner(user=request.user),
            "pools": owner_pool_list(user=request.user),
        },
    )


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        # Fair cards given with this (confirmed) email join the account at log-in.
        pledge_claim_by_email(user=form.get_user())
        return response


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch sv/en; for a logged-in user the choice sticks to the account."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in Language.values:
        activate(language)
        if request.user.is_authenticated:
            user_set_language(user=request.user, language=language)
        response.set_cookie("django_language", language, samesite="Lax", max_age=365 * 24 * 3600)
    return response


class FaviconRedirectView(RedirectView):
    """/favicon.ico answers with the icon's static address, looked up per request: at import time the
    production manifest (collectstatic's) may not exist yet, and the address carries its hash."""

    permanent = True

    def get_redirect_url(self, *args: Any, **kwargs: Any) -> str:
        return static("web/favicon.svg")
