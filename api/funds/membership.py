"""Joining a micro-fund, subscribing to shares, and a member's statement."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import OreAsKronorField
from api.funds.common import ERROR, ERRORS
from api.funds.withdrawals import WithdrawalSerializer
from invest.funds import selectors, services
from pools.selectors import share_offer_pools


class JoinSerializer(serializers.Serializer):
    pool = serializers.PrimaryKeyRelatedField(queryset=share_offer_pools())
    instalments = serializers.IntegerField(min_value=1, max_value=60, default=1)
    voluntary_share_count = serializers.IntegerField(min_value=0, max_value=1_000_000, default=0)


class SharesSerializer(serializers.Serializer):
    pool = serializers.PrimaryKeyRelatedField(queryset=share_offer_pools())
    share_count = serializers.IntegerField(min_value=1, max_value=1_000_000)


class InstalmentSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    due_on = serializers.DateField()
    amount = OreAsKronorField(source="amount_ore")
    paid = OreAsKronorField(source="paid_ore")
    state = serializers.CharField()


class ShareLineSerializer(serializers.Serializer):
    pledge_id = serializers.IntegerField(source="share.pledge_id")
    is_required = serializers.BooleanField(source="share.is_required")
    share_count = serializers.IntegerField()
    amount = OreAsKronorField(source="amount_ore")
    paid = OreAsKronorField(source="paid_ore")
    ocr_reference = serializers.CharField()
    instalments = serializers.SerializerMethodField()

    @extend_schema_field(InstalmentSerializer(many=True))
    def get_instalments(self, line: Any) -> list[dict]:
        return InstalmentSerializer(line.instalments, many=True).data


class BackedSerializer(serializers.Serializer):
    project = serializers.CharField(source="project.name")
    kind = serializers.CharField()
    amount = OreAsKronorField(source="amount_ore")


class StatementSerializer(serializers.Serializer):
    fund_id = serializers.IntegerField(source="membership.fund_id")
    joined_on = serializers.DateField(source="membership.joined_on")
    as_of = serializers.DateField()
    has_vote = serializers.BooleanField()
    paid_in = OreAsKronorField(source="paid_in_ore")
    withdrawn = OreAsKronorField(source="withdrawn_ore")
    capital = OreAsKronorField(source="capital_ore")
    pending_withdrawals = OreAsKronorField(source="pending_withdrawals_ore")
    shares = ShareLineSerializer(many=True)
    withdrawals = WithdrawalSerializer(many=True)
    capital_at_work = BackedSerializer(source="backed_projects", many=True)


class FundJoinView(APIView):
    """Join the fund: pledge the required share (in up to the rules' instalments) and any voluntary shares."""

    @extend_schema(request=JoinSerializer, responses={201: StatementSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        fund = selectors.fund_get(fund_id=pk)
        payload = JoinSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.fund_member_join(fund=fund, user=request.user, **payload.validated_data)
        statement = selectors.member_statement(fund=fund, user=request.user)
        return Response(StatementSerializer(statement).data, status=status.HTTP_201_CREATED)


class FundSharesView(APIView):
    """A member subscribes voluntary shares."""

    @extend_schema(request=SharesSerializer, responses={201: StatementSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        fund = selectors.fund_get(fund_id=pk)
        payload = SharesSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.fund_share_subscribe(fund=fund, user=request.user, **payload.validated_data)
        statement = selectors.member_statement(fund=fund, user=request.user)
        return Response(StatementSerializer(statement).data, status=status.HTTP_201_CREATED)


class FundStatementView(APIView):
    """The member's own statement: shares, instalments paid and due, vote, and the capital at work. 404 otherwise."""

    @extend_schema(responses={200: StatementSerializer, 404: ERROR})
    def get(self, request: Request, pk: int) -> Response:
        fund = selectors.fund_get(fund_id=pk)
        return Response(StatementSerializer(selectors.member_statement(fund=fund, user=request.user)).data)
