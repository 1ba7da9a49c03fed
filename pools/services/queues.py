"""Follow-up work a pool change queues after commit: the pool's totals, its receipt, its micro-fund's totals."""

from __future__ import annotations

from operations.outbox import enqueue
from pools.models import (
    Pool,
)

TOTALS_TASK = "workers.totals.recompute_pool_totals"


RECEIPT_TASK = "workers.receipts.send_pledge_receipt"


FUND_TOTALS_TASK = "workers.funds.recompute_fund_totals"


def totals_enqueue(*, pool_id: int) -> None:
    """Mark the pool's totals due and queue their recompute after commit (one pending per pool).

    Call it inside the transaction that changes the pool's pledges or payments: the touch holds
    the totals row until commit, so a pending recompute picked up meanwhile waits and sees the change.
    """
    from pools.totals import totals_touch

    totals_touch(pool_ids=[pool_id])
    enqueue(TOTALS_TASK, pool_id, dedupe_key=f"totals:{pool_id}")


def fund_totals_enqueue_for_pools(*, pool_ids: list[int]) -> None:
    """Money matched in a micro-fund's pools changes the fund's capital: queue its totals too."""
    fund_ids = set(
        Pool.objects.filter(pk__in=pool_ids, micro_fund__isnull=False).values_list("micro_fund_id", flat=True)
    )
    for fund_id in sorted(fund_ids):
        enqueue(FUND_TOTALS_TASK, fund_id, dedupe_key=f"fund-totals:{fund_id}")
