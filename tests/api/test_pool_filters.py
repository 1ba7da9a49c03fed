"""Public pool list filters: open now, closing before a date, text; bad values are 400.

The default filter backend (api/filters.py) skips the FilterSet when no parameter names a filter.
"""

from __future__ import annotations

from datetime import timedelta

import django_filters
import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django_filters import FilterSet

from api.filters import FilterBackend
from api.pools import PoolFilter
from pools.models import Pool, PoolStatus
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


def _filtering_views() -> list[type]:
    """Every API view that filters through the default backend, by its FilterSet or filterset_fields."""
    from django.urls import URLResolver, get_resolver

    views: list[type] = []

    def walk(patterns) -> None:  # type: ignore[no-untyped-def]
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
                continue
            view = getattr(pattern.callback, "view_class", None)
            if view is None or not (getattr(view, "filterset_class", None) or getattr(view, "filterset_fields", None)):
                continue
            if any(issubclass(backend, FilterBackend) for backend in view.filter_backends):
                views.append(view)

    walk(get_resolver().url_patterns)
    return views


def test_every_filterset_without_parameters_returns_its_queryset_unchanged() -> None:
    """What lets FilterBackend skip the FilterSet when no parameter names a filter."""
    views = _filtering_views()
    assert {view.__name__ for view in views} >= {"PoolListView", "ProjectListView", "PledgeListView", "FairListView"}
    for view in views:
        filterset_class = getattr(view, "filterset_class", None)
        model = filterset_class._meta.model if filterset_class else view.serializer_class.Meta.model
        queryset = model.objects.order_by("pk")
        filterset_class = FilterBackend().get_filterset_class(view(), queryset)
        filterset = filterset_class(data=QueryDict(""), queryset=queryset)
        assert filterset.is_valid(), (view, filterset.errors)
        assert str(filterset.qs.query) == str(queryset.query), view
        assert not any(f.extra.get("required") for f in filterset_class.base_filters.values())


def test_a_request_naming_no_filter_skips_the_filterset(api_client, monkeypatch):
    pool = PoolFactory()
    built = []
    monkeypatch.setattr(PoolFilter, "__init__", lambda *a, **k: built.append(1) or FilterSet.__init__(*a, **k))
    url = reverse("api:pool-list")
    assert ids(api_client.get(url)) == {pool.pk} and ids(api_client.get(url, {"page": "1"})) == {pool.pk}
    assert built == []
    assert ids(api_client.get(url, {"kind": pool.kind})) == {pool.pk}
    assert built == [1]


def test_ordering_and_prefixed_parameters_still_go_through_the_filterset(api_client):
    early = PoolFactory(title="Ann", closes_on=timezone.localdate() + timedelta(days=3))
    late = PoolFactory(title="Bo", closes_on=timezone.localdate() + timedelta(days=30))
    url = reverse("api:pool-list")
    assert [r["id"] for r in api_client.get(url).json()["results"]] == [early.pk, late.pk]
    assert [r["id"] for r in api_client.get(url, {"ordering": "-closes_on"}).json()["results"]] == [late.pk, early.pk]
    # A parameter that merely starts with a filter's name is left to the FilterSet (here: ignored).
    assert ids(api_client.get(url, {"kind_x": "nonsense"})) == {early.pk, late.pk}
    assert api_client.get(url, {"ordering": "password"}).status_code == 400


def test_a_filterset_with_a_required_filter_is_never_skipped(rf):
    from rest_framework.exceptions import ValidationError
    from rest_framework.request import Request

    class Required(FilterSet):
        status = django_filters.CharFilter(required=True)

        class Meta:
            model = Pool
            fields = ["status"]

    class View:
        filterset_class = Required

    with pytest.raises(ValidationError):
        FilterBackend().filter_queryset(Request(rf.get("/")), Pool.objects.all(), View())
