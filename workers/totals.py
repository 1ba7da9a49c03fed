"""Keep pool totals current: recompute one pool after its pledges or payments change."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="workers.totals.recompute_pool_totals", acks_late=True, time_limit=120, soft_time_limit=110)
def recompute_pool_totals(pool_id: int) -> None:
    """Recompute one pool's totals from its rows (idempotent)."""
    from pools.services import pool_totals_recompute

    pool_totals_recompute(pool_id=pool_id)
