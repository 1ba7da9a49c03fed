"""Reads for operations/: the latest run of each job, worker liveness."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery

from operations.models import JobRun


def job_latest_runs() -> list[JobRun]:
    """The most recent run of every job name, newest first."""
    newest = JobRun.objects.filter(name=OuterRef("name")).order_by("-started_at").values("started_at")[:1]
    runs: dict[str, JobRun] = {}
    for run in JobRun.objects.filter(started_at=Subquery(newest)).order_by("name", "pk"):
        runs.setdefault(run.name, run)  # one query for every job; ties on started_at keep the first row
    return sorted(runs.values(), key=lambda r: r.started_at, reverse=True)


def worker_last_seen() -> JobRun | None:
    """The last heartbeat a worker completed, or None."""
    return JobRun.objects.filter(name="worker_heartbeat", status="ok").order_by("-started_at").first()
