"""Pools: public list and detail."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny

from api.fields import OreAsKronorField
from api.filters import IdFilter, StableOrderingFilter
from api.serializers import FastRepresentationMixin
from pools.models import OPEN_POOL_STATUSES, Pool, PoolKind, PoolStatus, PoolTotals
from pools.selectors import pool_list_public


class PoolTotalsSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    """Derived figures of a pool, recomputed by workers after every change (computed_at says when)."""

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
        read_only_fields = fields


class PoolSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    """A pool and its latest totals. Amounts are decimal strings in kronor; all fields are read-only."""

    target = OreAsKronorField(source="target_ore")
    minimum = OreAsKronorField(source="minimum_ore")
    cap = OreAsKronorField(source="cap_ore")
    min_per_saver = OreAsKronorField(source="min_per_saver_ore")
    max_per_saver = OreAsKronorField(source="max_per_saver_ore")
    share_price = OreAsKronorField(source="share_price_ore")
    project_id = serializers.IntegerField(read_only=True, allow_null=True)
    micro_fund_id = serializers.IntegerField(read_only=True, allow_null=True)
    beneficiary = serializers.CharField(source="beneficiary_name", read_only=True)
    totals = PoolTotalsSerializer(read_only=True, allow_null=True)

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


class PoolFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=PoolKind.choices)
    status = django_filters.ChoiceFilter(choices=PoolStatus.choices)
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

    project = IdFilter(field_name="project_id")
    micro_fund = IdFilter(field_name="micro_fund_id")
    ordering = StableOrderingFilter(
        fields=(("closes_on", "closes_on"), ("opens_on", "opens_on"), ("title", "title"), ("target_ore", "target")),
        help_text="Sort by closes_on, opens_on, title or target; prefix - for descending.",
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
    """One pool anyone may see (drafts and cancelled pools answer 404)."""

    serializer_class = PoolSerializer
    permission_classes = [AllowAny]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return pool_list_public()
