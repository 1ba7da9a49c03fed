"""Treasurer pages for what bank files leave to a person: the exceptions queue and returned payments."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from operations.errors import DomainError
from treasury.imports import bankfile_line_resolve
from treasury.selectors import bankfile_line_exceptions, payment_list_returned
from web.http import AuthenticatedHttpRequest
from web.treasury import MANAGE, VIEW, treasury_required


@require_GET
@treasury_required(VIEW)
def exception_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Lines waiting for a treasurer, oldest first."""
    page = Paginator(bankfile_line_exceptions(user=request.user), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "treasury/exception_list.html",
        {"page": page, "may_resolve": request.user.has_perm(MANAGE)},
    )


@require_POST
@treasury_required(MANAGE)
def exception_resolve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseRedirect:
    line = get_object_or_404(bankfile_line_exceptions(include_resolved=True, user=request.user), pk=pk)
    try:
        bankfile_line_resolve(line=line, by=request.user, note=request.POST.get("note", "")[:200])
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Marked as dealt with."))
    return HttpResponseRedirect(reverse("web:treasury:exception-list"))


@require_GET
@treasury_required(VIEW)
def returned_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Payments the bank took back, newest first."""
    page = Paginator(payment_list_returned(user=request.user), 100).get_page(request.GET.get("page"))
    return render(request, "treasury/returned_list.html", {"page": page})
