"""Operations pages for treasurers and organisers: scheduled jobs, failed mails (with retry)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, RedirectView, TemplateView

from communities.selectors import job_run_community_ids, mail_community_ids
from operations.errors import DomainError
from operations.mail import mail_delivery_retry
from operations.models import MailDelivery
from operations.selectors import job_latest_runs, mail_failed_list


class JobListView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """When each scheduled job last ran, how long it took and what it did."""

    template_name = "web/ops/jobs.html"
    permission_required = "operations.view_jobrun"
    raise_exception = False

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "runs": job_latest_runs(community_ids=job_run_community_ids(self.request.user)),
        }


class MailPermissionMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Treasurers (money mails) and organisers (fair mails); the selector narrows to their kinds."""

    permission_required = ("operations.view_money_mail", "operations.view_fair_mail")

    def has_permission(self) -> bool:
        # the view this mixes into carries the request
        user = self.request.user  # type: ignore[attr-defined]
        return any(user.has_perm(p) for p in self.get_permission_required())


class FailedMailListView(MailPermissionMixin, ListView):
    """Mails of every kind that could not be delivered, newest first, each with a retry button."""

    template_name = "web/ops/mail_failed.html"
    context_object_name = "deliveries"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[MailDelivery]:
        user = self.request.user
        return mail_failed_list(user=user, community_ids=mail_community_ids(user))


class FailedMailRetryView(MailPermissionMixin, View):
    """Put one failed mail back to be sent now."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        community_ids = mail_community_ids(request.user)
        delivery = get_object_or_404(mail_failed_list(user=request.user, community_ids=community_ids), pk=pk)
        try:
            mail_delivery_retry(delivery=delivery, by=request.user, community_ids=community_ids)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The mail will be sent again."))
        return redirect("web:ops-mail-failed")


class FailedReminderListView(RedirectView):
    """The old failed-reminders page: every failed mail is on one page now."""

    pattern_name = "web:ops-mail-failed"
    permanent = True
