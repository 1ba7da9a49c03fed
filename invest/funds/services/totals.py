"""A micro-fund's totals: queueing and recomputing them."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from invest.funds.models import (
    FundTotals,
)
from invest.funds.selectors import (
    fund_position_now,
)
from invest.models import MicroFund
from operations.outbox import enqueue

TOTALS_TASK = "workers.funds.recompute_fund_totals"


def fund_totals_enqueue(*, fund_id: int) -> None:
    """Queue a recompute of the fund's totals after commit (one pending per fund)."""
    enqueue(TOTALS_TASK, fund_id, dedupe_key=f"fund-totals:{fund_id}")


@transaction.atomic
def fund_totals_recompute(*, fund_id: int) -> FundTotals:
    """Recompute and store a fund's totals from its rows as of today (idempotent: never increments)."""
    fund = MicroFund.objects.get(pk=fund_id)
    position = fund_position_now(fund=fund)
    totals, _created = FundTotals.objects.select_for_update().get_or_create(fund=fund)
    for name, value in position.figures().items():
        setattr(totals, name, value)
    totals.as_of = position.as_of
    totals.computed_at = timezone.now()
    totals.save()
    return totals


def fund_totals_enqueue_all() -> int:
    """Queue a recompute for every fund (payments matched in pools change capital without telling funds)."""
    ids = list(MicroFund.objects.values_list("pk", flat=True))
    for fund_id in ids:
        with transaction.atomic():
            fund_totals_enqueue(fund_id=fund_id)
    return len(ids)
