"""The saver's pages: projects and pools, pledging, receipts, my pledges, fair-card confirmation,
sign-up and email confirmation, reminder preferences, data download and erasure."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.hashers import make_password
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.mail import account_mail_queue
from accounts.models import User
from accounts.selectors import reminder_preferences_get, user_with_email
from accounts.services import (
    reminder_preference_set,
    user_create,
    user_email_change_request,
    user_password_change,
    user_profile_update,
)
from invest.models import Project
from invest.selectors import project_list_public
from operations.csv_files import CONTENT_TYPE as CSV_CONTENT_TYPE
from operations.csv_files import csv_lines
from operations.errors import DomainError
from people.email import user_confirm_email, user_email_change_confirm
from people.erasure import user_erase
from people.export import user_data_export, user_data_export_csv_rows
from people.refund_account import refund_account_change
from pools.models import NON_MONEY_KINDS, POOL_PLEDGE_KINDS, PledgeKind, PledgeStatus
from pools.selectors import (
    pledge_allocations_for_saver,
    pledge_due,
    pledge_get_by_token,
    pledge_get_for_saver,
    pledge_is_changeable,
    pledge_list_for_saver_with_received,
    pool_get_public,
    pool_list_public,
)
from pools.services import (
    pledge_change,
    pledge_claim_by_email,
    pledge_confirm,
    pledge_create,
    pledge_decline,
    pledge_interest_claim,
    pledge_krona_months,
    pledge_received_ore,
    pledge_withdraw,
)
from web.fragments import CSRF_SLOTS, page_with_csrf
from web.http import AuthenticatedHttpRequest
from web.offers.views import my_pledges_context, pledge_risk_consent, pool_gate, pool_offer_context
from web.savers.forms import (
    SAVING_MONTHLY,
    EmailChangeForm,
    ErasureForm,
    PledgeChangeForm,
    PledgeForm,
    PointsEstimateForm,
    ProfileForm,
    RefundAccountForm,
    ReminderPreferencesForm,
    SignupForm,
)
from web.templatetags.cards import POOL_PAGE_FOR_VISITORS, pool_page_visitor_values


def _add_domain_error(form: Any, error: DomainError, arguments: dict[str, Any] | None = None) -> None:
    """Put a service's refusal next to the input it concerns (or on top of the form)."""
    field = error.field
    if field == "amount" and arguments is not None:
        # A limit on the whole pledge: show it at the amount input this pledge used.
        if "monthly_ore" in arguments:
            field = "monthly_amount"
        elif "share_count" in arguments:
            field = "share_count"
    form.add_error(field if field in form.fields else None, str(error.message))


# ---------------------------------------------------------------- public pages


def _pool_rows(pools: Any) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [{"pool": pool, "days_left": pool.days_left(today)} for pool in pools]


@require_GET
def project_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One published project and its public pools."""
    if len(slug) > 80:
        raise Http404
    try:
        project = project_list_public().get(slug=slug)
    except Project.DoesNotExist as exc:
        raise Http404 from exc
    pools = pool_list_public().filter(project=project).order_by("closes_on", "pk")
    return render(request, "savers/project_detail.html", {"project": project, "pool_rows": _pool_rows(pools)})


@require_GET
def pool_detail(request: HttpRequest, pool_id: int) -> HttpResponse:
    """One pool with its progress and, when it is open, the pledge form."""
    pool = pool_get_public(pool_id=pool_id)
    # The pledge form is shown to signed-in savers only (visitors get the log-in links instead).
    form = PledgeForm(pool=pool) if request.user.is_authenticated else None
    return pool_gate(request, pool) or _render_pool(request, pool, form)


def _render_pool(request: HttpRequest, pool: Any, form: PledgeForm | None, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    kinds = [str(k) for k in POOL_PLEDGE_KINDS.get(pool.kind, ())]
    context = {
        "pool": pool,
        "totals": getattr(pool, "totals", None),
        "days_left": pool.days_left(today),
        "is_open": pool.is_open and today <= pool.closes_on,
        "form": form,
        "kinds": kinds,
        "has_amount_kinds": bool(set(kinds) - {PledgeKind.SHARE, *NON_MONEY_KINDS}),
        "has_non_money_kinds": bool(set(kinds) & set(NON_MONEY_KINDS)),
        **pool_offer_context(request, pool),
    }
    if form is None and status == 200 and not request.user.is_authenticated and not len(get_messages(request)):
        # A visitor's page is the same for every visitor until a figure on it changes: kept whole, under
        # everything it shows (web/fragments.py), each visitor's own CSRF token put in on the way out.
        values = pool_page_visitor_values(request, pool, context)
        html = page_with_csrf(
            request,
            POOL_PAGE_FOR_VISITORS,
            values,
            lambda: render_to_string("savers/pool_detail.html", {**context, CSRF_SLOTS: True}, request),
        )
        return HttpResponse(html)
    return render(request, "savers/pool_detail.html", context, status=status)


@login_required
@require_POST
def pledge_create_view(request: AuthenticatedHttpRequest, pool_id: int) -> HttpResponse:
    """Validate the pledge form, create the pledge, show the receipt; errors stay on the form."""
    pool = pool_get_public(pool_id=pool_id)
    form = PledgeForm(request.POST, pool=pool)
    if form.is_valid():
        arguments = form.service_arguments()
        try:
            pledge = pledge_create(
                pool=pool, saver=request.user, risk_consent=pledge_risk_consent(request), **arguments
            )
        except DomainError as error:
            _add_domain_error(form, error, arguments)
        else:
            return redirect("web:savers:pledge-receipt", pledge_id=pledge.pk)
    return _render_pool(request, pool, form, status=400)


@require_GET
def points_estimate(request: HttpRequest, pool_id: int) -> HttpResponse:
    """htmx fragment: the savings points a support-saving pledge would give, as an estimate."""
    pool = pool_get_public(pool_id=pool_id)
    form = PointsEstimateForm(request.GET)
    points = None
    if form.is_valid():
        data = form.cleaned_data
        if data["saving_mode"] == SAVING_MONTHLY:
            months = pledge_krona_months(
                amount_ore=None, monthly_ore=data["monthly_amount"], months=data["months"], term_months=None
            )
        else:
            months = pledge_krona_months(
                amount_ore=data["amount"], monthly_ore=None, months=None, term_months=data["term_months"]
            )
        points = months * pool.points_per_krona_month if months else None
    return render(request, "savers/_points_estimate.html", {"points": points})


# ---------------------------------------------------------------- my pledges


MY_PLEDGES_SHOWN = 200  # the newest pledges My pledges lists


def _pledge_row(pledge: Any, received: int | None = None) -> dict[str, Any]:
    received_ore = pledge_received_ore(pledge) if received is None else received
    return {
        "pledge": pledge,
        "due": pledge_due(pledge=pledge, received_ore=received_ore, today=timezone.localdate()),
        "can_withdraw": pledge_is_changeable(pledge),
        "can_change": pledge_is_changeable(pledge) and pledge.is_money,
        "is_inactive": pledge.status in (PledgeStatus.WITHDRAWN, PledgeStatus.LAPSED, PledgeStatus.REFUNDED),
    }


@login_required
@require_GET
def pledge_receipt(request: AuthenticatedHttpRequest, pledge_id: int) -> HttpResponse:
    """Payment instructions for one of the saver's pledges."""
    pledge = pledge_get_for_saver(saver=request.user, pledge_id=pledge_id)
    return render(request, "savers/pledge_receipt.html", {"pledge": pledge, "pool": pledge.pool, **_pledge_row(pledge)})


@login_required
@require_GET
def my_pledges(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The saver's pledges with status, money matched, what is due and estimated points."""
    claimed = pledge_claim_by_email(user=request.user)
    if claimed:
        messages.success(
            request,
            ngettext(
                "%(count)s pledge card from a fair was added to your account.",
                "%(count)s pledge cards from a fair were added to your account.",
                claimed,
            )
            % {"count": claimed},
        )
    # One more than the page shows: when the saver has no more, the page holds every pledge (my_pledges_context
    # then picks the expressions of interest from them instead of asking again).
    pledges = list(pledge_list_for_saver_with_received(saver=request.user)[: MY_PLEDGES_SHOWN + 1])
    rows = [_pledge_row(p, p.received_ore) for p in pledges[:MY_PLEDGES_SHOWN]]
    every = pledges if len(pledges) <= MY_PLEDGES_SHOWN else None
    return render(request, "savers/my_pledges.html", {"rows": rows, **my_pledges_context(request, pledges=every)})


@login_required
@require_GET
def pledge_detail(request: AuthenticatedHttpRequest, pledge_id: int) -> HttpResponse:
    """One of the saver's pledges: payments matched, what is due, and its actions."""
    pledge = pledge_get_for_saver(saver=request.user, pledge_id=pledge_id)
    return _render_pledge_detail(request, pledge, PledgeChangeForm(pledge=pledge, language=request.LANGUAGE_CODE))


def _render_pledge_detail(
    request: AuthenticatedHttpRequest, pledge: Any, form: PledgeChangeForm, status: int = 200
) -> HttpResponse:
    context = {
        **_pledge_row(pledge),
        "allocations": pledge_allocations_for_saver(saver=request.user, pledge=pledge),
        "change_form": form,
    }
    return render(request, "savers/pledge_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def pledge_withdraw_view(request: AuthenticatedHttpRequest, pledge_id: int) -> HttpResponse:
    """GET asks the saver to confirm on a page of its own (no one-tap withdrawal); POST withdraws."""
    pledge = pledge_get_for_saver(saver=request.user, pledge_id=pledge_id)
    if request.method == "GET":
        row = _pledge_row(pledge)
        if not row["can_withdraw"]:
            return redirect("web:savers:pledge-detail", pledge_id=pledge.pk)
        return render(request, "savers/pledge_withdraw_confirm.html", row)
    try:
        pledge_withdraw(pledge=pledge, by=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Your pledge was withdrawn."))
    return redirect("web:savers:pledge-detail", pledge_id=pledge.pk)


@login_required
@require_POST
def pledge_change_view(request: AuthenticatedHttpRequest, pledge_id: int) -> HttpResponse:
    pledge = pledge_get_for_saver(saver=request.user, pledge_id=pledge_id)
    form = PledgeChangeForm(request.POST, pledge=pledge, language=request.LANGUAGE_CODE)
    if form.is_valid():
        arguments = form.service_arguments()
        try:
            pledge_change(pledge=pledge, by=request.user, **arguments)
        except DomainError as error:
            _add_change_error(form, error, arguments)
        else:
            messages.success(request, _("Your pledge was changed."))
            return redirect("web:savers:pledge-detail", pledge_id=pledge.pk)
    form.mark_first_error()
    return _render_pledge_detail(request, pledge, form, status=400)


def _add_change_error(form: PledgeChangeForm, error: DomainError, arguments: dict[str, Any]) -> None:
    """A limit on the whole pledge goes next to the input the saver changed (the first of them), not on top."""
    if error.field in form.fields or not arguments:
        _add_domain_error(form, error, arguments)
        return
    names = {argument: name for name, argument in PledgeChangeForm.CURRENT.items()}
    changed = [names[argument] for argument in arguments if names.get(argument) in form.fields]
    form.add_error(changed[0] if changed else None, str(error.message))


# ---------------------------------------------------------------- fair cards


@require_http_methods(["GET", "POST"])
def fair_pledge_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """A fair pledge card behind its link: see it, then confirm or decline it."""
    pledge = pledge_get_by_token(token=token)
    user = request.user if request.user.is_authenticated else None
    if user is not None and pledge.saver_id not in (None, user.pk):
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm":
                pledge = pledge_confirm(token=token, by=user)
                messages.success(request, _("Thank you: your pledge is confirmed."))
            elif action == "decline":
                pledge = pledge_decline(token=token, by=user)
                messages.success(request, _("Your pledge was declined; nothing more will be asked of you."))
            else:
                messages.error(request, _("Choose confirm or decline."))
        except DomainError as error:
            messages.error(request, str(error.message))
        return redirect("web:savers:fair-pledge", token=token)
    if pledge.status == PledgeStatus.INTEREST:
        # A card to a regulated offer is confirmed only online, through the regulated steps, by its saver.
        if user is None:
            return redirect_to_login(request.get_full_path())
        try:
            pledge = pledge_interest_claim(token=token, by=user)
        except DomainError as error:
            messages.error(request, str(error.message))
            return redirect("web:savers:my-pledges")
        return redirect("web:offers:pledge-confirm-interest", pledge_id=pledge.pk)
    return render(
        request,
        "savers/fair_pledge.html",
        {
            "pledge": pledge,
            "pool": pledge.pool,
            "is_open": pledge.status == PledgeStatus.PLEDGED,
            "due": pledge_due(pledge=pledge, received_ore=pledge_received_ore(pledge), today=timezone.localdate()),
        },
    )


# ---------------------------------------------------------------- accounts


def _send_confirmation(request: HttpRequest, user: User) -> None:
    """Queue the confirmation link (the worker mails it through the outbox)."""
    account_mail_queue(kind="confirm_email", user=user)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create a saver account and mail a confirmation link; an address that has an account gets a mail instead.

    Both cases answer the same (a redirect to the login page with the same message, nobody logged in),
    and both only queue a mail, so neither the answer nor its timing tells whether the address is taken.
    """
    if request.user.is_authenticated:
        return redirect("web:home")
    form = SignupForm(request.POST or None, initial={"language": translation.get_language() or "sv"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        existing = user_with_email(email=data["email"])
        if existing is None:
            user = user_create(
                email=data["email"], password=data["password1"], full_name=data["full_name"], language=data["language"]
            )
            _send_confirmation(request, user)
        else:
            make_password(data["password1"])  # the same hashing cost as a new account
            account_mail_queue(kind="signup_existing", user=existing)
        messages.success(
            request, _("Thank you! We sent a mail to %(email)s: follow it, then log in.") % {"email": data["email"]}
        )
        login_url = reverse("web:login")
        next_url = request.POST.get("next", "")
        if next_url.startswith("/") and not next_url.startswith("//"):
            login_url += "?" + urlencode({"next": next_url})
        return redirect(login_url)
    status = 400 if request.method == "POST" else 200
    return render(request, "savers/signup.html", {"form": form, "next": request.GET.get("next", "")}, status=status)


@require_GET
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm an email address from the mailed link; fair cards given with it join the account."""
    user = user_confirm_email(token=token)
    if user is None:
        return render(request, "savers/confirm_email_failed.html", status=400)
    messages.success(request, _("Your email address is confirmed."))
    return redirect("web:savers:my-pledges" if request.user.is_authenticated else "web:login")


@login_required
@require_POST
def confirm_email_resend(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.email_confirmed_at is None:
        _send_confirmation(request, request.user)
        messages.success(request, _("We sent you a new confirmation link."))
    return redirect("web:savers:preferences")


def _refund_account_form(user: Any) -> RefundAccountForm:
    return RefundAccountForm(initial={"refund_iban": user.refund_iban_display})


def _password_form(user: Any, data: Any = None) -> PasswordChangeForm:
    form = PasswordChangeForm(user, data)
    # Django focuses the current-password input; on a page of several forms that would jump past the others.
    form.fields["old_password"].widget.attrs.pop("autofocus", None)
    return form


def _settings_page(request: AuthenticatedHttpRequest, status: int = 200, **forms: Any) -> HttpResponse:
    """The settings page with each of its forms, fresh unless a bound one (with its errors) is given."""
    user = request.user
    context = {
        "form": forms.get("form") or ReminderPreferencesForm(current=reminder_preferences_get(user=user)),
        "refund_form": forms.get("refund_form") or _refund_account_form(user),
        "profile_form": forms.get("profile_form")
        or ProfileForm(initial={"full_name": user.full_name, "language": user.language}),
        "email_form": forms.get("email_form") or EmailChangeForm(),
        "password_form": forms.get("password_form") or _password_form(user),
    }
    return render(request, "savers/preferences.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Settings: name and language, email, password, reminder preferences, the refund account (each
    change its own form and address)."""
    current = reminder_preferences_get(user=request.user)
    form = ReminderPreferencesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        for kind, is_enabled in form.cleaned_data.items():
            if current.get(kind) != is_enabled:
                reminder_preference_set(user=request.user, kind=kind, is_enabled=is_enabled)
        messages.success(request, _("Your reminder preferences were saved."))
        return redirect("web:savers:preferences")
    return _settings_page(request, form=form)


@login_required
@require_POST
def profile_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Change the name and the language (pages switch to it at once; mails follow it)."""
    profile_form = ProfileForm(request.POST)
    if not profile_form.is_valid():
        return _settings_page(request, status=400, profile_form=profile_form)
    language = profile_form.cleaned_data["language"]
    user_profile_update(user=request.user, full_name=profile_form.cleaned_data["full_name"], language=language)
    translation.activate(language)
    messages.success(request, _("Your name and language were saved."))
    response = redirect("web:savers:preferences")
    response.set_cookie("django_language", language, samesite="Lax", max_age=365 * 24 * 3600)
    return response


@login_required
@require_POST
def email_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask for a new email address: a link goes to it, a notice to the current one; nothing changes before."""
    email_form = EmailChangeForm(request.POST)
    if email_form.is_valid():
        try:
            user_email_change_request(
                user=request.user,
                new_email=email_form.cleaned_data["email"],
                password=email_form.cleaned_data["password"],
            )
        except DomainError as error:
            _add_domain_error(email_form, error)
        else:
            messages.success(
                request,
                _("We sent a link to %(email)s. Your address changes when you open it.")
                % {"email": email_form.cleaned_data["email"]},
            )
            return redirect("web:savers:preferences")
    return _settings_page(request, status=400, email_form=email_form)


@require_GET
def email_change_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The mailed link: move the account to the new address."""
    user = user_email_change_confirm(token=token)
    if user is None:
        return render(request, "savers/confirm_email_failed.html", status=400)
    messages.success(request, _("Your new email address is saved. Log in with it from now on."))
    return redirect("web:savers:preferences" if request.user.is_authenticated else "web:login")


@login_required
@require_POST
def password_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Change the password with the current one; this session stays logged in, other sessions end."""
    password_form = _password_form(request.user, request.POST)
    if password_form.is_valid():
        try:
            user = user_password_change(
                user=request.user,
                old_password=password_form.cleaned_data["old_password"],
                new_password=password_form.cleaned_data["new_password1"],
            )
        except DomainError as error:
            _add_domain_error(password_form, error)
        except ValidationError as error:
            password_form.add_error("new_password1", error)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password was changed."))
            return redirect("web:savers:preferences")
    return _settings_page(request, status=400, password_form=password_form)


@login_required
@require_POST
def refund_account(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Set or remove the saver's refund account (a Swedish IBAN); errors are shown on the settings page."""
    refund_form = RefundAccountForm(request.POST)
    if refund_form.is_valid():
        try:
            refund_account_change(
                user=request.user,
                iban=refund_form.cleaned_data["refund_iban"],
                password=refund_form.cleaned_data["password"],
            )
        except DomainError as exc:
            _add_domain_error(refund_form, exc)
        else:
            if request.user.refund_iban:
                messages.success(request, _("Your refund account was saved."))
            else:
                messages.success(request, _("Your refund account was removed."))
            return redirect("web:savers:preferences")
    return _settings_page(request, status=400, refund_form=refund_form)


@login_required
@require_GET
def my_data(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Download links and the way to erasure."""
    return render(request, "savers/my_data.html", {"erasure_form": ErasureForm(user=request.user)})


@login_required
@require_GET
def my_data_json(request: AuthenticatedHttpRequest) -> HttpResponse:
    body = json.dumps(user_data_export(user=request.user), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lokalkapital-my-data.json"'
    return response


@login_required
@require_GET
def my_data_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The personal-data export as CSV: the site's separator and byte order mark (operations/csv_files.py); the
    values are the JSON export's, verbatim, so both files say the same."""
    rows = user_data_export_csv_rows(user=request.user)
    response = HttpResponse("".join(csv_lines(rows[0], rows[1:])), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="lokalkapital-my-data.csv"'
    return response


@login_required
@require_POST
def erase(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Erase the saver's personal data after a password check, then log out."""
    form = ErasureForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(request, "savers/my_data.html", {"erasure_form": form}, status=400)
    user_erase(user=request.user, reason=form.cleaned_data["reason"] or "requested by the person")
    logout(request)
    messages.success(request, _("Your personal data was erased. Bookkeeping records are kept anonymised."))
    return redirect("web:home")
