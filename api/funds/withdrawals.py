"""Capital withdrawals: a member's request and the treasurers' steps."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.sessions import step_up_require
from api.fields import KronorField, OreAsKronorField
from api.funds.common import ERROR, ERRORS
from invest.funds import selectors, services
from invest.funds.models import (
    CapitalWithdrawal,
)


class WithdrawalSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    amount = OreAsKronorField(source="amount_ore")
    member = serializers.CharField(source="membership.member.display_name", read_only=True)
    prepared_by = serializers.CharField(
        source="prepared_by.display_name", read_only=True, allow_null=True, default=None
    )
    approved_by = serializers.CharField(
        source="approved_by.display_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = CapitalWithdrawal
        fields = [
            "id",
            "member",
            "amount",
            "requested_on",
            "payable_on",
            "status",
            "prepared_by",
            "approved_by",
            "paid_on",
        ]
        read_only_fields = fields


class WithdrawalRequestSerializer(serializers.Serializer):
    amount = KronorField()


class FundWithdrawalsView(APIView):
    """GET: the fund's withdrawals (treasurers). POST: a member asks to withdraw capital."""

    @extend_schema(responses={200: WithdrawalSerializer(many=True), 404: ERROR})
    def get(self, request: Request, pk: int) -> Response:
        fund = selectors.fund_get_for_treasury(user=request.user, fund_id=pk)
        rows = selectors.withdrawal_list_for_treasury(user=request.user, fund=fund)
        return Response(WithdrawalSerializer(rows, many=True).data)

    @extend_schema(request=WithdrawalRequestSerializer, responses={201: WithdrawalSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        fund = selectors.fund_get(fund_id=pk)
        payload = WithdrawalRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        row = services.capital_withdrawal_request(
            fund=fund, user=request.user, amount_ore=payload.validated_data["amount"]
        )
        return Response(WithdrawalSerializer(row).data, status=status.HTTP_201_CREATED)


class WithdrawalActionSerializer(serializers.Serializer):
    paid_on = serializers.DateField(required=False)


class WithdrawalActionView(APIView):
    """prepare / approve (a second treasurer) / pay (on or after the notice date) / cancel a withdrawal."""

    ACTIONS = ("prepare", "approve", "pay", "cancel")

    @extend_schema(
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=ACTIONS)],
        request=WithdrawalActionSerializer,
        responses={200: WithdrawalSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        if action not in self.ACTIONS:
            raise Http404
        if action == "cancel":
            withdrawal = selectors.withdrawal_get_for_member_or_treasury(user=request.user, withdrawal_id=pk)
        else:
            withdrawal = selectors.withdrawal_get_for_treasury(user=request.user, withdrawal_id=pk)
        payload = WithdrawalActionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if action == "prepare":
            row = services.capital_withdrawal_prepare(withdrawal=withdrawal, by=request.user)
        elif action == "approve":
            step_up_require(request)  # money leaves the fund: a fresh second factor (accounts/sessions.py)
            row = services.capital_withdrawal_approve(withdrawal=withdrawal, by=request.user)
        elif action == "pay":
            if "paid_on" not in payload.validated_data:
                raise serializers.ValidationError({"paid_on": [_("This field is required.")]})
            row = services.capital_withdrawal_mark_paid(
                withdrawal=withdrawal, by=request.user, paid_on=payload.validated_data["paid_on"]
            )
        else:
            row = services.capital_withdrawal_cancel(withdrawal=withdrawal, by=request.user)
        return Response(WithdrawalSerializer(row).data)
