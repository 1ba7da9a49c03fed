"""Treasury API: bank files, the unmatched queue and matching, reports with exports, payouts, audit trail.

Only treasurers: reading needs pools.view_reports, matching and imports pools.manage_payments,
approving pools.approve_payouts. Everyone else gets 403 (anonymous 401/403).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.sessions import step_up_require
from api.fields import KronorField, OreAsKronorField
from api.schema import error_responses
from pools.models import PaymentAllocation, PaymentStatus, Pledge
from pools.money import ore_to_string
from treasury.exports import EXPORT_FORMATS, EXPORT_MEDIA_TYPES, report_http_response
from treasury.models import (
    AuditAction,
    AuditEvent,
    BankFile,
    BankFileLine,
    PayeeAccountSource,
    PayoutBatch,
    PayoutKind,
    PayoutLine,
)
from treasury.reports import REPORT_KINDS, report_build, report_params
from treasury.selectors import (
    allocation_list_for_payment,
    audit_event_list,
    bankfile_get,
    bankfile_list,
    payment_get_treasury,
    payment_list_treasury,
    payout_batch_get,
    payout_batch_list,
    payout_candidates,
    pledge_search_for_matching,
)
from treasury.services import (
    PAYMENT_ORDER_MEDIA_TYPES,
    allocation_undo,
    bankfile_import,
    payment_match_manual,
    payout_approve,
    payout_cancel,
    payout_export,
    payout_prepare,
)

ERRORS = error_responses(400, 403, 404, 409)


def _perm(codename: str) -> type[BasePermission]:
    class HasPermission(BasePermission):
        message = _("Only treasurers may do this.")

        def has_permission(self, request: Request, view: Any) -> bool:
            return bool(request.user and request.user.is_authenticated and request.user.has_perm(codename))

    HasPermission.__name__ = f"Has_{codename.replace('.', '_')}"
    return HasPermission


CanViewReports = _perm("pools.view_reports")
CanManagePayments = _perm("pools.manage_payments")
CanApprovePayouts = _perm("pools.approve_payouts")


# ---------------------------------------------------------------- bank files


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
        rows = bankfile_list()[:200]
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
        bank_file = bankfile_import(content=upload.read(), filename=upload.name, by=request.user)
        code = status.HTTP_201_CREATED if bank_file.is_finished else status.HTTP_202_ACCEPTED
        return Response(BankFileSerializer(bank_file).data, status=code)


class BankFileDetailView(APIView):
    """One bank file: its figures, progress and lines."""

    permission_classes = [IsAuthenticated, CanViewReports]

    @extend_schema(responses={200: BankFileSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        bank_file = bankfile_get(bank_file_id=pk)
        body = BankFileSerializer(bank_file).data
        body["lines"] = BankFileLineSerializer(bank_file.lines.order_by("position")[:2000], many=True).data
        return Response(body)


# ---------------------------------------------------------------- payments and matching


class AllocationSerializer(serializers.ModelSerializer):
    amount = OreAsKronorField(source="amount_ore")
    created_by = serializers.CharField(source="created_by.email", read_only=True, allow_null=True, default=None)
    pool_id = serializers.IntegerField(source="pledge.pool_id", read_only=True)

    class Meta:
        model = PaymentAllocation
        fields = [
            "id",
            "payment_id",
            "pledge_id",
            "pool_id",
            "amount",
            "reverses_id",
            "created_by",
            "created_at",
            "note",
        ]
        read_only_fields = fields


class TreasuryPaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = OreAsKronorField(source="amount_ore")
    allocated = OreAsKronorField(source="allocated_ore")
    unallocated = OreAsKronorField(source="unallocated_ore")
    received_on = serializers.DateField()
    channel = serializers.CharField()
    status = serializers.CharField()
    reference = serializers.CharField()
    payer_name = serializers.CharField()
    payer_account = serializers.CharField(help_text="The account the money came from, when the bank file names it.")
    bank_reference = serializers.CharField()
    created_at = serializers.DateTimeField()


class PaymentSearchSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PaymentStatus.choices, required=False)
    q = serializers.CharField(max_length=200, required=False, allow_blank=True)
    amount = KronorField(required=False)
    received_from = serializers.DateField(required=False)
    received_to = serializers.DateField(required=False)


class PaymentListView(generics.ListAPIView):
    """Payments for treasurers (default: the unmatched queue), searchable by name, amount and date."""

    permission_classes = [IsAuthenticated, CanViewReports]
    serializer_class = TreasuryPaymentSerializer
    filter_backends: list = []

    @extend_schema(
        parameters=[PaymentSearchSerializer], responses={200: TreasuryPaymentSerializer(many=True), **ERRORS}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        params = PaymentSearchSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        return payment_list_treasury(
            status=data.get("status", PaymentStatus.UNMATCHED),
            q=data.get("q", ""),
            amount_ore=data.get("amount"),
            received_from=data.get("received_from"),
            received_to=data.get("received_to"),
        )


class PaymentDetailView(APIView):
    permission_classes = [IsAuthenticated, CanViewReports]

    @extend_schema(responses={200: TreasuryPaymentSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        payment = payment_get_treasury(payment_id=pk)
        body = TreasuryPaymentSerializer(payment).data
        body["allocations"] = AllocationSerializer(allocation_list_for_payment(payment=payment), many=True).data
        return Response(body)


class MatchPartSerializer(serializers.Serializer):
    pledge = serializers.IntegerField(min_value=1, max_value=2**62)
    amount = KronorField()


class MatchSerializer(serializers.Serializer):
    parts = MatchPartSerializer(many=True, allow_empty=False, max_length=50)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PaymentMatchView(APIView):
    """Match a payment by hand to one pledge, or split it over several."""

    permission_classes = [IsAuthenticated, CanManagePayments]

    @extend_schema(request=MatchSerializer, responses={201: AllocationSerializer(many=True), **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        payload = MatchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        payment = payment_get_treasury(payment_id=pk)
        wanted = payload.validated_data["parts"]
        pledges = {p.pk: p for p in Pledge.objects.filter(pk__in=[part["pledge"] for part in wanted])}
        missing = [part["pledge"] for part in wanted if part["pledge"] not in pledges]
        if missing:
            return Response({"parts": [str(_("No such pledge."))], "code": "match_error"}, status=400)
        rows = payment_match_manual(
            payment=payment,
            parts=[(pledges[part["pledge"]], part["amount"]) for part in wanted],
            by=request.user,
            note=payload.validated_data["note"],
        )
        return Response(AllocationSerializer(rows, many=True).data, status=201)


class ReverseSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AllocationReverseView(APIView):
    """Undo a match: a negative row is added; nothing is deleted."""

    permission_classes = [IsAuthenticated, CanManagePayments]

    @extend_schema(request=ReverseSerializer, responses={201: AllocationSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        payload = ReverseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            allocation = PaymentAllocation.objects.get(pk=pk)
        except PaymentAllocation.DoesNotExist as exc:
            raise Http404 from exc
        reversal = allocation_undo(allocation=allocation, by=request.user, note=payload.validated_data["note"])
        return Response(AllocationSerializer(reversal).data, status=201)


class PledgeMatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pool_id = serializers.IntegerField()
    pool = serializers.CharField(source="pool.title")
    pledger = serializers.CharField(source="pledger_name")
    ocr_reference = serializers.CharField()
    amount = OreAsKronorField(source="amount_ore")
    received = OreAsKronorField(source="received_ore")
    status = serializers.CharField()


class PledgeSearchSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    amount = KronorField(required=False)


class PledgeSearchView(APIView):
    """Money pledges to match a payment to, by name, e-mail, reference, pool or amount."""

    permission_classes = [IsAuthenticated, CanManagePayments]

    @extend_schema(parameters=[PledgeSearchSerializer], responses={200: PledgeMatchSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        params = PledgeSearchSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        rows = pledge_search_for_matching(q=params.validated_data["q"], amount_ore=params.validated_data.get("amount"))
        return Response(PledgeMatchSerializer(rows, many=True).data)


# ---------------------------------------------------------------- reports


class ReportQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    pool = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    export = serializers.ChoiceField(choices=[(f, f) for f in EXPORT_FORMATS], required=False)


def _json_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "money":
        return ore_to_string(int(value))
    if kind == "date":
        return value.isoformat()
    if kind == "percent":
        return f"{value:.1f}"
    return value


class ReportView(APIView):
    """A report as of any date and for any period; `export=csv|xlsx|pdf` answers with the file."""

    permission_classes = [IsAuthenticated, CanViewReports]

    @extend_schema(
        parameters=[ReportQuerySerializer, OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=REPORT_KINDS)],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            **{(200, media_type): OpenApiTypes.BINARY for media_type in EXPORT_MEDIA_TYPES.values()},
            **ERRORS,
        },
    )
    def get(self, request: Request, kind: str) -> Any:
        if kind not in REPORT_KINDS:
            raise Http404
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        params = report_params(as_of=data.get("as_of"), date_from=data.get("date_from"), date_to=data.get("date_to"))
        report = report_build(kind=kind, params=params, pool_id=data.get("pool"))
        if data.get("export"):
            return report_http_response(report, data["export"], language=translation.get_language() or "sv")
        columns = report.columns
        rows = [{c.key: _json_value(c.kind, row.get(c.key)) for c in columns} for row in report.rows]
        money_keys = {c.key for c in columns if c.kind == "money"}
        totals = {
            k: (ore_to_string(v) if k in money_keys or k.endswith("_ore") else v) for k, v in report.totals.items()
        }
        return Response(
            {
                "kind": kind,
                "title": str(report.title),
                "as_of": params.as_of.isoformat(),
                "date_from": params.date_from.isoformat() if params.date_from else None,
                "date_to": params.date_to.isoformat() if params.date_to else None,
                "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in columns],
                "rows": rows,
                "totals": totals,
                "monthly": [
                    {
                        "month": m["month"],
                        "received": ore_to_string(m["received_ore"]),
                        "cumulative": ore_to_string(m["cumulative_ore"]),
                    }
                    for m in report.monthly
                ],
            }
        )


# ---------------------------------------------------------------- payouts


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
            PayoutCandidateSerializer(payout_candidates(kind=params.validated_data["kind"]), many=True).data
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
        return Response(PayoutBatchSerializer(payout_batch_list()[:200], many=True).data)

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
        batch = payout_batch_get(batch_id=pk)
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
            batch=payout_batch_get(batch_id=pk),
            by=request.user,
            confirm_recent_accounts=payload.validated_data["confirm_recent_accounts"],
        )
        return Response(PayoutBatchSerializer(batch).data)


class PayoutCancelView(APIView):
    permission_classes = [IsAuthenticated, CanManagePayments]

    @extend_schema(request=None, responses={200: PayoutBatchSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        batch = payout_cancel(batch=payout_batch_get(batch_id=pk), by=request.user)
        return Response(PayoutBatchSerializer(batch).data)


class PayoutExportSerializer(serializers.Serializer):
    file_format = serializers.ChoiceField(choices=[("csv", "CSV"), ("pain001", "pain.001")], default="csv")


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
            batch=payout_batch_get(batch_id=pk), by=request.user, file_format=payload.validated_data["file_format"]
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


# ---------------------------------------------------------------- audit trail


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.email", read_only=True, allow_null=True, default=None)

    class Meta:
        model = AuditEvent
        fields = ["id", "table_name", "row_id", "action", "before", "after", "actor_id", "actor", "at"]
        read_only_fields = fields


class AuditQuerySerializer(serializers.Serializer):
    table = serializers.ChoiceField(
        choices=[
            (t, t)
            for t in (
                "pools_pledge",
                "pools_payment",
                "pools_paymentallocation",
                "pools_pool",
                "treasury_payoutbatch",
                "treasury_payoutline",
            )
        ],
        required=False,
    )
    row_id = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    actor = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    action = serializers.ChoiceField(choices=AuditAction.choices, required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)


class AuditEventListView(generics.ListAPIView):
    """Every change to money records and statuses: who, when, before, after."""

    permission_classes = [IsAuthenticated, CanViewReports]
    serializer_class = AuditEventSerializer
    filter_backends: list = []

    @extend_schema(parameters=[AuditQuerySerializer], responses={200: AuditEventSerializer(many=True), **ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        params = AuditQuerySerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        return audit_event_list(
            table=data.get("table", ""),
            row_id=data.get("row_id"),
            actor_id=data.get("actor"),
            action=data.get("action", ""),
            at_from=data.get("date_from"),
            at_to=data.get("date_to"),
        )
