"""Reads for operations/: the latest run of each job, worker liveness."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Max
from django.utils import timezone

from operations.models import JobRun


def job_latest_runs() -> list[JobRun]:
    """The most recent run of every job name, newest first."""
    latest = JobRun.objects.values("name").annotate(last=Max("started_at"))
    runs = [JobRun.objects.filter(name=row["name"], started_at=row["last"]).first() for row in latest]
    return sorted((r for r in runs if r is not None), key=lambda r: r.started_at, reverse=True)


def worker_last_seen() -> JobRun | None:
    """The last heartbeat a worker completed, or None."""
    return JobRun.objects.filter(name="worker_heartbeat", status="ok").order_by("-started_at").first()


def worker_is_alive(*, within_seconds: int) -> bool:
    last = worker_last_seen()
    return last is not None and last.started_at >= timezone.now() - timedelta(seconds=within_seconds)
