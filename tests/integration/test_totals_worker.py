"""Item 2: 50 parallel pledges to one pool, a real worker recomputing: totals equal the sums of the rows."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connections
from django.db.models import Count, Sum

from operations.models import OutboxMessage
from pools.models import Pledge, PledgeKind, PoolTotals
from pools.services import pledge_create
from tests.factories import PoolFactory, UserFactory
from tests.integration.conftest import broker_is_idle
from tests.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PARALLEL = 50


def _settled() -> bool:
    return not OutboxMessage.objects.filter(dispatched_at__isnull=True).exists() and broker_is_idle(settings.REDIS_URL)


def _recomputed_after_last_change(pool_id: int) -> bool:
    totals = PoolTotals.objects.get(pool_id=pool_id)
    return totals.computed_at is not None and (totals.requested_at is None or totals.computed_at >= totals.requested_at)


def test_fifty_parallel_pledges_leave_totals_equal_to_the_rows(celery_worker_process):
    pool = PoolFactory(target_ore=10_000_000)
    savers = [UserFactory() for _ in range(PARALLEL)]
    barrier = threading.Barrier(PARALLEL)
    errors: list[BaseException] = []

    def pledge(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            pledge_create(
                pool=pool, saver=savers[index], kind=PledgeKind.SUPPORT_SAVING,
                monthly_ore=1_000 + index, months=1 + index % 12,
            )  # fmt: skip
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pledge, args=(i,)) for i in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []

    wait_until(_settled, timeout=90, what="the outbox and the broker to drain")
    wait_until(lambda: _recomputed_after_last_change(pool.pk), timeout=30, what="the last recompute")
    rows = Pledge.objects.filter(pool=pool).aggregate(total=Sum("amount_ore"), count=Count("pk"))
    totals = PoolTotals.objects.get(pool=pool)
    assert rows["count"] == PARALLEL
    assert totals.pledge_count == PARALLEL
    assert totals.saver_count == PARALLEL
    assert totals.pledged_ore == rows["total"] == sum((1_000 + i) * (1 + i % 12) for i in range(PARALLEL))

    # A redelivered or duplicate recompute changes nothing.
    from config.celery import app

    before = {f: getattr(totals, f) for f in ("pledged_ore", "pledge_count", "saver_count", "estimated_points")}
    for _ in range(3):
        app.send_task("workers.totals.recompute_pool_totals", args=[pool.pk])
    wait_until(lambda: broker_is_idle(settings.REDIS_URL), timeout=30, what="the duplicates to run")
    totals.refresh_from_db()
    assert {f: getattr(totals, f) for f in before} == before
