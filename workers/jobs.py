"""Housekeeping of the job-run record: the every-minute sweeps would otherwise grow it without end."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="workers.jobs.prune_job_runs", acks_late=True, time_limit=600, soft_time_limit=570)
def prune_job_runs() -> None:
    """Delete job runs older than JOB_RUN_KEEP_DAYS, keeping each job's latest (a rerun deletes nothing more)."""
    from django.conf import settings

    from operations.jobs import job_run, job_runs_prune

    with job_run("prune_job_runs") as summary:
        summary["deleted"] = job_runs_prune(keep_days=settings.JOB_RUN_KEEP_DAYS)
