"""Public pool list filters: open now, closing before a date, text; bad values are 400."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from pools.models import PoolStatus
from tests.factories import PoolFactory

pytestmark = pytest.mark.django_db


def ids(response):
    return {row["id"] for row in response.json()["results"]}


def test_pools_filter_open_and_text(api_client):
    open_pool = PoolFactory(title="Bystugan")
    done = PoolFactory(status=PoolStatus.SUCCEEDED, title="Kvarnen")
    draft = PoolFactory(status=PoolStatus.DRAFT, title="Bystugan utkast")
    url = reverse("api:pool-list")
    assert ids(api_client.get(url, {"is_open": "true"})) == {open_pool.pk}
    assert ids(api_client.get(url, {"is_open": "false"})) == {done.pk}
    assert ids(api_client.get(url, {"q": "bystug"})) == {open_pool.pk}
    assert draft.pk not in ids(api_client.get(url))


def test_pools_filter_closes_before(api_client):
    soon = PoolFactory(closes_on=timezone.localdate() + timedelta(days=2))
    PoolFactory(closes_on=timezone.localdate() + timedelta(days=60))
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    assert ids(api_client.get(reverse("api:pool-list"), {"closes_before": day})) == {soon.pk}


@pytest.mark.parametrize(
    "params",
    [{"closes_before": "not-a-date"}, {"kind": "<script>"}, {"q": "x" * 10_000}, {"project": "1 OR 1=1"}],
)
def test_pools_bad_filters_are_400(api_client, params):
    PoolFactory()
    assert api_client.get(reverse("api:pool-list"), params).status_code == 400


def test_pool_detail_of_draft_is_404(api_client):
    draft = PoolFactory(status=PoolStatus.DRAFT)
    assert api_client.get(reverse("api:pool-detail", args=[draft.pk])).status_code == 404
