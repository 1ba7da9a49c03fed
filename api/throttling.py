"""Rate limits that degrade safely when the shared cache (Redis) is down.

DRF's throttles read and write the cache on every throttled request; with Redis unreachable
that raised and the request answered 500 (a saved pledge or a login lost to a dead cache).
Here a cache error lets the request through: the limit is a guard against floods, and the
writes behind it stay protected by their own rules (django-axes' lockout lives in the database,
pledges by row locks and idempotency keys). The failure is logged.
"""

from __future__ import annotations

import logging
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle

log = logging.getLogger(__name__)


class SafeScopedRateThrottle(ScopedRateThrottle):
    """ScopedRateThrottle that allows the request when the cache cannot be reached."""

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # noqa: BLE001  (redis, socket and timeout errors alike)
            log.warning("throttle %s skipped, cache unavailable: %s", getattr(self, "scope", "?"), exc)
            return True
