"""bench/reports.py seeds with raw SQL: it must keep up with the schema, and on its two years of history the
reports computed in the database equal the Python reference, every kind, as of a past date and for a period."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from bench.reports import KINDS, _seed
from pools.models import Pledge
from tests.treasury import reference_reports
from treasury.reports import report_build, report_params

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_reports_bench_seed_fits_the_schema_and_reports_equal_the_reference():
    with connection.cursor() as cursor:
        _seed(cursor, pools=20, per_pool=30, savers=15, matches=120)
    assert Pledge.objects.count() == 600
    today = timezone.localdate()
    for params in (
        report_params(as_of=today - timedelta(days=120), date_from=None, date_to=None),
        report_params(as_of=today, date_from=today - timedelta(days=365), date_to=today - timedelta(days=183)),
    ):
        for kind in KINDS:
            pool_id = 5 if kind == "pool" else None
            new = report_build(kind=kind, params=params, pool_id=pool_id)
            old = reference_reports.report_build(kind=kind, params=params, pool_id=pool_id)
            shown = [[row.get(c.key) for c in new.columns] for row in new.rows]
            assert shown == [[row.get(c.key) for c in old.columns] for row in old.rows], kind
            assert new.totals == old.totals, kind
            assert shown, kind
