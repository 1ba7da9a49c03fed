"""Keep pool totals current: recompute one pool after its pledges or payments change; reconcile all nightly."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="workers.totals.recompute_pool_totals", acks_late=True, time_limit=120, soft_time_limit=110)
def recompute_pool_totals(pool_id: int) -> None:
    """Recompute one pool's totals from its rows (idempotent: a redelivery recomputes the same)."""
    from pools.totals import pool_totals_recompute_queued

    if pool_totals_recompute_queued(pool_id=pool_id) is None:
        logger.warning("recompute_pool_totals: pool %s no longer exists; nothing to recompute", pool_id)


@shared_task(name="workers.totals.reconcile_pool_totals", acks_late=True, time_limit=3600, soft_time_limit=3500)
def reconcile_pool_totals() -> None:
    """Recompute every pool in batches, correct drift, and record the corrections in the job run."""
    from operations.jobs import job_run
    from pools.totals import pool_totals_reconcile

    with job_run("reconcile_pool_totals") as summary:
        summary.update(pool_totals_reconcile())
