"""Operations pages for treasurers and organisers: scheduled jobs, failed reminders."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db.models import QuerySet
from django.views.generic import ListView, TemplateView

from operations.selectors import job_latest_runs
from pools.models import Reminder
from pools.selectors import reminder_list_failed


class JobListView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """When each scheduled job last ran, how long it took and what it did."""

    template_name = "web/ops/jobs.html"
    permission_required = "operations.view_jobrun"
    raise_exception = False

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "runs": job_latest_runs()}


class FailedReminderListView(LoginRequiredMixin, PermissionRequiredMixin, ListView):
    """Reminders that could not be delivered, newest first."""

    template_name = "web/ops/reminders_failed.html"
    permission_required = "pools.view_reminder"
    context_object_name = "reminders"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Reminder]:
        return reminder_list_failed()
