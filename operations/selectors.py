"""Reads for operations/: the latest run of each job, worker liveness, failed mails."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from operations.models import JobRun, MailDelivery, MailStatus


def job_latest_runs(*, community_ids: list[int] | None = None) -> list[JobRun]:
    """The most recent run of every job name, newest first. With `community_ids` (from
    communities.selectors.job_run_community_ids): platform runs (no community) and those communities' runs
    only; None: every run."""
    ids = community_ids
    visible = JobRun.objects.all()
    if ids is not None:
        visible = visible.filter(Q(community__isnull=True) | Q(community_id__in=ids))
    newest = visible.filter(name=OuterRef("name")).order_by("-started_at").values("started_at")[:1]
    runs: dict[str, JobRun] = {}
    for run in visible.filter(started_at=Subquery(newest)).order_by("name", "pk"):
        runs.setdefault(run.name, run)  # one query for every job; ties on started_at keep the first row
    return sorted(runs.values(), key=lambda r: r.started_at, reverse=True)


def worker_last_seen() -> JobRun | None:
    """The last heartbeat a worker completed, or None."""
    return JobRun.objects.filter(name="worker_heartbeat", status="ok").order_by("-started_at").first()


def mail_failed_list(*, user: Any, community_ids: list[int] | None) -> QuerySet[MailDelivery]:
    """Failed mails of the kinds this user handles (treasurers: money mails; organisers: fair mails), newest first.
    `community_ids` (from communities.selectors.mail_community_ids): those communities' mails only, no platform
    mails; None: every mail (platform staff)."""
    from operations.mail import AUDIENCE_PERMISSIONS, kinds_for_audience

    kinds = [
        kind
        for audience, permission in AUDIENCE_PERMISSIONS.items()
        if user.has_perm(permission)
        for kind in kinds_for_audience(audience)
    ]
    failed = MailDelivery.objects.filter(status=MailStatus.FAILED, kind__in=kinds)
    if community_ids is not None:
        failed = failed.filter(community_id__in=community_ids)
    return failed.order_by("-updated_at", "-pk")
