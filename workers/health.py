"""A heartbeat that proves a worker consumes tasks (shown by /healthz)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="workers.health.worker_heartbeat", acks_late=True, time_limit=30, soft_time_limit=25)
def worker_heartbeat() -> None:
    """Record a tiny job run; /healthz reads the latest one."""
    from operations.jobs import job_run

    with job_run("worker_heartbeat") as summary:
        summary["ok"] = True
