"""Bank files: upload, list and the lines of one file."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import OreAsKronorField
from api.treasury.common import ERRORS, CanManagePayments, CanViewReports
from treasury.models import (
    BankFile,
    BankFileLine,
)
from treasury.selectors import (
    bankfile_get,
    bankfile_list,
)
from treasury.services import (
    bankfile_import,
)


class BankFileSerializer(serializers.ModelSerializer):
    payment_total = OreAsKronorField(source="payment_total_ore")
    deduction_total = OreAsKronorField(source="deduction_total_ore")
    net_total = OreAsKronorField(source="net_total_ore")
    imported_by = serializers.CharField(source="imported_by.email", read_only=True)
    percent_done = serializers.IntegerField(read_only=True)

    class Meta:
        model = BankFile
        fields = [
            "id",
            "sha256",
            "identity",
            "version",
            "format",
            "original_name",
            "size_bytes",
            "payee_account",
            "payment_count",
            "payment_total",
            "deduction_count",
            "deduction_total",
            "net_total",
            "status",
            "processed",
            "total",
            "percent_done",
            "payments_created",
            "matched_count",
            "unmatched_count",
            "underpaid_count",
            "overpaid_count",
            "skipped_count",
            "returned_count",
            "exception_count",
            "error",
            "imported_by",
            "imported_at",
            "finished_at",
        ]
        read_only_fields = fields


class BankFileLineSerializer(serializers.ModelSerializer):
    amount = OreAsKronorField(source="amount_ore")

    class Meta:
        model = BankFileLine
        fields = [
            "position",
            "payment_id",
            "is_deduction",
            "amount",
            "booked_on",
            "reference",
            "payer_name",
            "outcome",
            "detail",
            "entry_key",
            "reversed_payment_id",
            "needs_attention",
        ]
        read_only_fields = fields


class BankFileUploadSerializer(serializers.Serializer):
    file = serializers.FileField(max_length=255, allow_empty_file=False)


class BankFileListView(APIView):
    """List imported bank files, or upload one (BgMax or camt.053/054)."""

    parser_classes = [MultiPartParser, FormParser]

    def get_permissions(self) -> list[BasePermission]:
        return [IsAuthenticated(), (CanManagePayments if self.request.method == "POST" else CanViewReports)()]

    @extend_schema(responses={200: BankFileSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        rows = bankfile_list(user=request.user)[:200]
        return Response(BankFileSerializer(rows, many=True).data)

    @extend_schema(
        request=BankFileUploadSerializer, responses={201: BankFileSerializer, 202: BankFileSerializer, **ERRORS}
    )
    def post(self, request: Request) -> Response:
        payload = BankFileUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        from django.conf import settings

        if upload.size > settings.TREASURY_MAX_UPLOAD_BYTES:
            return Response({"file": [str(_("The file is too large."))], "code": "bank_file_refused"}, status=400)
        bank_file = bankfile_import(file=upload, filename=upload.name, by=request.user)
        code = status.HTTP_201_CREATED if bank_file.is_finished else status.HTTP_202_ACCEPTED
        return Response(BankFileSerializer(bank_file).data, status=code)


class BankFileDetailView(APIView):
    """One bank file: its figures, progress and lines."""

    permission_classes = [IsAuthenticated, CanViewReports]

    @extend_schema(responses={200: BankFileSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        bank_file = bankfile_get(bank_file_id=pk, user=request.user)
        body = BankFileSerializer(bank_file).data
        body["lines"] = BankFileLineSerializer(bank_file.lines.order_by("position")[:2000], many=True).data
        return Response(body)
