"""bench/totals.py seeds with raw SQL: it must keep up with the schema, and its rows must reconcile exactly.

Its floors run the reconciliation's SQL raw: they must read and write what the reconciliation does.
"""

from __future__ import annotations

import pytest
from django.db import connection

from bench.totals import _seed, raw_reconcile_select, raw_reconcile_write, totals_drift
from pools.models import Pledge, PoolTotals
from pools.totals import pool_totals_figures, pool_totals_reconcile

pytestmark = [pytest.mark.postgres]


@pytest.mark.django_db
def test_bench_seed_fits_the_schema_and_reconciles_to_the_per_pool_figures():
    with connection.cursor() as cursor:
        _seed(cursor, pools=7, per_pool=30, savers=11, matches=40)
    assert Pledge.objects.count() == 210

    summary = pool_totals_reconcile()

    assert summary["pools_checked"] == 7
    expected = pool_totals_figures(pool_ids=list(range(1, 8)))
    stored = {t.pool_id: t for t in PoolTotals.objects.all()}
    for pool_id, figures in expected.items():
        assert {name: getattr(stored[pool_id], name) for name in figures} == figures
    assert sum(f["received_ore"] for f in expected.values()) == 40 * 5000
    assert all(f["saver_count"] > 0 and f["pledge_count"] > 0 for f in expected.values())


# Committed transactions, as in the bench: its floors drop their temporary table on commit, and VACUUM
# runs outside a transaction.
@pytest.mark.django_db(transaction=True)
def test_bench_floors_read_and_write_what_the_reconciliation_does():
    with connection.cursor() as cursor:
        _seed(cursor, pools=7, per_pool=30, savers=11, matches=40)
    pool_totals_reconcile()
    expected = pool_totals_figures(pool_ids=list(range(1, 8)))

    assert raw_reconcile_select(pool_count=7, batch_size=3, work_mem="4MB") == 7
    assert totals_drift() == 7
    assert raw_reconcile_write(pool_count=7, batch_size=3, work_mem="4MB") == 7

    stored = {t.pool_id: t for t in PoolTotals.objects.all()}
    for pool_id, figures in expected.items():
        assert {name: getattr(stored[pool_id], name) for name in figures} == figures
    assert raw_reconcile_write(pool_count=7, batch_size=10, work_mem="4MB") == 0
    assert pool_totals_reconcile()["corrected"] == 0
