"""FastRepresentationMixin renders exactly what DRF's own to_representation would."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework import serializers

from api.pools import PoolSerializer, PoolTotalsSerializer
from api.serializers import FastRepresentationMixin, _shared_plan
from pools.models import PoolKind, PoolTotals
from pools.selectors import pool_list_public
from tests.factories import MicroFundFactory, PoolFactory, ShareOfferPoolFactory


def _drf(serializer_class: type, instance: Any) -> dict:
    """What plain DRF renders: the mixin's method skipped in the lookup."""
    serializer = serializer_class(instance)
    return serializers.Serializer.to_representation(serializer, instance)


@pytest.mark.django_db
def test_pool_rows_render_identically_with_and_without_the_fast_path() -> None:
    with_totals = PoolFactory(minimum_ore=5_000_00)
    PoolTotals.objects.create(pool=with_totals, pledged_ore=1_234_56, percent_of_minimum=None)
    PoolFactory(project=None, micro_fund=MicroFundFactory(), kind=PoolKind.FUND_CAPITAL)
    PoolFactory(target_ore=None, target_points=5_000)
    ShareOfferPoolFactory(max_per_saver_ore=10_000_00)
    pools = list(pool_list_public())
    assert len(pools) == 4
    for pool in pools:
        fast = PoolSerializer(pool).data
        slow = _drf(PoolSerializer, pool)
        if slow["totals"] is not None:
            slow["totals"] = _drf(PoolTotalsSerializer, pool.totals)
        assert fast == slow
        assert type(fast["kind"]) is str and type(fast["id"]) is int


def test_choice_fields_with_non_string_keys_are_not_passed_through() -> None:
    class Row(FastRepresentationMixin, serializers.Serializer):
        level = serializers.ChoiceField(choices=[(1, "one"), (2, "two")])
        name = serializers.CharField()
        flag = serializers.IntegerField()

    class Obj:
        level = "1"
        name = "Ödeby"
        flag = True  # a bool is not passed through as an int

    data = Row(Obj()).data
    assert data == {"level": 1, "name": "Ödeby", "flag": 1}
    assert type(data["flag"]) is int


def test_fields_built_once_per_class_are_still_separate_objects_per_serializer() -> None:
    first, second = PoolSerializer(), PoolSerializer()
    assert first.fields["title"] is not second.fields["title"]
    assert first.fields["title"].parent is first and second.fields["title"].parent is second
    assert first.fields["totals"] is not second.fields["totals"]
    assert list(first.fields) == list(second.fields) == PoolSerializer.Meta.fields


@pytest.mark.django_db
def test_context_free_serializers_render_from_one_plan_without_building_fields() -> None:
    """A page of pools builds no fields per request: no deep copies, no cyclic garbage per row."""
    from api.projects import ProjectSerializer

    assert _shared_plan(PoolSerializer) is not None and _shared_plan(ProjectSerializer) is not None
    assert _shared_plan(PoolTotalsSerializer) is not None

    PoolTotals.objects.create(pool=PoolFactory(), pledged_ore=12_00)
    pool = pool_list_public().get()
    serializer = PoolSerializer(pool)
    assert serializer.data["id"] == pool.pk and serializer.data["totals"]["pledged"] == "12.00"
    assert "fields" not in serializer.__dict__  # never built for this instance
    many = PoolSerializer([pool, pool], many=True)
    assert many.data[1] == serializer.data and "fields" not in many.child.__dict__


def test_a_serializer_whose_fields_may_read_the_request_keeps_its_own_fields() -> None:
    class WithContext(FastRepresentationMixin, serializers.Serializer):
        name = serializers.CharField()
        viewer = serializers.SerializerMethodField()

        def get_viewer(self, obj: Any) -> str:
            return self.context["viewer"]

    class Nested(FastRepresentationMixin, serializers.Serializer):
        inner = WithContext()

    class Obj:
        name = "Ödeby"

    assert _shared_plan(WithContext) is None and _shared_plan(Nested) is None
    assert WithContext(Obj(), context={"viewer": "anna"}).data == {"name": "Ödeby", "viewer": "anna"}
    assert WithContext(Obj(), context={"viewer": "bo"}).data == {"name": "Ödeby", "viewer": "bo"}


def test_a_subclass_of_a_context_free_field_type_is_not_trusted() -> None:
    class Greeting(serializers.CharField):
        def to_representation(self, value: Any) -> str:
            return f"{self.context['greeting']} {value}"

    class Row(FastRepresentationMixin, serializers.Serializer):
        name = Greeting()

    class Obj:
        name = "Bo"

    assert _shared_plan(Row) is None
    assert Row(Obj(), context={"greeting": "Hej"}).data == {"name": "Hej Bo"}


@pytest.mark.django_db
def test_pledges_render_identically_with_and_without_the_shared_plan() -> None:
    from decimal import Decimal

    from api.pledges import PledgeDetailSerializer, PledgeSerializer
    from pools.services import pledge_create, pledge_withdraw
    from tests.factories import UserFactory

    saver = UserFactory()
    pool = PoolFactory()
    pledges = [
        pledge_create(pool=pool, saver=saver, kind="support_saving", monthly_ore=500_00, months=12),
        pledge_create(pool=pool, saver=saver, kind="support_saving", amount_ore=250_00, term_months=6),
        pledge_create(pool=ShareOfferPoolFactory(), saver=saver, kind="share", share_count=3),
        pledge_create(pool=pool, saver=saver, kind="time", description="Snickeri", quantity=Decimal("7.50")),
    ]
    pledges.append(pledge_withdraw(pledge=pledges[1], by=saver))
    assert _shared_plan(PledgeSerializer) is not None
    assert _shared_plan(PledgeDetailSerializer) is None  # its payments method reads the request
    for pledge in pledges:
        fast = PledgeSerializer(pledge).data
        slow = _drf(PledgeSerializer, pledge)
        assert fast == slow
        assert type(fast["kind"]) is str and type(fast["id"]) is int
    assert PledgeSerializer(pledges[0]).data["payment"]["received"] == "0.00"
    assert PledgeSerializer(pledges[3]).data["payment"] is None
    assert PledgeSerializer(pledges[3]).data["quantity"] == "7.50"


def test_a_method_field_is_shared_only_when_its_own_class_names_it() -> None:
    class Row(FastRepresentationMixin, serializers.Serializer):
        context_free_methods = ("get_double",)
        double = serializers.SerializerMethodField()

        def get_double(self, obj: Any) -> int:
            return obj.n * 2

    class Sub(Row):  # inherits the list but overrides the method: not trusted without naming it again
        def get_double(self, obj: Any) -> int:
            return obj.n * self.context["factor"]

    class Obj:
        n = 4

    assert _shared_plan(Row) is not None and _shared_plan(Sub) is None
    assert Row(Obj()).data == {"double": 8}
    assert Sub(Obj(), context={"factor": 3}).data == {"double": 12}
