"""The treasurer's pages: bank files, the unmatched queue, matching, reports, payouts, audit trail.

Every page needs a treasury permission: anonymous users go to the login page, everyone else gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.sessions import step_up_fresh, step_up_redirect
from operations.errors import DomainError
from operations.replica import ReportSource, reporting_response
from pools.models import PaymentStatus, Pledge
from treasury.exports import EXPORT_MEDIA_TYPES, bar_chart_svg, report_http_response
from treasury.models import AuditEvent, BankFileStatus, PayoutKind, PayoutStatus
from treasury.report_builds import report_build_request
from treasury.reports import REPORT_KINDS, ReportPage, report_build, report_page, report_params
from treasury.selectors import (
    allocation_get_treasury,
    allocation_list_for_payment,
    audit_event_list,
    bankfile_get,
    bankfile_list,
    payment_get_treasury,
    payment_list_treasury,
    payout_batch_get,
    payout_batch_list,
    payout_candidates,
    pledge_search_for_matching,
    pledges_for_manual_match,
    report_build_get,
    report_build_list,
    treasurer_community_ids,
)
from treasury.services import (
    allocation_undo,
    bankfile_import,
    payment_match_manual,
    payout_approve,
    payout_cancel,
    payout_export,
    payout_lines_to_recent_accounts,
    payout_prepare,
)
from treasury.suggestions import payment_suggestions, payment_suggestions_many
from web.confirm import confirmation_page
from web.http import AuthenticatedHttpRequest
from web.report_tabs import REPORT_LABELS, report_tabs
from web.templatetags.money import money
from web.treasury_forms import (
    MAX_SPLIT_PARTS,
    AuditFilterForm,
    BankFileUploadForm,
    MatchForm,
    PaymentSearchForm,
    PayoutExportForm,
    PayoutPrepareForm,
    PledgeSearchForm,
    ReportForm,
    ReportPrepareForm,
)

View = Callable[..., HttpResponseBase]


def treasury_required(permission: str) -> Callable[[View], View]:
    """Anonymous: to the login page. Logged in without the permission: 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


VIEW = "pools.view_reports"
MANAGE = "pools.manage_payments"
APPROVE = "pools.approve_payouts"


@require_GET
@treasury_required(VIEW)
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What needs the treasurer: unmatched payments, lists to approve, recent files."""
    return render(
        request,
        "treasury/dashboard.html",
        {
            "unmatched_count": payment_list_treasury(status=PaymentStatus.UNMATCHED, user=request.user).count(),
            "awaiting": payout_batch_list(user=request.user).filter(status=PayoutStatus.PREPARED)[:20],
            "bank_files": bankfile_list(user=request.user)[:5],
            "report_kinds": report_tabs(),
        },
    )


# ---------------------------------------------------------------- bank files


@require_http_methods(["GET", "POST"])
@treasury_required(VIEW)
def bankfile_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = BankFileUploadForm()
    if request.method == "POST":
        if not request.user.has_perm(MANAGE):
            raise PermissionDenied
        form = BankFileUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            from django.conf import settings

            if upload.size > settings.TREASURY_MAX_UPLOAD_BYTES:
                form.add_error("file", _("The file is too large."))
            else:
                try:
                    bank_file = bankfile_import(file=upload, filename=upload.name, by=request.user)
                except DomainError as exc:
                    form.add_error("file", str(exc.message))
                else:
                    messages.success(request, _("The file was accepted."))
                    return redirect("web:treasury:bankfile-detail", pk=bank_file.pk)
    return render(
        request,
        "treasury/bankfile_list.html",
        {"form": form, "bank_files": bankfile_list(user=request.user)[:100]},
        status=400 if form.errors else 200,
    )


@require_GET
@treasury_required(VIEW)
def bankfile_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    bank_file = bankfile_get(bank_file_id=pk, user=request.user)
    lines = bank_file.lines.select_related("payment").order_by("position")
    page = Paginator(lines, 200).get_page(request.GET.get("page"))
    return render(request, "treasury/bankfile_detail.html", {"bank_file": bank_file, "page": page})


@require_GET
@treasury_required(VIEW)
def bankfile_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The progress bar alone; htmx polls it while a worker imports the file."""
    bank_file = bankfile_get(bank_file_id=pk, user=request.user)
    response = render(request, "treasury/_bankfile_progress.html", {"bank_file": bank_file})
    if bank_file.status == BankFileStatus.DONE and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # reload once to show the lines
    return response


# ---------------------------------------------------------------- payments and matching


@require_GET
@treasury_required(VIEW)
def payment_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The unmatched queue by default; search by name, amount and date."""
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = PaymentStatus.UNMATCHED
    form = PaymentSearchForm(data)
    rows = payment_list_treasury(user=request.user).none()
    if form.is_valid():
        rows = payment_list_treasury(
            status=form.cleaned_data["status"] or None,
            q=form.cleaned_data["q"],
            amount_ore=form.cleaned_data["amount"],
            received_from=form.cleaned_data["received_from"],
            received_to=form.cleaned_data["received_to"],
            user=request.user,
        )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    unmatched = [p for p in page if p.status == PaymentStatus.UNMATCHED]
    suggestions = (
        payment_suggestions_many(payments=unmatched, community_ids=treasurer_community_ids(request.user))
        if unmatched
        else {}
    )
    rows_with_suggestions = [(p, suggestions.get(p.pk, [])) for p in page]
    return render(
        request,
        "treasury/payment_list.html",
        {"form": form, "page": page, "rows": rows_with_suggestions, "can_manage": request.user.has_perm(MANAGE)},
        status=200 if form.is_valid() else 400,
    )


@require_GET
@treasury_required(VIEW)
def payment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    payment = payment_get_treasury(payment_id=pk, user=request.user)
    search = PledgeSearchForm(request.GET or None)
    found: list[Pledge] = []
    if search.is_bound and search.is_valid():
        found = pledge_search_for_matching(
            q=search.cleaned_data["q"], amount_ore=search.cleaned_data["amount"], user=request.user
        )
    chosen = next((p for p in found if str(p.pk) == request.GET.get("choose")), None)
    return _payment_page(request, payment, search=search, found=found, match_form=MatchForm(), chosen=chosen)


def _payment_page(
    request: HttpRequest,
    payment: Any,
    *,
    search: Any,
    found: list,
    match_form: MatchForm,
    status: int = 200,
    chosen: Pledge | None = None,
) -> HttpResponse:
    # "Choose" in the search results fills the first match line: that pledge, and what it still owes
    # (at most what is left of the payment).
    chosen_ore = None
    if chosen is not None:
        owed = max(int(chosen.amount_ore or 0) - int(getattr(chosen, "received_ore", 0)), 0)
        chosen_ore = min(owed, int(payment.unallocated_ore)) or None
    return render(
        request,
        "treasury/payment_detail.html",
        {
            "payment": payment,
            "allocations": allocation_list_for_payment(payment=payment, user=request.user),
            "search": search,
            "found": found,
            "match_form": match_form,
            "part_numbers": range(1, MAX_SPLIT_PARTS + 1),
            "can_manage": request.user.has_perm(MANAGE),
            "searched": search.is_bound,
            "chosen": chosen.pk if chosen is not None else None,
            "chosen_ore": chosen_ore,
            "suggestions": (
                payment_suggestions(payment=payment, community_ids=treasurer_community_ids(request.user))
                if payment.status == PaymentStatus.UNMATCHED
                else []
            ),
        },
        status=status,
    )


@require_POST
@treasury_required(MANAGE)
def payment_match(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    payment = payment_get_treasury(payment_id=pk, user=request.user)
    form = MatchForm(request.POST)
    if form.is_valid():
        wanted = form.cleaned_data["parts"]
        pledges = pledges_for_manual_match(pledge_ids=[pledge_id for pledge_id, _a in wanted], user=request.user)
        if pledges is None:
            form.add_error(None, _("No such pledge."))
        else:
            try:
                payment_match_manual(
                    payment=payment,
                    parts=[(pledges[pledge_id], amount) for pledge_id, amount in wanted],
                    by=request.user,
                    note=form.cleaned_data["note"],
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("The payment was matched."))
                if request.POST.get("back") == "queue":
                    return redirect("web:treasury:payment-list")
                return redirect("web:treasury:payment-detail", pk=payment.pk)
    return _payment_page(request, payment, search=PledgeSearchForm(), found=[], match_form=form, status=400)


@require_POST
@treasury_required(MANAGE)
def allocation_reverse_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    allocation = allocation_get_treasury(allocation_id=pk, user=request.user)
    page = confirmation_page(
        request,
        title=_("Reverse this match?"),
        question=_("The payment of %(amount)s will no longer count for pledge %(pledge)s.")
        % {"amount": money(allocation.amount_ore), "pledge": allocation.pledge_id},
        consequence=_("The payment goes back to the unmatched queue. The reversal is recorded in the audit trail."),
        confirm_label=_("Yes, reverse the match"),
        cancel_label=_("No, keep the match"),
        back_url=reverse("web:treasury:payment-detail", args=[allocation.payment_id]),
    )
    if page is not None:
        return page
    note = (request.POST.get("note") or "")[:200]
    try:
        allocation_undo(allocation=allocation, by=request.user, note=note)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The match was reversed."))
    return redirect("web:treasury:payment-detail", pk=allocation.payment_id)


# ---------------------------------------------------------------- reports


@require_GET
@treasury_required(VIEW)
def report_view(request: AuthenticatedHttpRequest, kind: str) -> HttpResponseBase:
    if kind not in REPORT_KINDS:
        raise Http404
    # Reads from the replica when one is configured and close enough behind (operations/replica.py).
    return reporting_response(lambda source: _report_view(request, kind, source))


def _report_view(request: AuthenticatedHttpRequest, kind: str, source: ReportSource) -> HttpResponseBase:
    # Always bound (every field is optional): a refusal on the first visit (the pool report with no pool
    # chosen yet) is shown as the form's error.
    form = ReportForm(request.GET)
    report = None
    page: ReportPage | None = None
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        try:
            params = report_params(
                as_of=data.get("as_of"), date_from=data.get("date_from"), date_to=data.get("date_to")
            )
            # A page shows one sorted page of rows with the totals of all; an export carries every row.
            page = None if data.get("export") else report_page(number=data.get("page"), sort=data.get("sort"))
            report = report_build(kind=kind, params=params, pool_id=data.get("pool"), page=page, user=request.user)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
            report, status = None, 400
        if report is not None and data.get("export"):
            return report_http_response(report, data["export"], language=translation.get_language() or "sv")
    else:
        status = 400
    rows = list(report.rows) if report is not None else []
    row_count = report.row_count if report is not None and report.row_count is not None else len(rows)
    paging = _paging(request, page, report.row_count if report is not None else None)
    return render(
        request,
        "treasury/report.html",
        {
            "kind": kind,
            "form": form,
            "report": report,
            "rows": rows,
            "kinds": report_tabs(),
            "chart_monthly": (
                bar_chart_svg(report.monthly, "received_ore", title=_("Money received per month")) if report else ""
            ),
            "chart_cumulative": (
                bar_chart_svg(report.monthly, "cumulative_ore", title=_("Received in all, over time")) if report else ""
            ),
            "query": _query_without(request, "export"),
            "source": source,
            # Large reports offer files prepared by a worker (heavy queue); smaller ones download directly.
            "prepare_files": report is not None and row_count > settings.TREASURY_REPORT_DIRECT_MAX_ROWS,
            "export_formats": ReportPrepareForm.FORMATS,
            "row_count": row_count,
            **paging,
        },
        status=status,
    )


@require_POST
@treasury_required(VIEW)
def report_prepare(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    """Ask a worker to prepare the report's file; asking again while it is prepared shows the same one."""
    if kind not in REPORT_KINDS:
        raise Http404
    form = ReportPrepareForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The file could not be requested: check the dates and the format."))
        return redirect("web:treasury:report-files")
    data = form.cleaned_data
    try:
        params = report_params(as_of=data.get("as_of"), date_from=data.get("date_from"), date_to=data.get("date_to"))
        build, created = report_build_request(
            by=request.user,
            kind=kind,
            params=params,
            pool_id=data.get("pool"),
            file_format=data["file_format"],
            language=translation.get_language() or "sv",
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("web:treasury:report-files")
    if created:
        messages.success(request, _("The file is being prepared. It appears below when it is ready."))
    else:
        messages.info(request, _("You already asked for this file: it is still being prepared."))
    return redirect("web:treasury:report-files")


@require_GET
@treasury_required(VIEW)
def report_files(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The report files the user asked for, newest first; refreshed while any is still being prepared."""
    builds = list(report_build_list(user=request.user)[:50])
    context = {
        "rows": [(build, REPORT_LABELS.get(build.kind, build.kind)) for build in builds],
        "is_pending": any(build.is_pending for build in builds),
        "keep_days": settings.TREASURY_REPORT_BUILD_KEEP_DAYS,
    }
    if request.GET.get("part") == "list":
        return render(request, "treasury/_report_files.html", context)
    return render(request, "treasury/report_files.html", context)


@require_GET
@treasury_required(VIEW)
def report_file_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """A prepared report file, for any treasurer of its community; 404 for anyone else or when not ready."""
    build = report_build_get(build_id=pk, user=request.user)
    if not build.is_ready:
        raise Http404
    return FileResponse(
        build.stored_file.open("rb"),
        as_attachment=True,
        filename=build.filename,
        content_type=EXPORT_MEDIA_TYPES[build.file_format],
    )


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _paging(request: HttpRequest, page: ReportPage | None, row_count: int | None) -> dict[str, Any]:
    """Links for the sortable column heads and the pager of a report page."""
    if page is None or row_count is None:
        return {"sort": "", "sort_query": "", "page_query": "", "page": None}
    last = max((row_count + page.size - 1) // page.size, 1)
    return {
        "sort": page.sort,
        "sort_query": _query_without(request, "export", "page", "sort"),
        "page_query": _query_without(request, "export", "page"),
        "page": {
            "number": page.number,
            "last": last,
            "first_row": min(page.offset + 1, row_count),
            "last_row": min(page.offset + page.size, row_count),
            "row_count": row_count,
            "previous": page.number - 1 if page.number > 1 else None,
            "next": page.number + 1 if page.number < last else None,
        },
    }


# ---------------------------------------------------------------- payouts


@require_http_methods(["GET", "POST"])
@treasury_required(VIEW)
def payout_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Candidates for refunds and payouts, a form to prepare a list, and the lists so far."""
    form = PayoutPrepareForm(initial={"kind": PayoutKind.REFUND})
    if request.method == "POST":
        if not request.user.has_perm(MANAGE):
            raise PermissionDenied
        form = PayoutPrepareForm(request.POST)
        if form.is_valid():
            keys = [k[:80] for k in request.POST.getlist("source_keys")[:1000]]
            try:
                batch = payout_prepare(
                    kind=form.cleaned_data["kind"], source_keys=keys, by=request.user, note=form.cleaned_data["note"]
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("The list was prepared; a second treasurer must approve it."))
                return redirect("web:treasury:payout-detail", pk=batch.pk)
    return render(
        request,
        "treasury/payout_list.html",
        {
            "form": form,
            "refunds": payout_candidates(kind=PayoutKind.REFUND, user=request.user),
            "payouts": payout_candidates(kind=PayoutKind.PAYOUT, user=request.user),
            "batches": payout_batch_list(user=request.user)[:100],
        },
        status=400 if form.errors else 200,
    )


@require_GET
@treasury_required(VIEW)
def payout_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = payout_batch_get(batch_id=pk, user=request.user)
    recent_lines = payout_lines_to_recent_accounts(batch=batch) if batch.status == "prepared" else []
    return render(
        request,
        "treasury/payout_detail.html",
        {
            "batch": batch,
            "recent_lines": recent_lines,
            "recent_line_ids": {line.pk for line in recent_lines},
            "lines": batch.lines.order_by("pk"),
            "export_form": PayoutExportForm(),
            "can_approve": request.user.has_perm(APPROVE) and batch.prepared_by_id != request.user.pk,
        },
    )


@require_POST
@treasury_required(APPROVE)
def payout_approve_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if not step_up_fresh(request):
        return step_up_redirect(request, reverse("web:treasury:payout-detail", args=[pk]))
    try:
        payout_approve(
            batch=payout_batch_get(batch_id=pk, user=request.user),
            by=request.user,
            confirm_recent_accounts=request.POST.get("confirm_recent_accounts") == "1",
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("web:treasury:payout-detail", pk=pk) if exc.status != 403 else _forbidden(exc)
    messages.success(request, _("Approved."))
    return redirect("web:treasury:payout-detail", pk=pk)


def _forbidden(exc: DomainError) -> HttpResponse:
    raise PermissionDenied(str(exc.message))


@require_POST
@treasury_required(MANAGE)
def payout_cancel_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = payout_batch_get(batch_id=pk, user=request.user)
    page = confirmation_page(
        request,
        title=_("Cancel this payout list?"),
        question=_("Payout list %(number)s will be cancelled and none of its lines paid from it.")
        % {"number": batch.pk},
        consequence=_("The refunds and payouts on it can be put on a new list."),
        confirm_label=_("Yes, cancel the list"),
        cancel_label=_("No, keep the list"),
        back_url=reverse("web:treasury:payout-detail", args=[pk]),
    )
    if page is not None:
        return page
    try:
        payout_cancel(batch=batch, by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The list was cancelled."))
    return redirect("web:treasury:payout-detail", pk=pk)


@require_POST
@treasury_required(MANAGE)
def payout_export_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if not step_up_fresh(request):
        return step_up_redirect(request, reverse("web:treasury:payout-detail", args=[pk]))
    batch = payout_batch_get(batch_id=pk, user=request.user)
    form = PayoutExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose CSV or pain.001."))
        return redirect("web:treasury:payout-detail", pk=pk)
    confirm_repeat = False
    if batch.status == PayoutStatus.EXPORTED:
        # A second file in any format pays everyone again if it reaches the bank too: ask first.
        page = confirmation_page(
            request,
            title=_("Download the payment file again?"),
            question=_("Payout list %(number)s was already exported on %(date)s (%(format)s).")
            % {
                "number": batch.pk,
                "date": timezone.localtime(batch.exported_at).strftime("%Y-%m-%d %H:%M") if batch.exported_at else "",
                "format": batch.export_format,
            },
            consequence=_(
                "If the first file already reached the bank, sending this one too pays everyone on the list twice. "
                "Download it again only if the first file was never sent."
            ),
            confirm_label=_("Yes, download it again"),
            cancel_label=_("No, go back"),
            back_url=reverse("web:treasury:payout-detail", args=[pk]),
        )
        if page is not None:
            return page
        confirm_repeat = True
    try:
        content, content_type, filename = payout_export(
            batch=batch,
            by=request.user,
            file_format=form.cleaned_data["file_format"],
            confirm_repeat=confirm_repeat,
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("web:treasury:payout-detail", pk=pk)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------- audit trail


@require_GET
@treasury_required(VIEW)
def audit_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    rows = AuditEvent.objects.none()
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        rows = audit_event_list(
            table=data.get("table", ""),
            row_id=data.get("row_id"),
            actor_id=data.get("actor"),
            action=data.get("action", ""),
            at_from=data.get("date_from"),
            at_to=data.get("date_to"),
            user=request.user,
        )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "treasury/audit_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=200 if not form.is_bound or form.is_valid() else 400,
    )
