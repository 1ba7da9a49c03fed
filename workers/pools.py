"""Close pools whose closing day has passed."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="workers.pools.close_due_pools", acks_late=True, time_limit=600, soft_time_limit=570)
def close_due_pools() -> None:
    """Close every open pool past its closing day (a closed pool is left alone, so a rerun is harmless)."""
    from operations.jobs import job_run
    from pools.services import pools_close_due

    with job_run("close_due_pools") as summary:
        summary.update(pools_close_due())
