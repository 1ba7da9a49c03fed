"""`field__any_of`: the same rows as `field__in`, with one array parameter on PostgreSQL (run on both)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pools.models import PaymentAllocation, Pledge
from tests.treasury.helpers import money_pledge

pytestmark = pytest.mark.django_db


@pytest.fixture
def pledges(pool, saver):
    return [money_pledge(pool, saver, amount_ore=1_000 * (n + 1)) for n in range(5)]


@pytest.mark.parametrize("pick", [[], [0], [1, 3], [0, 1, 2, 3, 4]])
def test_any_of_finds_what_in_finds(pledges, pick):
    keys = [pledges[n].pk for n in pick] + [999_999]
    refs = [pledges[n].ocr_reference for n in pick] + ["no such", "it's; --"]
    for lookup in ("any_of", "any_of_probe"):
        assert set(Pledge.objects.filter(**{f"pk__{lookup}": keys})) == set(Pledge.objects.filter(pk__in=keys))
        assert set(Pledge.objects.filter(**{f"ocr_reference__{lookup}": refs})) == {pledges[n] for n in pick}
        assert not PaymentAllocation.objects.filter(**{f"pledge_id__{lookup}": keys}).exists()


@pytest.mark.parametrize(("lookup", "shape"), [("any_of", "= ANY("), ("any_of_probe", "= ANY(ARRAY(SELECT unnest(")])
def test_any_of_passes_one_parameter_on_postgresql(pledges, lookup, shape):
    keys = [p.pk for p in pledges]
    with CaptureQueriesContext(connection) as queries:
        list(Pledge.objects.filter(**{f"pk__{lookup}": keys}))
    sql = queries.captured_queries[-1]["sql"]
    if connection.vendor == "postgresql":
        assert shape in sql and " IN (" not in sql
    else:
        assert " IN (" in sql
