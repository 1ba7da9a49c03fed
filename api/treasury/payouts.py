"""Payouts: candidates, preparing a batch, the second treasurer's approval, cancelling, the bank export."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.sessions import step_up_require
from api.fields import OreAsKronorField
from api.treasury.common import ERRORS, CanApprovePayouts, CanManagePayments, CanViewReports
from pools.money import ore_to_string
from treasury.models import (
    PayeeAccountSource,
    PayoutBatch,
    PayoutKind,
    PayoutLine,
)
from treasury.selectors import (
    payout_batch_get,
    payout_batch_list,
    payout_candidates,
)
from treasury.services import (
    PAYMENT_ORDER_MEDIA_TYPES,
    payout_approve,
    payout_cancel,
    payout_export,
    payout_prepare,
)


class PayoutLineSerializer(serializers.ModelSerializer):
    amount = OreAsKronorField(source="amount_ore")

    class Meta:
        model = PayoutLine
        fields = [
            "id",
            "reason",
            "payment_id",
            "pledge_id",
            "pool_id",
            "amount",
            "payee_name",
            "payee_account",
            "payee_account_source",
            "message",
            "source_key",
            "is_active",
        ]
        read_only_fields = fields


class PayoutBatchSerializer(serializers.ModelSerializer):
    total = OreAsKronorField(source="total_ore")
    prepared_by = serializers.CharField(source="prepared_by.email", read_only=True)
    approved_by = serializers.CharField(source="approved_by.email", read_only=True, allow_null=True, default=None)

    class Meta:
        model = PayoutBatch
        fields = [
            "id",
            "kind",
            "status",
            "note",
            "total",
            "line_count",
            "prepared_by",
            "prepared_at",
            "approved_by",
            "approved_at",
            "exported_at",
            "export_format",
            "cancelled_at",
        ]
        read_only_fields = fields


class PayoutCandidateSerializer(serializers.Serializer):
    source_key = serializers.CharField()
    reason = serializers.CharField()
    amount = serializers.SerializerMethodField()
    payee_name = serializers.CharField()
    payee_account = serializers.CharField(
        help_text="A compact IBAN, 'bankgiro 1234-5678' or 'BBAN <digits>'; empty when there is none to pay to."
    )
    payee_account_source = serializers.ChoiceField(
        choices=[("", "none"), *PayeeAccountSource.choices],
        help_text="Where the account came from: the saver's refund account, the payer's account, the pool.",
    )
    is_missing_account = serializers.BooleanField(
        help_text="True when the line has no account to pay to: it cannot be put in a list."
    )
    missing_account_reason = serializers.CharField()
    message = serializers.CharField()
    payment_id = serializers.IntegerField(allow_null=True)
    pledge_id = serializers.IntegerField(allow_null=True)
    pool_id = serializers.IntegerField(allow_null=True)

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2))
    def get_amount(self, candidate: Any) -> str:
        return ore_to_string(candidate.amount_ore)


class PayoutKindSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PayoutKind.choices, default=PayoutKind.REFUND)


class PayoutCandidateListView(APIView):
    """Refunds (over-payments, withdrawn pledges, failed pools) or payouts not yet in a live list."""

    permission_classes = [IsAuthenticated, CanManagePayments]

    @extend_schema(parameters=[PayoutKindSerializer], responses={200: PayoutCandidateSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        params = PayoutKindSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(
            PayoutCandidateSerializer(
                payout_candidates(kind=params.validated_data["kind"], user=request.user), many=True
            ).data
        )


class PayoutPrepareSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PayoutKind.choices)
    source_keys = serializers.ListField(child=serializers.CharField(max_length=80), allow_empty=False, max_length=1000)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PayoutListView(APIView):
    """Refund and payout lists; POST prepares one from candidates (a second treasurer approves)."""

    def get_permissions(self) -> list[BasePermission]:
        return [IsAuthenticated(), (CanManagePayments if self.request.method == "POST" else CanViewReports)()]

    @extend_schema(responses={200: PayoutBatchSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        return Response(PayoutBatchSerializer(payout_batch_list(user=request.user)[:200], many=True).data)

    @extend_schema(request=PayoutPrepareSerializer, responses={201: PayoutBatchSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        payload = PayoutPrepareSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        batch = payout_prepare(by=request.user, **payload.validated_data)
        return Response(PayoutBatchSerializer(batch).data, status=201)


class PayoutDetailView(APIView):
    permission_classes = [IsAuthenticated, CanViewReports]

    @extend_schema(responses={200: PayoutBatchSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        batch = payout_batch_get(batch_id=pk, user=request.user)
        body = PayoutBatchSerializer(batch).data
        body["lines"] = PayoutLineSerializer(batch.lines.order_by("pk"), many=True).data
        return Response(body)


class PayoutApproveSerializer(serializers.Serializer):
    confirm_recent_accounts = serializers.BooleanField(
        default=False,
        help_text="Required (true) when a line pays to a refund account changed within the hold period.",
    )


class PayoutApproveView(APIView):
    """The second treasurer approves (never the one who prepared it)."""

    permission_classes = [IsAuthenticated, CanApprovePayouts]

    @extend_schema(request=PayoutApproveSerializer, responses={200: PayoutBatchSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        step_up_require(request)  # a fresh second factor (accounts/sessions.py)
        payload = PayoutApproveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        batch = payout_approve(
            batch=payout_batch_get(batch_id=pk, user=request.user),
            by=request.user,
            confirm_recent_accounts=payload.validated_data["confirm_recent_accounts"],
        )
        return Response(PayoutBatchSerializer(batch).data)


class PayoutCancelView(APIView):
    permission_classes = [IsAuthenticated, CanManagePayments]

    @extend_schema(request=None, responses={200: PayoutBatchSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        batch = payout_cancel(batch=payout_batch_get(batch_id=pk, user=request.user), by=request.user)
        return Response(PayoutBatchSerializer(batch).data)


class PayoutExportSerializer(serializers.Serializer):
    file_format = serializers.ChoiceField(choices=[("csv", "CSV"), ("pain001", "pain.001")], default="csv")
    confirm_repeat = serializers.BooleanField(
        default=False,
        help_text="Required (true) to export a list already exported once, in any format: a second file "
        "sent to the bank pays everyone again. Without it the answer is 409 payout_already_exported.",
    )


class PayoutExportView(APIView):
    """The payment order file for the bank: only for an approved list."""

    permission_classes = [IsAuthenticated, CanManagePayments]

    @extend_schema(
        request=PayoutExportSerializer,
        responses={
            **{(200, media_type): OpenApiTypes.BINARY for media_type in PAYMENT_ORDER_MEDIA_TYPES.values()},
            **ERRORS,
        },
    )
    def post(self, request: Request, pk: int) -> Any:
        from django.http import HttpResponse

        step_up_require(request)  # a fresh second factor (accounts/sessions.py)
        payload = PayoutExportSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        content, content_type, filename = payout_export(
            batch=payout_batch_get(batch_id=pk, user=request.user),
            by=request.user,
            file_format=payload.validated_data["file_format"],
            confirm_repeat=payload.validated_data["confirm_repeat"],
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
