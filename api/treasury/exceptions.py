"""Treasury API for what bank files leave to a person: the exceptions queue (deductions, reversals
without their original, amounts that could not be placed) and the payments the bank took back."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import OreAsKronorField
from api.schema import error_responses
from api.treasury.common import CanManagePayments, CanViewReports
from pools.models import Payment
from treasury.imports import bankfile_line_resolve
from treasury.models import BankFileLine
from treasury.selectors import bankfile_line_exceptions, payment_list_returned

ERRORS = error_responses(400, 403, 404, 409)


class ExceptionLineSerializer(serializers.ModelSerializer):
    amount = OreAsKronorField(source="amount_ore")
    bank_file_id = serializers.IntegerField(read_only=True)
    pledge_reference = serializers.CharField(source="pledge.ocr_reference", default="", read_only=True)

    class Meta:
        model = BankFileLine
        fields = [
            "id",
            "bank_file_id",
            "position",
            "outcome",
            "is_deduction",
            "amount",
            "booked_on",
            "reference",
            "payer_name",
            "detail",
            "payment_id",
            "reversed_payment_id",
            "pledge_reference",
            "resolved_at",
        ]
        read_only_fields = fields


class ResolveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ReturnedPaymentSerializer(serializers.ModelSerializer):
    amount = OreAsKronorField(source="amount_ore")

    class Meta:
        model = Payment
        fields = ["id", "amount", "received_on", "reference", "payer_name", "bank_reference", "status"]
        read_only_fields = fields


class ExceptionListView(APIView):
    """Bank file lines waiting for a treasurer, oldest first."""

    permission_classes = [IsAuthenticated, CanViewReports]

    @extend_schema(responses={200: ExceptionLineSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        return Response(ExceptionLineSerializer(bankfile_line_exceptions(user=request.user)[:500], many=True).data)


class ExceptionResolveView(APIView):
    """Mark one exception line as dealt with."""

    permission_classes = [IsAuthenticated, CanManagePayments]

    @extend_schema(request=ResolveSerializer, responses={200: ExceptionLineSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        payload = ResolveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        from django.shortcuts import get_object_or_404

        line = get_object_or_404(bankfile_line_exceptions(include_resolved=True, user=request.user), pk=pk)
        line = bankfile_line_resolve(line=line, by=request.user, note=payload.validated_data.get("note", ""))
        return Response(ExceptionLineSerializer(line).data)


class ReturnedPaymentListView(APIView):
    """Payments the bank took back (camt reversals), newest first."""

    permission_classes = [IsAuthenticated, CanViewReports]

    @extend_schema(responses={200: ReturnedPaymentSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        return Response(ReturnedPaymentSerializer(payment_list_returned(user=request.user)[:500], many=True).data)
