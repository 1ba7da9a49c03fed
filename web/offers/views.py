"""Pages of regulated offers: the key information sheet (read, print, write, approve), the knowledge test and
loss simulation, revoking a pledge in its reflection period, yearly statements, the lenders' CSV and the
lender payments (interest, repayments, dividends) a project or fund records.

The saver's pool page calls pool_gate and pool_offer_context (web/savers/views.py) so the sheet is shown before
the pledge form of a regulated pool; pools without regulated offers are untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from operations.csv_files import csv_lines, csv_response, kronor_cell, text_cell
from operations.errors import DomainError
from pools.models import KeyInfoSheet, Pledge, PledgeKind, PledgeStatus, Pool
from pools.offers.selectors import (
    assessment_valid,
    consent_limit_ore,
    interests_among,
    lender_payment_list,
    lender_payment_pledges,
    loss_reference_ore,
    pool_get_for_lender_payments,
    pool_get_for_offer_writer,
    pool_is_regulated,
    pool_offer_get,
    regulated_pledges_revocable,
    regulated_record_for_pledge,
    revocable_possible_among,
    saver_interests,
    sheet_current,
    sheet_get_for_approval,
    sheet_list,
    statement_get_for_saver,
    statement_list_for_saver,
    user_may_record_lender_payments,
    user_may_write_sheet,
)
from pools.offers.services import (
    assessment_record,
    lender_payment_record,
    pledge_interest_confirm,
    pledge_revoke,
    pool_offer_set,
    sheet_approve,
    sheet_read_record,
    sheet_write,
)
from pools.offers.sheet_pdf import sheet_pdf_bytes, sheet_sections
from pools.offers.warning import WARNING_TEXT
from pools.selectors import pledge_get_for_saver, pool_get_public
from treasury.statements import lender_rows
from web.http import AuthenticatedHttpRequest
from web.offers.forms import AssessmentForm, LenderPaymentForm, OfferForm, SheetForm


def _session_key(sheet: KeyInfoSheet) -> str:
    return f"offers.sheet_read.{sheet.pk}"


def _sheet_sections(sheet: KeyInfoSheet, language: str) -> list[tuple[str, str]]:
    return sheet_sections(sheet.content, language)


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


# ---------------------------------------------------------------- hooks of the saver's pool page


def pool_gate(request: HttpRequest, pool: Pool) -> HttpResponse | None:
    """Before the pledge form of a regulated pool: its key information sheet, once per version and session."""
    if not pool.is_open or not pool_is_regulated(pool=pool):
        return None
    sheet = sheet_current(pool=pool)
    if sheet is None or request.session.get(_session_key(sheet)):
        return None
    return redirect("web:offers:sheet", pool_id=pool.pk)


def pool_offer_context(request: HttpRequest, pool: Pool) -> dict[str, Any]:
    """What the pool page shows of a regulated offer: the sheet, the saver's assessment and consent limit."""
    user = request.user
    may_manage = user.is_authenticated and user_may_write_sheet(user=user, pool=pool)
    # Treasurers see no offer page: the pool page is where they find its lender payments.
    may_record_lender_payments = (
        user.is_authenticated
        and user_may_record_lender_payments(user=user, pool=pool)
        and pool_offer_get(pool=pool) is not None
    )
    if not pool_is_regulated(pool=pool):
        return {
            "offer": None,
            "offer_may_manage": may_manage,
            "offer_may_record_lender_payments": may_record_lender_payments,
        }
    assessment = assessment_valid(saver=user) if user.is_authenticated else None
    return {
        "offer": pool_offer_get(pool=pool),
        "offer_sheet": sheet_current(pool=pool),
        "offer_assessment": assessment,
        "offer_limit_ore": consent_limit_ore(net_worth_ore=assessment.net_worth_ore) if assessment else None,
        "offer_may_manage": may_manage,
        "offer_may_record_lender_payments": may_record_lender_payments,
    }


def pledge_risk_consent(request: HttpRequest) -> bool:
    """The pledge form's risk-consent box (offers/_pledge_consent.html), for pledge_create."""
    return request.POST.get("risk_consent") == "on"


def my_pledges_context(request: AuthenticatedHttpRequest, *, pledges: Sequence[Pledge] | None = None) -> dict[str, Any]:
    """What My pledges shows of regulated offers: expressions of interest to confirm, pledges still revocable and the
    yearly statements. `pledges`, when the page read every one of the saver's pledges: the interests are picked from
    them and the revocable ones are looked up only if one could be (two queries fewer on most visits)."""
    saver = request.user
    if pledges is None:
        interests = list(saver_interests(saver=saver))
        revocable = list(regulated_pledges_revocable(saver=saver))
    else:
        interests = interests_among(pledges=pledges)
        possible = revocable_possible_among(pledges=pledges)
        revocable = list(regulated_pledges_revocable(saver=saver)) if possible else []
    return {
        "interests": interests,
        "revocable": revocable,
        "statements": list(statement_list_for_saver(saver=saver)),
    }


# ---------------------------------------------------------------- the sheet, for savers


@require_http_methods(["GET", "POST"])
def sheet_view(request: HttpRequest, pool_id: int) -> HttpResponse:
    """A regulated pool's key information sheet with the fixed warning; reading it leads on to the pledge."""
    pool = pool_get_public(pool_id=pool_id)
    sheet = sheet_current(pool=pool)
    if sheet is None:
        raise Http404
    pool_url = reverse("web:savers:pool-detail", args=[pool.pk])
    if request.method == "POST":
        request.session[_session_key(sheet)] = True
        if request.user.is_authenticated:
            sheet_read_record(sheet=sheet, saver=request.user)
            if assessment_valid(saver=request.user) is None:
                return redirect(f"{reverse('web:offers:assessment')}?next={pool_url}%23pledge")
        return redirect(f"{pool_url}#pledge")
    context = {
        "pool": pool,
        "sheet": sheet,
        "sections": _sheet_sections(sheet, translation.get_language() or "sv"),
        "warning": WARNING_TEXT,
    }
    return render(request, "offers/sheet.html", context)


@require_GET
def sheet_pdf(request: HttpRequest, pool_id: int) -> HttpResponse:
    """The approved sheet as a PDF in the reader's language (at most six pages, checked when written)."""
    pool = pool_get_public(pool_id=pool_id)
    sheet = sheet_current(pool=pool)
    if sheet is None:
        raise Http404
    pdf = sheet_pdf_bytes(
        pool=pool,
        content=sheet.content,
        version=sheet.version,
        approved_on=timezone.localtime(sheet.approved_at).date().isoformat() if sheet.approved_at else "",
        language=translation.get_language() or "sv",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pool.slug}-sheet-v{sheet.version}.pdf"'
    return response


# ---------------------------------------------------------------- the knowledge test and loss simulation


@login_required
@require_http_methods(["GET", "POST"])
def assessment_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The entry knowledge test and loss simulation (repeated every two years)."""
    next_url = _safe_next(request, reverse("web:savers:my-pledges"))
    form = AssessmentForm(request.POST or None)
    simulation = None
    failed = False
    status = 200
    if request.method == "POST" and form.is_valid():
        net_worth = form.net_worth_ore()
        simulation = {"net_worth_ore": net_worth, "reference_ore": loss_reference_ore(net_worth_ore=net_worth)}
        try:
            assessment_record(
                saver=request.user,
                answers=form.answers(),
                net_worth_ore=net_worth,
                loss_acknowledged=form.cleaned_data["loss_acknowledged"],
                warning_acknowledged=form.cleaned_data["warning_acknowledged"],
            )
        except DomainError as error:
            failed = error.field == "warning_acknowledged"
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
            status = 400
        else:
            messages.success(request, _("Thank you. Your answers are recorded for two years."))
            return redirect(next_url)
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "next": next_url,
        "simulation": simulation,
        "failed": failed,
        "limit_eur_ore": consent_limit_ore(net_worth_ore=0),
        "current": assessment_valid(saver=request.user),
    }
    return render(request, "offers/assessment.html", context, status=status)


# ---------------------------------------------------------------- revoking and statements, for savers


@login_required
@require_POST
def pledge_revoke_view(request: AuthenticatedHttpRequest, pledge_id: int) -> HttpResponse:
    """Revoke a regulated pledge within its reflection period."""
    pledge = pledge_get_for_saver(saver=request.user, pledge_id=pledge_id)
    try:
        pledge_revoke(pledge=pledge, by=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Your pledge was revoked. Money already paid goes back to you."))
    return redirect("web:savers:my-pledges")


@login_required
@require_GET
def statement_pdf_view(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    """One of the saver's kept yearly statements as a PDF."""
    statement = statement_get_for_saver(saver=request.user, year=year)
    if statement is None:
        raise Http404
    response = HttpResponse(bytes(statement.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="lokalkapital-{year}.pdf"'
    return response


# ---------------------------------------------------------------- owners and organisers


def _writer_pool(request: AuthenticatedHttpRequest, pool_id: int) -> Pool:
    pool = pool_get_for_offer_writer(user=request.user, pool_id=pool_id)
    if pool is None:
        raise Http404
    return pool


@login_required
@require_http_methods(["GET", "POST"])
def offer_manage(request: AuthenticatedHttpRequest, pool_id: int) -> HttpResponse:
    """A pool's offer terms (organisers) and its key information sheet (owner and organisers)."""
    pool = _writer_pool(request, pool_id)
    offer = pool_offer_get(pool=pool)
    is_organiser = request.user.has_perm("pools.manage_pools")
    versions = list(sheet_list(pool=pool))
    latest = versions[0] if versions else None
    initial_sheet = (
        {f"{lang}__{name}": text for lang, sections in latest.content.items() for name, text in sections.items()}
        if latest
        else None
    )
    offer_form = OfferForm(
        initial={
            "instrument": offer.instrument if offer else "",
            "regulated": {None: "", True: "yes", False: "no"}[offer.regulated] if offer else "",
            "interest_percent": (offer.interest_rate_bp or 0) / 100 if offer and offer.interest_rate_bp else None,
        }
    )
    sheet_form = SheetForm(initial=initial_sheet)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "offer" and is_organiser:
                offer_form = OfferForm(request.POST)
                if offer_form.is_valid():
                    pool_offer_set(pool=pool, by=request.user, **offer_form.service_arguments())
                    messages.success(request, _("The offer's terms were saved."))
                    return redirect("web:offers:manage", pool_id=pool.pk)
            elif action == "sheet":
                sheet_form = SheetForm(request.POST)
                if sheet_form.is_valid():
                    sheet_write(pool=pool, by=request.user, content=sheet_form.content())
                    messages.success(request, _("The sheet was saved as a draft; an organiser approves it."))
                    return redirect("web:offers:manage", pool_id=pool.pk)
        except DomainError as error:
            messages.error(request, str(error.message))
        status = 400
    context = {
        "pool": pool,
        "offer": offer,
        "is_regulated": pool_is_regulated(pool=pool),
        "is_organiser": is_organiser,
        "offer_form": offer_form,
        "sheet_form": sheet_form,
        "versions": versions,
        "may_record_lender_payments": user_may_record_lender_payments(user=request.user, pool=pool),
        "years": list(range(timezone.localdate().year - 1, timezone.localdate().year - 6, -1)),
    }
    return render(request, "offers/manage.html", context, status=status)


@login_required
@require_POST
def sheet_approve_view(request: AuthenticatedHttpRequest, sheet_id: int) -> HttpResponse:
    """An organiser approves a sheet version (a second organiser too when the first is the pool's owner)."""
    sheet = sheet_get_for_approval(user=request.user, sheet_id=sheet_id)
    try:
        sheet = sheet_approve(sheet=sheet, by=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        if sheet.status == "approved":
            messages.success(request, _("The sheet is approved and shown to savers."))
        else:
            messages.success(request, _("Your approval is recorded; a second organiser must approve too."))
    return redirect("web:offers:manage", pool_id=sheet.pool_id)


@login_required
@require_GET
def lender_csv(request: AuthenticatedHttpRequest, pool_id: int, year: int) -> StreamingHttpResponse:
    """The per-lender figures of a pool for one year, as of its year end (for the owner's accountant), in the
    site's CSV convention (operations/csv_files.py)."""
    pool = _writer_pool(request, pool_id)
    header = [
        _("Year"),
        _("Pool"),
        _("Pledge"),
        _("Lender"),
        _("Kind"),
        _("Paid to date (kr)"),
        _("Paid in the year (kr)"),
        _("Estimated interest (kr)"),
        _("Interest paid (kr)"),
        _("Repaid (kr)"),
        _("Dividends paid (kr)"),
        _("Shares"),
    ]
    rows = [
        [
            str(year_),
            text_cell(pool_title),
            str(pledge_id),
            text_cell(lender),
            text_cell(PledgeKind(kind).label),
            kronor_cell(paid),
            kronor_cell(paid_in_year),
            kronor_cell(interest),
            kronor_cell(interest_paid),
            kronor_cell(repaid),
            kronor_cell(dividends),
            str(shares),
        ]
        for (
            year_,
            pool_title,
            pledge_id,
            lender,
            kind,
            paid,
            paid_in_year,
            interest,
            interest_paid,
            repaid,
            dividends,
            shares,
        ) in lender_rows(pools=[pool], year=year)
    ]
    return csv_response(csv_lines(header, rows), filename=f"{pool.slug}-lenders-{year}.csv")


@login_required
@require_http_methods(["GET", "POST"])
def lender_payments_view(request: AuthenticatedHttpRequest, pool_id: int) -> HttpResponse:
    """A pool's recorded lender payments and the form to record one (its project's owner, its fund's
    organiser, treasurers: the API's rule); others get 404. The platform moves no money: this is a record."""
    pool = pool_get_for_lender_payments(user=request.user, pool_id=pool_id)
    if pool is None:
        raise Http404
    form = LenderPaymentForm(request.POST or None, pledges=lender_payment_pledges(pool=pool))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                lender_payment_record(pool=pool, by=request.user, **form.service_arguments())
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error.message))
            else:
                messages.success(request, _("The payment to the lender is recorded."))
                # Post/redirect/get: reloading the list never records the payment twice.
                return redirect("web:offers:lender-payments", pool_id=pool.pk)
        status = 400
    context = {
        "pool": pool,
        "form": form,
        "payments": list(lender_payment_list(pool=pool)),
        "may_manage_offer": user_may_write_sheet(user=request.user, pool=pool),
        "years": list(range(timezone.localdate().year - 1, timezone.localdate().year - 6, -1)),
    }
    return render(request, "offers/lender_payments.html", context, status=status)


# ---------------------------------------------------------------- fair cards to regulated offers


@login_required
@require_http_methods(["GET", "POST"])
def pledge_interest_confirm_view(request: AuthenticatedHttpRequest, pledge_id: int) -> HttpResponse:
    """Confirm a fair card's expression of interest in a regulated offer: the sheet with its warning, the
    knowledge test (linked when due), and consent above the limit, as for any regulated pledge."""
    pledge = pledge_get_for_saver(saver=request.user, pledge_id=pledge_id)
    if pledge.status != PledgeStatus.INTEREST:
        return redirect("web:savers:my-pledges")
    pool = pledge.pool
    here = reverse("web:offers:pledge-confirm-interest", args=[pledge.pk])
    sheet = sheet_current(pool=pool)
    assessment = assessment_valid(saver=request.user)
    limit = consent_limit_ore(net_worth_ore=assessment.net_worth_ore) if assessment else None
    status = 200
    consent_error = None
    if request.method == "POST":
        try:
            pledge_interest_confirm(pledge=pledge, by=request.user, risk_consent=pledge_risk_consent(request))
        except DomainError as error:
            if error.field == "risk_consent":
                # Beside the box, in words for people (the service's message names the API field).
                consent_error = _("Tick the box below to confirm that you may lose the whole amount.")
            else:
                messages.error(request, str(error.message))
            status = 400
        else:
            if sheet is not None:
                sheet_read_record(sheet=sheet, saver=request.user)
            record = regulated_record_for_pledge(pledge=pledge)
            if record is not None:
                messages.success(
                    request,
                    _("Your pledge is confirmed. You can revoke it without giving a reason until %(day)s.")
                    % {"day": record.reflection_ends_on.isoformat()},
                )
            else:
                messages.success(request, _("Thank you: your pledge is confirmed."))
            return redirect("web:savers:my-pledges")
    context = {
        "pledge": pledge,
        "pool": pool,
        "sheet": sheet,
        "sections": _sheet_sections(sheet, translation.get_language() or "sv") if sheet else [],
        "warning": WARNING_TEXT,
        "assessment": assessment,
        "assessment_url": f"{reverse('web:offers:assessment')}?next={here}",
        "offer": pool_offer_get(pool=pool),
        "offer_limit_ore": limit,
        "needs_consent": limit is not None and int(pledge.amount_ore or 0) > limit,
        "consent_error": consent_error,
    }
    return render(request, "offers/confirm_interest.html", context, status=status)
