"""Locking of pool totals on PostgreSQL: a recompute never misses a change that is committing."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections, transaction

from pools.models import PledgeKind, PoolTotals
from pools.services import pledge_create
from pools.totals import pool_totals_recompute
from tests.factories import PoolFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_recompute_during_an_uncommitted_pledge_waits_and_counts_it():
    pool = PoolFactory()
    saver = UserFactory()
    pool_totals_recompute(pool_id=pool.pk)
    pledged = threading.Event()
    results: dict[str, object] = {}

    def pledge_slowly() -> None:
        try:
            with transaction.atomic():
                pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=70_000, term_months=1)
                pledged.set()
                time.sleep(0.5)  # the recompute starts while this is still uncommitted
        finally:
            connections.close_all()

    def recompute() -> None:
        try:
            pledged.wait(timeout=10)
            results["totals"] = pool_totals_recompute(pool_id=pool.pk)
            results["at"] = time.monotonic()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pledge_slowly), threading.Thread(target=recompute)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert results["at"] - started >= 0.5  # it waited for the pledge to commit
    assert results["totals"].pledged_ore == 70_000
    assert PoolTotals.objects.get(pool=pool).pledged_ore == 70_000


def test_parallel_recomputes_and_pledges_end_exact():
    pool = PoolFactory()
    savers = [UserFactory() for _ in range(12)]
    barrier = threading.Barrier(24)
    errors: list[BaseException] = []

    def pledge(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            pledge_create(pool=pool, saver=savers[index], kind=PledgeKind.GIFT, amount_ore=1_000 + index)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def recompute() -> None:
        try:
            barrier.wait(timeout=30)
            pool_totals_recompute(pool_id=pool.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    pool.kind = "fair"
    pool.save()
    threads = [threading.Thread(target=pledge, args=(i,)) for i in range(12)]
    threads += [threading.Thread(target=recompute) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    totals = pool_totals_recompute(pool_id=pool.pk)
    assert totals.pledged_ore == sum(1_000 + i for i in range(12))


def test_reconcile_during_an_uncommitted_pledge_waits_and_counts_it():
    from pools.totals import pool_totals_reconcile

    pools = [PoolFactory() for _ in range(3)]
    saver = UserFactory()
    pool_totals_reconcile()
    pool = pools[1]
    pledged = threading.Event()
    results: dict[str, object] = {}

    def pledge_slowly() -> None:
        try:
            with transaction.atomic():
                pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=70_000, term_months=1)
                pledged.set()
                time.sleep(0.5)  # the reconciliation starts while this is still uncommitted
        finally:
            connections.close_all()

    def reconcile() -> None:
        try:
            pledged.wait(timeout=10)
            results["summary"] = pool_totals_reconcile()
            results["at"] = time.monotonic()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pledge_slowly), threading.Thread(target=reconcile)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert results["at"] - started >= 0.5  # it waited for the pledge to commit
    assert results["summary"]["corrected"] == 1
    assert results["summary"]["corrections"][0]["after"]["pledged_ore"] == 70_000
    assert PoolTotals.objects.get(pool=pool).pledged_ore == 70_000
