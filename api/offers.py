"""Regulated offers: a pool's offer and key information sheet, the caller's knowledge test and loss simulation,
revoking a pledge in its reflection period, and the caller's yearly statements.

A pledge to a regulated offer goes through POST /api/pools/{id}/pledges/ with `risk_consent` above the limit
(api/pledges.py); without it the answer is 400 with code `risk_consent_required`.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import translation
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import KronorField, OreAsKronorField
from pools.models import Pool
from pools.money import ore_to_string
from pools.offers.models import (
    InvestorAssessment,
    KeyInfoSheet,
    LenderPayment,
    LenderPaymentKind,
    SheetSection,
    SheetStatus,
)
from pools.offers.questions import QUESTIONS
from pools.offers.selectors import (
    assessment_valid,
    consent_limit_ore,
    lender_payment_list,
    loss_reference_ore,
    pool_get_for_lender_payments,
    pool_get_for_offer_writer,
    pool_is_regulated,
    pool_offer_get,
    sheet_current,
    sheet_get_for_approval,
    sheet_list,
    statement_list_for_saver,
)
from pools.offers.services import (
    assessment_record,
    lender_payment_record,
    pledge_interest_confirm,
    pledge_revoke,
    sheet_approve,
    sheet_write,
)
from pools.offers.warning import WARNING_TEXT
from pools.selectors import pledge_get_for_saver, pool_get_public


class SheetSectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    text = serializers.CharField()


class OfferSerializer(serializers.Serializer):
    """Whether the crowdfunding steps apply to the pool, and its approved sheet in the caller's language."""

    is_regulated = serializers.BooleanField()
    instrument = serializers.CharField(allow_null=True)
    interest_rate_bp = serializers.IntegerField(allow_null=True)
    sheet_version = serializers.IntegerField(allow_null=True)
    warning = serializers.CharField(allow_null=True)
    sections = SheetSectionSerializer(many=True)
    consent_limit = OreAsKronorField(
        source="consent_limit_ore", allow_null=True, help_text="Above this the caller must send risk_consent."
    )
    has_valid_assessment = serializers.BooleanField()


class OfferView(APIView):
    """A pool's offer: regulated or not, and the key investment information sheet in force."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: OfferSerializer, 404: OpenApiResponse(description="No such public pool")})
    def get(self, request: Request, pk: int) -> Response:
        pool = pool_get_public(pool_id=pk)
        offer = pool_offer_get(pool=pool)
        regulated = pool_is_regulated(pool=pool)
        sheet = sheet_current(pool=pool) if regulated else None
        language = "en" if (translation.get_language() or "sv").startswith("en") else "sv"
        assessment = assessment_valid(saver=request.user) if request.user.is_authenticated else None
        body: dict[str, Any] = {
            "is_regulated": regulated,
            "instrument": offer.instrument if offer else None,
            "interest_rate_bp": offer.interest_rate_bp if offer else None,
            "sheet_version": sheet.version if sheet else None,
            "warning": str(WARNING_TEXT) if regulated else None,
            "sections": [
                {"key": s.value, "title": str(s.label), "text": sheet.section(language, s.value)} for s in SheetSection
            ]
            if sheet
            else [],
            "consent_limit_ore": consent_limit_ore(net_worth_ore=assessment.net_worth_ore) if assessment else None,
            "has_valid_assessment": assessment is not None,
        }
        return Response(OfferSerializer(body).data)


class AssessmentInSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.CharField(max_length=40),
        help_text="Question key -> chosen answer key: " + ", ".join(q.key for q in QUESTIONS),
    )
    net_worth = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, max_value=10**10)
    loss_acknowledged = serializers.BooleanField()
    warning_acknowledged = serializers.BooleanField(required=False, default=False)


class AssessmentSerializer(serializers.ModelSerializer):
    net_worth = OreAsKronorField(source="net_worth_ore")
    loss_reference = serializers.SerializerMethodField()
    consent_limit = serializers.SerializerMethodField()

    class Meta:
        model = InvestorAssessment
        fields = ["id", "taken_at", "score", "question_count", "passed", "warning_acknowledged", "net_worth"]
        fields += ["loss_reference", "consent_limit"]
        read_only_fields = fields

    def get_loss_reference(self, assessment: InvestorAssessment) -> str:
        """10 % of the declared net worth, in kronor."""
        return ore_to_string(loss_reference_ore(net_worth_ore=assessment.net_worth_ore))

    def get_consent_limit(self, assessment: InvestorAssessment) -> str:
        """Above this amount a regulated pledge needs risk_consent, in kronor."""
        return ore_to_string(consent_limit_ore(net_worth_ore=assessment.net_worth_ore))


class MyAssessmentView(APIView):
    """The caller's knowledge test and loss simulation: the valid one (404 when none), or a new one."""

    @extend_schema(responses={200: AssessmentSerializer, 404: OpenApiResponse(description="None in two years")})
    def get(self, request: Request) -> Response:
        assessment = assessment_valid(saver=request.user)  # type: ignore[arg-type]
        if assessment is None:
            return Response({"detail": "No valid assessment.", "code": "not_found"}, status=404)
        return Response(AssessmentSerializer(assessment).data)

    @extend_schema(
        request=AssessmentInSerializer,
        responses={201: AssessmentSerializer, 400: OpenApiResponse(description="Invalid or warning not acknowledged")},
    )
    def post(self, request: Request) -> Response:
        payload = AssessmentInSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        assessment = assessment_record(
            saver=request.user,  # type: ignore[arg-type]
            answers=dict(data["answers"]),
            net_worth_ore=int(data["net_worth"] * 100),
            loss_acknowledged=data["loss_acknowledged"],
            warning_acknowledged=data["warning_acknowledged"],
        )
        return Response(AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)


class PledgeRevokeView(APIView):
    """Revoke one of the caller's regulated pledges within its four-day reflection period."""

    @extend_schema(request=None, responses={200: OpenApiResponse(description="Revoked"), 409: OpenApiResponse()})
    def post(self, request: Request, pk: int) -> Response:
        from api.pledges import PledgeSerializer

        pledge = pledge_get_for_saver(saver=request.user, pledge_id=pk)  # type: ignore[arg-type]  # IsAuthenticated
        pledge = pledge_revoke(pledge=pledge, by=request.user)  # type: ignore[arg-type]  # IsAuthenticated
        return Response(PledgeSerializer(pledge).data)


class YearlyStatementSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    figures = serializers.JSONField()
    pdf_url = serializers.CharField()


class MyStatementListView(APIView):
    """The caller's yearly statements (figures in öre); the PDF is on the pdf_url page."""

    @extend_schema(responses={200: YearlyStatementSerializer(many=True)})
    def get(self, request: Request) -> Response:
        rows = [
            {
                "year": s.year,
                "created_at": s.created_at,
                "figures": s.figures,
                "pdf_url": f"/my/statements/{s.year}.pdf",
            }
            for s in statement_list_for_saver(saver=request.user)  # type: ignore[arg-type]
        ]
        return Response(YearlyStatementSerializer(rows, many=True).data)


class SheetContentField(serializers.DictField):
    """Language ("sv", "en") -> section key -> text; sheet_write checks every section is filled in."""

    child = serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=6000))


class SheetInSerializer(serializers.Serializer):
    content = SheetContentField(
        help_text="Language (sv, en) -> section (" + ", ".join(SheetSection.values) + ") -> text"
    )


class SheetVersionSerializer(serializers.ModelSerializer):
    """One version of a pool's key information sheet, with who wrote and approved it."""

    written_by = serializers.IntegerField(source="written_by_id")
    approved_by = serializers.IntegerField(source="approved_by_id", allow_null=True)
    second_approved_by = serializers.IntegerField(source="second_approved_by_id", allow_null=True)
    needs_second_approval = serializers.SerializerMethodField()

    class Meta:
        model = KeyInfoSheet
        fields = ["id", "pool", "version", "status", "content", "written_by", "approved_by"]
        fields += ["second_approved_by", "approved_at", "created_at", "needs_second_approval"]
        read_only_fields = fields

    def get_needs_second_approval(self, sheet: KeyInfoSheet) -> bool:
        """A draft its owner approved: it waits for a second organiser."""
        return sheet.status == SheetStatus.DRAFT and sheet.approved_by_id is not None


def _writer_pool_or_404(request: Request, pool_id: int) -> Pool:
    pool = pool_get_for_offer_writer(user=request.user, pool_id=pool_id)  # type: ignore[arg-type]
    if pool is None:
        raise Http404
    return pool


class PoolSheetListView(APIView):
    """Every version of a pool's key information sheet (its owner and organisers); POST writes a new draft."""

    @extend_schema(responses={200: SheetVersionSerializer(many=True), 404: OpenApiResponse()})
    def get(self, request: Request, pk: int) -> Response:
        pool = _writer_pool_or_404(request, pk)
        return Response(SheetVersionSerializer(sheet_list(pool=pool), many=True).data)

    @extend_schema(
        request=SheetInSerializer,
        responses={201: SheetVersionSerializer, 400: OpenApiResponse(description="A section missing or too long")},
    )
    def post(self, request: Request, pk: int) -> Response:
        pool = _writer_pool_or_404(request, pk)
        payload = SheetInSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        sheet = sheet_write(pool=pool, by=request.user, content=payload.validated_data["content"])  # type: ignore[arg-type]
        return Response(SheetVersionSerializer(sheet).data, status=status.HTTP_201_CREATED)


class SheetApproveView(APIView):
    """An organiser approves a sheet version; when the organiser owns the pool, a second organiser must too."""

    @extend_schema(
        request=None,
        responses={
            200: SheetVersionSerializer,
            404: OpenApiResponse(description="No such sheet, or not an organiser"),
            409: OpenApiResponse(description="Not a draft, or the same organiser approving twice"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        sheet = sheet_get_for_approval(user=request.user, sheet_id=pk)  # type: ignore[arg-type]
        sheet = sheet_approve(sheet=sheet, by=request.user)  # type: ignore[arg-type]
        return Response(SheetVersionSerializer(sheet).data)


class LenderPaymentInSerializer(serializers.Serializer):
    pledge = serializers.IntegerField(min_value=1, help_text="The lender's pledge (a loan, or a share for dividends)")
    kind = serializers.ChoiceField(choices=LenderPaymentKind.choices)
    amount = KronorField(help_text="Kronor paid to the lender, like 1234.50")
    paid_on = serializers.DateField()
    is_reversal = serializers.BooleanField(
        required=False, default=False, help_text="Reverse an earlier entry: the amount is recorded negative"
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class LenderPaymentSerializer(serializers.ModelSerializer):
    amount = OreAsKronorField(source="amount_ore")
    lender = serializers.CharField(source="pledge.pledger_name")
    recorded_by = serializers.IntegerField(source="recorded_by_id")

    class Meta:
        model = LenderPayment
        fields = ["id", "pool", "pledge", "lender", "kind", "amount", "paid_on", "note", "recorded_by", "created_at"]
        read_only_fields = fields


class PoolLenderPaymentListView(APIView):
    """Interest, repayments and dividends a project or fund paid its lenders, as its owner or a treasurer
    recorded them (the platform moves no money); they feed the per-lender CSV and the savers' statements."""

    def _pool(self, request: Request, pk: int) -> Pool:
        pool = pool_get_for_lender_payments(user=request.user, pool_id=pk)  # type: ignore[arg-type]
        if pool is None:
            raise Http404
        return pool

    @extend_schema(responses={200: LenderPaymentSerializer(many=True), 404: OpenApiResponse()})
    def get(self, request: Request, pk: int) -> Response:
        pool = self._pool(request, pk)
        return Response(LenderPaymentSerializer(lender_payment_list(pool=pool), many=True).data)

    @extend_schema(
        request=LenderPaymentInSerializer,
        responses={201: LenderPaymentSerializer, 400: OpenApiResponse(description="Invalid payment")},
    )
    def post(self, request: Request, pk: int) -> Response:
        pool = self._pool(request, pk)
        payload = LenderPaymentInSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        row = lender_payment_record(
            pool=pool,
            by=request.user,  # type: ignore[arg-type]
            pledge_id=data["pledge"],
            kind=data["kind"],
            amount_ore=-data["amount"] if data["is_reversal"] else data["amount"],
            paid_on=data["paid_on"],
            note=data["note"],
        )
        return Response(LenderPaymentSerializer(row).data, status=status.HTTP_201_CREATED)


class InterestConfirmInSerializer(serializers.Serializer):
    risk_consent = serializers.BooleanField(
        required=False, default=False, help_text="Required above the consent limit: you may lose the whole amount"
    )


class PledgeInterestConfirmView(APIView):
    """Confirm one of the caller's fair-card expressions of interest in a regulated offer, through the same
    steps as an online pledge (approved sheet, valid assessment, consent above the limit)."""

    @extend_schema(
        request=InterestConfirmInSerializer,
        responses={
            200: OpenApiResponse(description="Confirmed: the pledge, now counted, in its reflection period"),
            400: OpenApiResponse(description="Assessment or risk consent missing"),
            409: OpenApiResponse(description="Not an expression of interest, or the pool is closed"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        from api.pledges import PledgeSerializer

        payload = InterestConfirmInSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        pledge = pledge_get_for_saver(saver=request.user, pledge_id=pk)  # type: ignore[arg-type]  # IsAuthenticated
        pledge = pledge_interest_confirm(
            pledge=pledge,
            by=request.user,  # type: ignore[arg-type]
            risk_consent=payload.validated_data["risk_consent"],
        )
        return Response(PledgeSerializer(pledge).data)
