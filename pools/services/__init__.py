"""Writes for pools/: pools, pledges, payments and their matches, pool totals.

Every service owns its transaction, locks what it changes, validates, writes, and
queues follow-up work through the outbox (operations.outbox.enqueue) after commit.

The package re-exports every public name, so `from pools.services import x` keeps working."""

from pools.models import CHANGEABLE_PLEDGE_STATUSES
from pools.pledge_terms import MAX_MONTHS, MAX_QUANTITY, MAX_SHARES
from pools.services.idempotency import pledge_create_idempotent
from pools.services.payments import (
    allocation_reverse,
    allocation_take_back,
    payment_allocate,
    payment_record,
    pledge_received_ore,
)
from pools.services.pledges import (
    pledge_change,
    pledge_claim_by_email,
    pledge_confirm,
    pledge_create,
    pledge_decline,
    pledge_interest_claim,
    pledge_krona_months,
    pledge_withdraw,
)
from pools.services.pools import pool_close, pool_community_check, pool_open, pool_outcome, pools_close_due
from pools.services.queues import (
    FUND_TOTALS_TASK,
    RECEIPT_TASK,
    TOTALS_TASK,
    fund_totals_enqueue_for_pools,
    totals_enqueue,
)

__all__ = [
    "TOTALS_TASK",
    "RECEIPT_TASK",
    "FUND_TOTALS_TASK",
    "totals_enqueue",
    "fund_totals_enqueue_for_pools",
    "pool_community_check",
    "pool_open",
    "pool_outcome",
    "pool_close",
    "pools_close_due",
    "MAX_MONTHS",
    "MAX_SHARES",
    "MAX_QUANTITY",
    "pledge_create",
    "pledge_withdraw",
    "pledge_krona_months",
    "CHANGEABLE_PLEDGE_STATUSES",
    "pledge_change",
    "pledge_confirm",
    "pledge_decline",
    "pledge_interest_claim",
    "pledge_claim_by_email",
    "payment_record",
    "pledge_received_ore",
    "payment_allocate",
    "allocation_reverse",
    "allocation_take_back",
    "pledge_create_idempotent",
]
