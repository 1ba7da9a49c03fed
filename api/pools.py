"""Pools: public list and detail."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny

from api.fields import OreAsKronorField
from pools.models import OPEN_POOL_STATUSES, Pool, PoolKind, PoolStatus, PoolTotals
from pools.selectors import pool_list_public


class PoolTotalsSerializer(serializers.ModelSerializer):
    pledged = OreAsKronorField(source="pledged_ore")
    received = OreAsKronorField(source="received_ore")
    outstanding = OreAsKronorField(source="outstanding_ore")

    class Meta:
        model = PoolTotals
        fields = [
            "pledged",
            "received",
            "outstanding",
            "saver_count",
            "pledge_count",
            "non_money_pledge_count",
            "hours",
            "percent_of_target",
            "percent_of_minimum",
            "estimated_points",
            "computed_at",
        ]


class PoolSerializer(serializers.ModelSerializer):
    target = OreAsKronorField(source="target_ore")
    minimum = OreAsKronorField(source="minimum_ore")
    cap = OreAsKronorField(source="cap_ore")
    min_per_saver = OreAsKronorField(source="min_per_saver_ore")
    max_per_saver = OreAsKronorField(source="max_per_saver_ore")
    share_price = OreAsKronorField(source="share_price_ore")
    project_id = serializers.IntegerField(read_only=True, allow_null=True)
    micro_fund_id = serializers.IntegerField(read_only=True, allow_null=True)
    beneficiary = serializers.CharField(source="beneficiary_name", read_only=True)
    totals = serializers.SerializerMethodField()

    class Meta:
        model = Pool
        fields = [
            "id",
            "slug",
            "title",
            "description",
            "kind",
            "status",
            "project_id",
            "micro_fund_id",
            "beneficiary",
            "target",
            "target_points",
            "minimum",
            "cap",
            "min_per_saver",
            "max_per_saver",
            "share_price",
            "opens_on",
            "closes_on",
            "funding_rule",
            "currency",
            "bankgiro",
            "totals",
        ]
        read_only_fields = fields

    def get_totals(self, pool: Pool) -> dict | None:
        totals = getattr(pool, "totals", None) if hasattr(pool, "totals") else None
        return PoolTotalsSerializer(totals).data if totals is not None else None


class PoolFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=PoolKind.choices)
    status = django_filters.ChoiceFilter(choices=PoolStatus.choices)
    project = django_filters.NumberFilter(field_name="project_id")
    micro_fund = django_filters.NumberFilter(field_name="micro_fund_id")
    is_open = django_filters.BooleanFilter(method="filter_is_open")
    closes_before = django_filters.DateFilter(field_name="closes_on", lookup_expr="lte")
    q = django_filters.CharFilter(method="filter_text", max_length=100)

    def filter_is_open(self, queryset, name, value):  # type: ignore[no-untyped-def]
        """Pools taking pledges now (true) or not (false)."""
        open_now = Q(status__in=OPEN_POOL_STATUSES, closes_on__gte=timezone.localdate())
        return queryset.filter(open_now) if value else queryset.exclude(open_now)

    def filter_text(self, queryset, name, value):  # type: ignore[no-untyped-def]
        """Words in the pool's title or its project's name or place."""
        return queryset.filter(
            Q(title__icontains=value) | Q(project__name__icontains=value) | Q(project__place__icontains=value)
        )

    class Meta:
        model = Pool
        fields = ["kind", "status", "project", "micro_fund", "is_open", "closes_before", "q"]


class PoolListView(generics.ListAPIView):
    """Pools anyone may see, filterable by kind, status, project and fund."""

    serializer_class = PoolSerializer
    permission_classes = [AllowAny]
    filterset_class = PoolFilter

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return pool_list_public().order_by("closes_on", "pk")


class PoolDetailView(generics.RetrieveAPIView):
    serializer_class = PoolSerializer
    permission_classes = [AllowAny]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return pool_list_public()
