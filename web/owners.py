"""Project owners' pages for their ordinary pools: who pledged (where they agreed to be contacted), the
follow-up log, and the list as CSV or Excel; and where a project (or fund) is paid by Swish."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from invest.fairs.services import pledge_follow_up_record
from invest.pledgers import PoolPledger, owner_pool_get, pool_pledge_get_for_owner, pool_pledgers_for_owner
from invest.selectors import project_get_managed
from invest.services import project_swish_number_set
from operations.csv_files import csv_lines, csv_response, kronor_cell, text_cell
from operations.errors import DomainError
from treasury.exports import excel_kronor
from web.fairs.forms import FollowUpForm
from web.forms import SwishNumberForm
from web.funds.exports import safe_cell
from web.http import AuthenticatedHttpRequest


@login_required
@require_http_methods(["GET", "POST"])
def pool_pledgers(request: AuthenticatedHttpRequest, pool_id: int) -> HttpResponse:
    """The pool's contactable pledgers with what they pledged and paid; POST records a follow-up note."""
    pool = owner_pool_get(user=request.user, pool_id=pool_id)
    if request.method == "POST":
        form = FollowUpForm(request.POST)
        pledge_id = request.POST.get("pledge", "")
        pledge = pool_pledge_get_for_owner(pool=pool, pledge_id=int(pledge_id) if pledge_id.isdigit() else 0)
        if form.is_valid():
            try:
                pledge_follow_up_record(pledge=pledge, by=request.user, **form.cleaned_data)
            except DomainError as error:
                messages.error(request, str(error.message))
            else:
                messages.success(request, _("Noted."))
        else:
            messages.error(request, _("Choose an outcome; keep the note short."))
        return redirect("web:pool-pledgers", pool_id=pool.pk)
    rows = pool_pledgers_for_owner(pool=pool)
    return render(request, "web/pool_pledgers.html", {"pool": pool, "rows": rows, "form": FollowUpForm()})


def _header() -> list[str]:
    return [
        _("Pledger"),
        _("Email"),
        _("Phone"),
        _("Kind"),
        _("What"),
        _("Pledged (kr)"),
        _("Received (kr)"),
        _("Status"),
        _("Follow-up"),
    ]


# Where the amounts sit in a row of _values: CSV writes them with a decimal comma, Excel as numbers.
MONEY_COLUMNS = (5, 6)


def _values(row: PoolPledger) -> list[object]:
    """One pledger's cells; amounts as öre (int) in MONEY_COLUMNS, None for a pledge that is not money."""
    pledge = row.pledge
    latest = f"{row.latest.get_outcome_display()} {row.latest.created_at:%Y-%m-%d}" if row.latest else ""
    return [
        row.name,
        row.email,
        row.phone,
        pledge.get_kind_display(),
        "" if pledge.is_money else pledge.description,
        pledge.amount_ore if pledge.is_money else None,
        row.received_ore if pledge.is_money else None,
        pledge.get_status_display(),
        latest,
    ]


@login_required
@require_GET
def pool_pledgers_csv(request: AuthenticatedHttpRequest, pool_id: int) -> StreamingHttpResponse:
    """The list as CSV in the site's convention (operations/csv_files.py)."""
    pool = owner_pool_get(user=request.user, pool_id=pool_id)
    rows = pool_pledgers_for_owner(pool=pool)

    def cells(row: PoolPledger) -> list[str]:
        values = _values(row)
        return [
            kronor_cell(value) if index in MONEY_COLUMNS else text_cell(value)  # type: ignore[arg-type]
            for index, value in enumerate(values)
        ]

    return csv_response(csv_lines(_header(), (cells(row) for row in rows)), filename=f"pool-{pool.pk}-pledgers.csv")


@login_required
@require_GET
def pool_pledgers_xlsx(request: AuthenticatedHttpRequest, pool_id: int) -> FileResponse:
    """The list as an Excel workbook (write-only: rows go straight to disk)."""
    from openpyxl import Workbook

    pool = owner_pool_get(user=request.user, pool_id=pool_id)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Pledgers")[:30])
    sheet.append([safe_cell(pool.title)])
    sheet.append(_header())
    for row in pool_pledgers_for_owner(pool=pool):
        values = _values(row)
        sheet.append(
            [
                excel_kronor(sheet, value) if index in MONEY_COLUMNS else safe_cell(value)  # type: ignore[arg-type]
                for index, value in enumerate(values)
            ]
        )
    handle = tempfile.TemporaryFile()  # noqa: SIM115  (closed by the response that streams it)
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"pool-{pool.pk}-pledgers.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def swish_number_page(
    request: AuthenticatedHttpRequest,
    *,
    receiver: Any,
    save: Callable[[str], object],
    back_url: str,
    back_label: str,
) -> HttpResponse:
    """The Swish-number form for a project or fund: GET shows it, POST saves through `save` (the service),
    a refused number is shown on its field with status 400."""
    form = SwishNumberForm(request.POST or None, initial={"swish_number": receiver.swish_number})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                save(form.cleaned_data["swish_number"])
            except DomainError as error:
                form.add_error("swish_number" if error.field == "swish_number" else None, str(error.message))
            else:
                messages.success(request, _("The Swish number is saved."))
                return redirect(request.path)
        status = 400
    context = {"form": form, "receiver": receiver, "back_url": back_url, "back_label": back_label}
    return render(request, "web/swish_number.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def project_swish(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """The project's owner (or an organiser) sets the Swish number its pools are paid with; others get 404."""
    project = project_get_managed(user=request.user, project_id=project_id)
    if project is None:
        raise Http404

    def save(number: str) -> object:
        return project_swish_number_set(project=project, by=request.user, swish_number=number)

    return swish_number_page(
        request, receiver=project, save=save, back_url=reverse("web:my-projects"), back_label=_("My projects")
    )
