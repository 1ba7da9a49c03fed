"""Guarantees: creating one, listing them, balance reports, release and call."""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.sessions import step_up_require
from api.fields import KronorField, OreAsKronorField
from api.funds.common import ERROR, ERRORS, PercentField, bp
from invest.funds import selectors, services
from invest.funds.models import (
    Guarantee,
    GuaranteeEvent,
)
from pools.money import ore_to_string


class GuaranteeEventSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)
    balance = OreAsKronorField(source="balance_ore")
    loss = OreAsKronorField(source="loss_ore")

    class Meta:
        model = GuaranteeEvent
        fields = ["id", "kind", "effective_on", "balance", "loss", "note", "recorded_at"]
        read_only_fields = fields


class GuaranteeSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    fund = serializers.CharField(source="fund.name", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    loan_amount = OreAsKronorField(source="loan_amount_ore")
    coverage_percent = serializers.SerializerMethodField()
    fee_percent = serializers.SerializerMethodField()
    figures = serializers.SerializerMethodField()
    events = GuaranteeEventSerializer(many=True, read_only=True)

    class Meta:
        model = Guarantee
        fields = [
            "id",
            "fund_id",
            "fund",
            "project_id",
            "project_name",
            "bank",
            "loan_amount",
            "coverage_percent",
            "fee_percent",
            "term_months",
            "issued_on",
            "status",
            "figures",
            "events",
        ]
        read_only_fields = fields

    def get_coverage_percent(self, g: Guarantee) -> str | None:
        return bp(g.coverage_bp)

    def get_fee_percent(self, g: Guarantee) -> str | None:
        return bp(g.fee_bp)

    @extend_schema_field(serializers.DictField())
    def get_figures(self, g: Guarantee) -> dict:
        today = timezone.localdate()
        line = selectors.guarantee_line(g, as_of=today, cutoff=selectors.recorded_cutoff(today))
        if line is None:
            return {}
        return {
            "bank_balance": ore_to_string(line.bank_balance_ore),
            "exposure": ore_to_string(line.exposure_ore),
            "loss": ore_to_string(line.loss_ore),
            "yearly_fee": ore_to_string(line.yearly_fee_ore),
        }


class GuaranteeCreateSerializer(serializers.Serializer):
    # The project's key: the view reads it among the projects the fund may back (its own community's).
    project = serializers.IntegerField()
    bank = serializers.CharField(max_length=120)
    loan_amount = KronorField()
    coverage_percent = PercentField(low=Decimal("0.01"))
    fee_percent = PercentField(required=False)
    term_months = serializers.IntegerField(min_value=1, max_value=360)
    issued_on = serializers.DateField()


class FundGuaranteesView(APIView):
    """An organiser guarantees part of a project's bank loan; refused with the reason when a limit would break."""

    @extend_schema(request=GuaranteeCreateSerializer, responses={201: GuaranteeSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        payload = GuaranteeCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        fund = selectors.fund_get_managed(user=request.user, fund_id=pk)  # 403 unless its organiser
        step_up_require(request)  # money moves: a fresh second factor (accounts/sessions.py)
        row = services.guarantee_create(
            fund=fund,
            by=request.user,
            project=selectors.project_get_for_engagement(fund=fund, project_id=data["project"]),
            bank=data["bank"],
            loan_amount_ore=data["loan_amount"],
            coverage_bp=data["coverage_percent"],
            fee_bp=data.get("fee_percent"),
            term_months=data["term_months"],
            issued_on=data["issued_on"],
        )
        return Response(GuaranteeSerializer(row).data, status=status.HTTP_201_CREATED)


class GuaranteeListView(APIView):
    @extend_schema(responses={200: GuaranteeSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(GuaranteeSerializer(selectors.guarantee_list_visible(user=request.user), many=True).data)


class GuaranteeDetailView(APIView):
    @extend_schema(responses={200: GuaranteeSerializer, 404: ERROR})
    def get(self, request: Request, pk: int) -> Response:
        return Response(GuaranteeSerializer(selectors.guarantee_get_visible(user=request.user, guarantee_id=pk)).data)


class GuaranteeEventInputSerializer(serializers.Serializer):
    effective_on = serializers.DateField()
    balance = KronorField(required=False, allow_zero=True)
    loss = KronorField(required=False, allow_zero=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class GuaranteeActionView(APIView):
    """balance (the bank loan's new balance) / release / call (with the loss)."""

    ACTIONS = ("balance", "release", "call")

    @extend_schema(
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=ACTIONS)],
        request=GuaranteeEventInputSerializer,
        responses={201: GuaranteeEventSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        if action not in self.ACTIONS:
            raise Http404
        guarantee = selectors.guarantee_get_visible(user=request.user, guarantee_id=pk)
        payload = GuaranteeEventInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        note = data.get("note", "")
        if action == "balance":
            if "balance" not in data:
                raise serializers.ValidationError({"balance": [_("This field is required.")]})
            event = services.guarantee_balance_report(
                guarantee=guarantee, by=request.user, balance_ore=data["balance"], effective_on=data["effective_on"]
            )
        elif action == "release":
            event = services.guarantee_release(
                guarantee=guarantee, by=request.user, effective_on=data["effective_on"], note=note
            )
        else:
            if "loss" not in data:
                raise serializers.ValidationError({"loss": [_("This field is required.")]})
            event = services.guarantee_call(
                guarantee=guarantee,
                by=request.user,
                effective_on=data["effective_on"],
                loss_ore=data["loss"],
                note=note,
            )
        return Response(GuaranteeEventSerializer(event).data, status=status.HTTP_201_CREATED)
