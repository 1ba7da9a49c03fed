"""Record each scheduled job's run: when, how long, and what it did."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

from operations.models import JobRun, JobRunStatus


@contextmanager
def job_run(name: str, *, community_id: int | None = None) -> Iterator[dict[str, object]]:
    """Wrap a job; put what it did into the yielded dict. Failures are recorded, then re-raised.
    ``community_id``: the community a run works for alone (a bank file's import); None for platform jobs."""
    run = JobRun.objects.create(name=name, started_at=timezone.now(), community_id=community_id)
    summary: dict[str, object] = {}
    started = time.monotonic()
    try:
        yield summary
    except BaseException as exc:
        JobRun.objects.filter(pk=run.pk).update(
            status=JobRunStatus.FAILED,
            finished_at=timezone.now(),
            duration_ms=int((time.monotonic() - started) * 1000),
            summary=summary,
            error=f"{type(exc).__name__}: {exc}"[:4000],
        )
        raise
    JobRun.objects.filter(pk=run.pk).update(
        status=JobRunStatus.OK,
        finished_at=timezone.now(),
        duration_ms=int((time.monotonic() - started) * 1000),
        summary=summary,
    )


def job_runs_prune(*, keep_days: int) -> int:
    """Delete job runs older than `keep_days`, always keeping each job's latest run; returns how many went."""
    from datetime import timedelta

    from django.db.models import Max

    cutoff = timezone.now() - timedelta(days=keep_days)
    latest = {row["name"]: row["last"] for row in JobRun.objects.values("name").annotate(last=Max("started_at"))}
    deleted = 0
    for name, last in latest.items():
        deleted += JobRun.objects.filter(name=name, started_at__lt=min(cutoff, last)).delete()[0]
    return deleted
