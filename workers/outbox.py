"""Relay outbox messages the broker missed (it was down when their change committed)."""

from __future__ import annotations

from celery import shared_task

TIME_LIMIT = 120


@shared_task(name="workers.outbox.relay_outbox", acks_late=True, time_limit=TIME_LIMIT, soft_time_limit=TIME_LIMIT - 10)
def relay_outbox() -> None:
    """Send every pending outbox message, oldest first (safe to run twice: sends are claimed)."""
    from operations.outbox import dispatch, pending_ids

    ids = pending_ids()
    if ids:
        dispatch(ids)
