"""Receipts for new pledges, with payment instructions."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="workers.receipts.send_pledge_receipt",
    acks_late=True,
    time_limit=60,
    soft_time_limit=50,
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def send_pledge_receipt(pledge_id: int) -> None:
    """Mail the pledger a receipt once (the pledge records that it was sent)."""
    from pools.receipts import pledge_receipt_send

    pledge_receipt_send(pledge_id=pledge_id)
