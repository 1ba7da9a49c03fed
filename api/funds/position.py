"""A micro-fund's position on a day: capital, loans and guarantees at stake."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import OreAsKronorField
from api.funds.common import ERROR
from invest.funds import selectors


class LoanLineSerializer(serializers.Serializer):
    loan_id = serializers.IntegerField(source="loan.pk")
    written_off = serializers.BooleanField()
    loss = OreAsKronorField(source="loss_ore")
    project = serializers.CharField(source="loan.project.name")
    principal = OreAsKronorField(source="principal_ore")
    repaid_principal = OreAsKronorField(source="repaid_principal_ore")
    interest_received = OreAsKronorField(source="interest_received_ore")
    outstanding = OreAsKronorField(source="outstanding_ore")
    due = OreAsKronorField(source="due_ore")
    overdue = OreAsKronorField(source="overdue_ore")
    overdue_since = serializers.DateField(allow_null=True)  # None while nothing is overdue


class GuaranteeLineSerializer(serializers.Serializer):
    guarantee_id = serializers.IntegerField(source="guarantee.pk")
    project = serializers.CharField(source="guarantee.project.name")
    bank = serializers.CharField(source="guarantee.bank")
    status = serializers.CharField()
    bank_balance = OreAsKronorField(source="bank_balance_ore")
    exposure = OreAsKronorField(source="exposure_ore")
    loss = OreAsKronorField(source="loss_ore")
    yearly_fee = OreAsKronorField(source="yearly_fee_ore")


class PositionSerializer(serializers.Serializer):
    fund_id = serializers.IntegerField(source="fund.pk")
    as_of = serializers.DateField()
    known_at = serializers.DateTimeField()
    capital_paid_in = OreAsKronorField(source="capital_paid_in_ore")
    withdrawn = OreAsKronorField(source="withdrawn_ore")
    capital = OreAsKronorField(source="capital_ore")
    outstanding_loans = OreAsKronorField(source="outstanding_loans_ore")
    guarantee_exposure = OreAsKronorField(source="guarantee_exposure_ore")
    repaid_principal = OreAsKronorField(source="repaid_principal_ore")
    interest_received = OreAsKronorField(source="interest_received_ore")
    repayments_due = OreAsKronorField(source="repayments_due_ore")
    repayments_overdue = OreAsKronorField(source="repayments_overdue_ore")
    losses = OreAsKronorField(source="losses_ore")
    available = OreAsKronorField(source="available_ore")
    member_count = serializers.IntegerField()
    voting_member_count = serializers.IntegerField()
    loans = LoanLineSerializer(many=True)
    guarantees = GuaranteeLineSerializer(many=True)


class PositionQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False)
    known_at = serializers.DateTimeField(required=False)


class FundPositionView(APIView):
    """The fund's position as of a date (default today); organisers and treasurers only.
    An event counts when its date is on or before `as_of` and it was recorded by the end of that day
    (or by `known_at` when given), so a past date's figures never change."""

    @extend_schema(
        parameters=[
            OpenApiParameter("as_of", str, description="YYYY-MM-DD"),
            OpenApiParameter("known_at", str, description="ISO 8601 date-time: count what was recorded by then"),
        ],
        responses={200: PositionSerializer, 400: ERROR, 404: ERROR},
    )
    def get(self, request: Request, pk: int) -> Response:
        fund = selectors.fund_get_for_reports(user=request.user, fund_id=pk)
        query = PositionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        as_of = query.validated_data.get("as_of") or timezone.localdate()
        position = selectors.fund_position(fund=fund, as_of=as_of, known_at=query.validated_data.get("known_at"))
        return Response(PositionSerializer(position).data)
