"""Micro-funds and their rules: list, detail, the rules history and a rules change."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.sessions import step_up_require
from api.fields import KronorField, OreAsKronorField
from api.funds.common import ERROR, ERRORS, PercentField, bp
from invest.funds import selectors, services
from invest.funds.models import (
    FundRulesVersion,
)
from invest.models import MicroFund
from invest.services import fund_swish_number_set
from pools.money import ore_to_string


class RulesSerializer(serializers.ModelSerializer):
    required_share = OreAsKronorField(source="required_share_ore")
    max_per_project = OreAsKronorField(source="max_per_project_ore")
    max_per_project_percent = serializers.SerializerMethodField()
    max_exposure_percent = serializers.SerializerMethodField()
    guarantee_max_coverage_percent = serializers.SerializerMethodField()
    guarantee_fee_percent = serializers.SerializerMethodField()
    changed_by = serializers.CharField(source="changed_by.display_name", read_only=True)

    class Meta:
        model = FundRulesVersion
        fields = [
            "version",
            "required_share",
            "max_instalments",
            "instalment_interval_months",
            "voluntary_shares_allowed",
            "withdrawal_notice_days",
            "max_per_project",
            "max_per_project_percent",
            "max_exposure_percent",
            "guarantee_max_coverage_percent",
            "guarantee_fee_percent",
            "changed_by",
            "changed_at",
            "note",
        ]
        read_only_fields = fields

    def get_max_per_project_percent(self, rules: FundRulesVersion) -> str | None:
        return bp(rules.max_per_project_bp)

    def get_max_exposure_percent(self, rules: FundRulesVersion) -> str | None:
        return bp(rules.max_exposure_bp)

    def get_guarantee_max_coverage_percent(self, rules: FundRulesVersion) -> str | None:
        return bp(rules.guarantee_max_coverage_bp)

    def get_guarantee_fee_percent(self, rules: FundRulesVersion) -> str | None:
        return bp(rules.guarantee_fee_bp)


class RulesVersionSerializer(RulesSerializer):
    before = serializers.JSONField(read_only=True)

    class Meta(RulesSerializer.Meta):
        fields = [*RulesSerializer.Meta.fields, "before"]
        read_only_fields = fields


class RulesInputSerializer(serializers.Serializer):
    required_share = KronorField(required=False)
    max_instalments = serializers.IntegerField(required=False, min_value=1, max_value=60)
    instalment_interval_months = serializers.IntegerField(required=False, min_value=1, max_value=12)
    voluntary_shares_allowed = serializers.BooleanField(required=False)
    withdrawal_notice_days = serializers.IntegerField(required=False, min_value=0, max_value=3650)
    max_per_project = KronorField(required=False)
    max_per_project_percent = PercentField(required=False, low=Decimal("0.01"))
    max_exposure_percent = PercentField(required=False, low=Decimal("0.01"), high=Decimal(1000))
    guarantee_max_coverage_percent = PercentField(required=False, low=Decimal("0.01"))
    guarantee_fee_percent = PercentField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)

    NAMES = services.RULE_INPUT_NAMES

    def to_service(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        note = data.pop("note", "")
        return {"note": note, **{self.NAMES.get(k, k): v for k, v in data.items()}}


class FundSerializer(serializers.ModelSerializer):
    rules = serializers.SerializerMethodField()
    share_offers = serializers.SerializerMethodField()

    class Meta:
        model = MicroFund
        fields = ["id", "slug", "name", "description", "bankgiro", "swish_number", "rules", "share_offers"]
        read_only_fields = fields

    @extend_schema_field(RulesSerializer(allow_null=True))
    def get_rules(self, fund: MicroFund) -> dict | None:
        if hasattr(fund, "rules_newest_first"):  # prefetched by fund_list_for_listing
            rules = fund.rules_newest_first[0] if fund.rules_newest_first else None
        else:
            rules = selectors.fund_rules_current(fund=fund)
        return RulesSerializer(rules).data if rules else None

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_share_offers(self, fund: MicroFund) -> list[dict]:
        return [
            {
                "id": p.pk,
                "title": p.title,
                "share_price": ore_to_string(p.share_price_ore or 0),
                "closes_on": p.closes_on,
            }
            for p in (
                fund.open_share_offers
                if hasattr(fund, "open_share_offers")  # prefetched by fund_list_for_listing
                else selectors.fund_share_pools(fund=fund)
            )
        ]


class FundListView(APIView):
    """Every fund with its rules in force and open share offers."""

    @extend_schema(responses={200: FundSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(FundSerializer(selectors.fund_list_for_listing(), many=True).data)


class FundChangeSerializer(serializers.Serializer):
    """What a fund's organiser may change here: the Swish number members pay share instalments with."""

    swish_number = serializers.CharField(
        max_length=20,
        allow_blank=True,
        help_text="A Swish number for organisations: 123 followed by seven digits (spaces and dashes allowed); "
        "empty removes it.",
    )


class FundDetailView(APIView):
    """GET: one fund. PATCH: the fund's own organiser sets its Swish number (anyone else 403)."""

    @extend_schema(responses={200: FundSerializer, 404: ERROR})
    def get(self, request: Request, pk: int) -> Response:
        return Response(FundSerializer(selectors.fund_get(fund_id=pk)).data)

    @extend_schema(request=FundChangeSerializer, responses={200: FundSerializer, 400: ERROR, 403: ERROR, 404: ERROR})
    def patch(self, request: Request, pk: int) -> Response:
        fund = selectors.fund_get_for_receiver(user=request.user, fund_id=pk)  # refused before the body is read
        if not isinstance(request.data, dict):
            return Response({"non_field_errors": [_("Send a JSON object.")]}, status=status.HTTP_400_BAD_REQUEST)
        payload = FundChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        fund = fund_swish_number_set(fund=fund, by=request.user, swish_number=payload.validated_data["swish_number"])
        return Response(FundSerializer(fund).data)


class FundRulesView(APIView):
    """GET: every rules version (organisers and treasurers). POST: a new version (organisers)."""

    @extend_schema(responses={200: RulesVersionSerializer(many=True), 404: ERROR})
    def get(self, request: Request, pk: int) -> Response:
        fund = selectors.fund_get_for_reports(user=request.user, fund_id=pk)
        return Response(RulesVersionSerializer(selectors.fund_rules_versions(fund=fund), many=True).data)

    @extend_schema(request=RulesInputSerializer, responses={201: RulesVersionSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        step_up_require(request)  # a fresh second factor (accounts/sessions.py)
        fund = selectors.fund_get_managed(user=request.user, fund_id=pk)  # 403 unless its organiser
        payload = RulesInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        version = services.fund_rules_set(fund=fund, by=request.user, **payload.to_service())
        return Response(RulesVersionSerializer(version).data, status=status.HTTP_201_CREATED)
