"""Enqueue after commit, surviving a broker outage.

`enqueue(task_name, *args)` writes an OutboxMessage in the caller's transaction and,
after commit, tries to send it at once. If the broker is down the row stays
undispatched and `outbox_relay` (run by beat) sends it later. Never call `.delay()`
inside a transaction; call this instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from operations.models import OutboxMessage

log = logging.getLogger(__name__)


def enqueue(task_name: str, *args: int | str, dedupe_key: str | None = None) -> None:
    """Record a task for after commit; with a dedupe_key, one pending message per key."""
    if dedupe_key is not None:
        try:
            with transaction.atomic():
                message = OutboxMessage.objects.create(task_name=task_name, args=list(args), dedupe_key=dedupe_key)
        except IntegrityError:
            return  # the same work is already pending
    else:
        message = OutboxMessage.objects.create(task_name=task_name, args=list(args))
    transaction.on_commit(lambda: dispatch([message.pk]), robust=True)


def dispatch(message_ids: Iterable[int]) -> int:
    """Send the given undispatched messages to the broker; returns how many went."""
    from config.celery import app

    sent = 0
    for message in OutboxMessage.objects.filter(pk__in=list(message_ids), dispatched_at__isnull=True):
        # Claim it first, so two relays never both send; a failed send releases the claim.
        claimed = OutboxMessage.objects.filter(pk=message.pk, dispatched_at__isnull=True).update(
            dispatched_at=timezone.now(), attempts=message.attempts + 1
        )
        if not claimed:
            continue
        try:
            app.send_task(message.task_name, args=message.args)
        except Exception as exc:  # the broker is down or refused: keep it for the relay
            log.warning("outbox: could not send %s: %s", message.task_name, exc)
            try:
                with transaction.atomic():
                    OutboxMessage.objects.filter(pk=message.pk).update(dispatched_at=None, last_error=str(exc)[:2000])
            except IntegrityError:
                # A newer message with the same dedupe key is pending and does the same work:
                # leave this one closed rather than break the one-pending-per-key rule.
                OutboxMessage.objects.filter(pk=message.pk).update(last_error=f"superseded after: {exc}"[:2000])
            break
        sent += 1
    return sent


def pending_ids(limit: int = 500) -> list[int]:
    """Oldest undispatched messages first."""
    return list(
        OutboxMessage.objects.filter(dispatched_at__isnull=True)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
