"""Payments received: the unmatched queue, matching to pledges, reversing a match, finding pledges to match."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import KronorField, OreAsKronorField
from api.treasury.common import ERRORS, CanManagePayments, CanViewReports
from pools.models import PaymentAllocation, PaymentStatus
from treasury.selectors import (
    allocation_get_treasury,
    allocation_list_for_payment,
    payment_get_treasury,
    payment_list_treasury,
    pledge_search_for_matching,
    pledges_for_manual_match,
    treasurer_community_ids,
)
from treasury.services import (
    allocation_undo,
    payment_match_manual,
)
from treasury.suggestions import Suggestion, payment_suggestions


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
            user=self.request.user,
        )


class PaymentDetailView(APIView):
    permission_classes = [IsAuthenticated, CanViewReports]

    @extend_schema(responses={200: TreasuryPaymentSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        payment = payment_get_treasury(payment_id=pk, user=request.user)
        body = TreasuryPaymentSerializer(payment).data
        body["allocations"] = AllocationSerializer(
            allocation_list_for_payment(payment=payment, user=request.user), many=True
        ).data
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
        payment = payment_get_treasury(payment_id=pk, user=request.user)  # another community's: 404 before the body
        payload = MatchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        wanted = payload.validated_data["parts"]
        pledges = pledges_for_manual_match(pledge_ids=[part["pledge"] for part in wanted], user=request.user)
        if pledges is None:
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
        allocation = allocation_get_treasury(allocation_id=pk, user=request.user)
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
        rows = pledge_search_for_matching(
            q=params.validated_data["q"], amount_ore=params.validated_data.get("amount"), user=request.user
        )
        return Response(PledgeMatchSerializer(rows, many=True).data)


class SuggestionSerializer(serializers.Serializer):
    """One candidate pledge for an unmatched payment, with the evidence (best first)."""

    rank = serializers.IntegerField(help_text="1 for the best candidate.")
    score = serializers.IntegerField(help_text="The points the evidence adds up to (see treasury/suggestions.py).")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Why, in the caller's language.")
    owed = OreAsKronorField(source="owed_ore")
    match_amount = OreAsKronorField(
        source="match_ore", help_text="What one click matches: what is owed, at most what is left of the payment."
    )
    pledge = PledgeMatchSerializer()


class SuggestionsSerializer(serializers.Serializer):
    """At most three suggestions (not a list that pages): the payment and its ranked candidates."""

    payment_id = serializers.IntegerField()
    suggestions = SuggestionSerializer(many=True)


def _suggestion_rows(suggestions: list[Suggestion]) -> list[dict[str, Any]]:
    rows = []
    for rank, suggestion in enumerate(suggestions, start=1):
        pledge = suggestion.pledge
        pledge.received_ore = int(pledge.amount_ore or 0) - suggestion.owed_ore  # type: ignore[attr-defined]
        rows.append(
            {
                "rank": rank,
                "score": suggestion.score,
                "reasons": suggestion.reasons,
                "owed_ore": suggestion.owed_ore,
                "match_ore": suggestion.match_ore,
                "pledge": pledge,
            }
        )
    return rows


class PaymentSuggestionsView(APIView):
    """Up to three ranked pledges an unmatched payment probably belongs to, each with its reasons
    (empty for a payment that is matched already)."""

    permission_classes = [IsAuthenticated, CanViewReports]

    @extend_schema(responses={200: SuggestionsSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        payment = payment_get_treasury(payment_id=pk, user=request.user)
        found = (
            payment_suggestions(payment=payment, community_ids=treasurer_community_ids(request.user))
            if payment.status == PaymentStatus.UNMATCHED
            else []
        )
        return Response(
            {"payment_id": payment.pk, "suggestions": SuggestionSerializer(_suggestion_rows(found), many=True).data}
        )


class SuggestionMatchSerializer(serializers.Serializer):
    pledge = serializers.IntegerField(min_value=1, max_value=2**62, help_text="One of the suggested pledges.")


class PaymentSuggestionMatchView(APIView):
    """Match the payment to one of its current suggestions in one step: the suggested amount, with the reasons
    in the match's note and the usual audit record. A pledge that is not (or no longer) suggested answers 400."""

    permission_classes = [IsAuthenticated, CanManagePayments]

    @extend_schema(request=SuggestionMatchSerializer, responses={201: AllocationSerializer(many=True), **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        payment = payment_get_treasury(payment_id=pk, user=request.user)  # another community's: 404 before the body
        payload = SuggestionMatchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        wanted = payload.validated_data["pledge"]
        suggestions = (
            payment_suggestions(payment=payment, community_ids=treasurer_community_ids(request.user))
            if payment.status == PaymentStatus.UNMATCHED
            else []
        )
        chosen = next((s for s in suggestions if s.pledge.pk == wanted), None)
        if chosen is None or chosen.match_ore <= 0:
            return Response(
                {"pledge": [str(_("That pledge is not suggested for this payment."))], "code": "match_error"},
                status=400,
            )
        note = f"{_('Matched from a suggestion')}: {'; '.join(chosen.reasons)}"[:200]
        rows = payment_match_manual(
            payment=payment, parts=[(chosen.pledge, chosen.match_ore)], by=request.user, note=note
        )
        return Response(AllocationSerializer(rows, many=True).data, status=201)
