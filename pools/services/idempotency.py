"""Creating a pledge once per client key, so a retried request replays the first answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import User
from pools.models import (
    Pledge,
)
from pools.services.pledges import pledge_create


def pledge_create_idempotent(
    *,
    user: User,
    key: str,
    request_hash: str,
    respond: Callable[[Pledge], dict],
    **pledge_fields: Any,
) -> tuple[int, dict, bool]:
    """Create a pledge once per (user, key): returns (status, body, replayed). The key row is written in
    the pledge's transaction. Raises IdempotencyConflict when the key was used with another request."""
    from pools.errors import IdempotencyConflict
    from pools.models import IdempotencyKey

    def replay() -> tuple[int, dict, bool] | None:
        stored = IdempotencyKey.objects.filter(user=user, key=key).first()
        if stored is None:
            return None
        if stored.request_hash != request_hash:
            raise IdempotencyConflict(field="idempotency_key")
        return stored.response_status, stored.response_body, True

    earlier = replay()
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            pledge = pledge_create(saver=user, **pledge_fields)
            body = respond(pledge)
            IdempotencyKey.objects.create(
                user=user, key=key, request_hash=request_hash, response_status=201, response_body=body
            )
    except IntegrityError:
        # A parallel request with the same key won the race; its pledge stands, ours rolled back.
        earlier = replay()
        if earlier is None:
            raise
        return earlier
    return 201, body, False
