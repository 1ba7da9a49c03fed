"""Reads for operations/: the latest run of each job, worker liveness, failed mails."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from operations.models import JobRun, MailDelivery, MailStatus


def job_run_community_ids(user: Any) -> list[int] | None:
    """The communities whose job runs `user` sees: where they are a treasurer or an organiser (the two
    roles that see the jobs); None (every community) for platform staff, superusers and user=None."""
    if user is None:
        return None
    from communities.models import MembershipRole
    from communities.selectors import community_ids_for

    found: set[int] = set()
    for role in (MembershipRole.TREASURER, MembershipRole.ORGANISER):
        ids = community_ids_for(user=user, role=role)
        if ids is None:
            return None
        found.update(ids)
    return sorted(found)


def job_latest_runs(*, user: Any = None) -> list[JobRun]:
    """The most recent run of every job name the user may see, newest first: platform runs (no
    community) and runs for the user's communities (see job_run_community_ids)."""
    ids = job_run_community_ids(user)
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


def mail_failed_list(*, user: Any) -> QuerySet[MailDelivery]:
    """Failed mails of the kinds this user handles (treasurers: money mails; organisers: fair mails), newest first."""
    from operations.mail import AUDIENCE_PERMISSIONS, kinds_for_audience

    kinds = [
        kind
        for audience, permission in AUDIENCE_PERMISSIONS.items()
        if user.has_perm(permission)
        for kind in kinds_for_audience(audience)
    ]
    return MailDelivery.objects.filter(status=MailStatus.FAILED, kind__in=kinds).order_by("-updated_at", "-pk")
