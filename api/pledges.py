"""Pledges: create (idempotent with an Idempotency-Key header), list, detail, change and withdraw.

A saver only ever sees their own pledges: every queryset comes from pools.selectors scoped to the user,
so another saver's pledge answers 404.
"""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import KronorField, OreAsKronorField
from api.pagination import CreatedCursorPagination
from api.serializers import FastRepresentationMixin
from api.throttling import SafeScopedRateThrottle
from pools.models import Pledge, PledgeKind
from pools.money import ore_to_string
from pools.paycodes import pledge_pay_codes, pool_payment_bankgiro
from pools.selectors import (
    pledge_allocations_for_saver,
    pledge_due,
    pledge_get_for_saver,
    pledge_list_for_saver_with_received,
    pool_get_public,
)
from pools.services import (
    MAX_MONTHS,
    MAX_QUANTITY,
    MAX_SHARES,
    pledge_change,
    pledge_create,
    pledge_create_idempotent,
    pledge_received_ore,
    pledge_withdraw,
)

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:\-]{1,100}$")

ERROR_RESPONSES = {
    400: OpenApiResponse(description="Invalid input: `{field: [message], code}`"),
    404: OpenApiResponse(description="No such pool or pledge (or not yours)"),
    409: OpenApiResponse(description="Refused by the pool's state or limits, or a reused Idempotency-Key"),
}


class PledgeCreateSerializer(serializers.Serializer):
    """Shape only; the pool's rules are the service's."""

    kind = serializers.ChoiceField(choices=PledgeKind.choices)
    amount = KronorField(required=False)
    monthly_amount = KronorField(required=False)
    months = serializers.IntegerField(min_value=1, max_value=MAX_MONTHS, required=False)
    term_months = serializers.IntegerField(min_value=1, max_value=MAX_MONTHS, required=False)
    share_count = serializers.IntegerField(min_value=1, max_value=MAX_SHARES, required=False)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    quantity = serializers.DecimalField(
        max_digits=9, decimal_places=2, min_value=Decimal("0.01"), max_value=MAX_QUANTITY, required=False
    )
    unit = serializers.CharField(max_length=30, required=False, allow_blank=True)
    currency = serializers.CharField(max_length=3, required=False, default="SEK")
    is_name_public = serializers.BooleanField(required=False, default=False)
    may_contact = serializers.BooleanField(required=False, default=True)
    risk_consent = serializers.BooleanField(
        required=False,
        default=False,
        help_text="A loan or shares to a regulated offer above the caller's limit needs true (see /offer/).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = set(self.initial_data) - set(self.fields) if isinstance(self.initial_data, dict) else set()
        if unknown:
            raise ValidationError({name: [_("Unknown or read-only field.")] for name in sorted(unknown)})
        if attrs.get("monthly_amount") is not None and attrs.get("months") is None:
            raise ValidationError({"months": [_("Give the number of months.")]})
        return attrs

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        names = {"amount": "amount_ore", "monthly_amount": "monthly_ore"}
        return {names.get(k, k): v for k, v in data.items()}


class PledgeChangeSerializer(serializers.Serializer):
    amount = KronorField(required=False)
    monthly_amount = KronorField(required=False)
    months = serializers.IntegerField(min_value=1, max_value=MAX_MONTHS, required=False)
    term_months = serializers.IntegerField(min_value=1, max_value=MAX_MONTHS, required=False)
    share_count = serializers.IntegerField(min_value=1, max_value=MAX_SHARES, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = set(self.initial_data) - set(self.fields) if isinstance(self.initial_data, dict) else set()
        if unknown:
            raise ValidationError({name: [_("Unknown or read-only field.")] for name in sorted(unknown)})
        if not attrs:
            raise ValidationError({"non_field_errors": [_("Change at least one value.")]})
        return attrs

    def service_arguments(self) -> dict[str, Any]:
        names = {"amount": "amount_ore", "monthly_amount": "monthly_ore"}
        return {names.get(k, k): v for k, v in self.validated_data.items()}


class PaymentMatchSerializer(serializers.Serializer):
    payment_id = serializers.IntegerField()
    amount = OreAsKronorField(source="amount_ore")
    received_on = serializers.DateField(source="payment.received_on")
    channel = serializers.CharField(source="payment.channel")
    is_reversal = serializers.SerializerMethodField()

    def get_is_reversal(self, allocation: Any) -> bool:
        return allocation.reverses_id is not None


PAYMENT_SCHEMA = inline_serializer(
    "PledgePayment",
    {
        "bankgiro": serializers.CharField(),
        "ocr_reference": serializers.CharField(),
        "member_bank": serializers.CharField(),
        "received": OreAsKronorField(),
        "due_now": OreAsKronorField(),
        "remaining": OreAsKronorField(),
        "next_due_on": serializers.DateField(allow_null=True),
        "estimated_points": serializers.IntegerField(),
        "pay_now": OreAsKronorField(
            help_text="What one scan pays now: what is due so far, else the next instalment, else the rest "
            "(0.00 when nothing is owed or the pledge is support saving)."
        ),
        "bank_qr_payload": serializers.CharField(
            help_text="The bank-app invoice QR text (UsingQR JSON: iref = the OCR reference, due = pay_now, "
            "pt BG, acc = the bankgiro); empty when there is nothing to pay by bankgiro."
        ),
        "swish_url": serializers.CharField(
            help_text="The Swish app link with payee, amount (pay_now) and message (the OCR reference) locked; "
            "empty without a Swish number."
        ),
    },
    allow_null=True,
)


class PledgeSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    """A pledge as its saver sees it; everything read-only."""

    context_free_methods = ("get_payment",)  # reads only the pledge: one render plan for all (api/serializers.py)

    pool_title = serializers.CharField(source="pool.title", read_only=True)
    amount = OreAsKronorField(source="amount_ore")
    monthly_amount = OreAsKronorField(source="monthly_ore")
    quantity = serializers.DecimalField(max_digits=9, decimal_places=2, read_only=True, allow_null=True)
    payment = serializers.SerializerMethodField()

    class Meta:
        model = Pledge
        fields = [
            "id",
            "pool_id",
            "pool_title",
            "kind",
            "source",
            "status",
            "amount",
            "monthly_amount",
            "months",
            "term_months",
            "share_count",
            "ocr_reference",
            "description",
            "quantity",
            "unit",
            "is_name_public",
            "may_contact",
            "starts_on",
            "due_on",
            "created_at",
            "confirmed_at",
            "withdrawn_at",
        ] + ["payment"]
        read_only_fields = fields

    @extend_schema_field(PAYMENT_SCHEMA)
    def get_payment(self, pledge: Pledge) -> dict[str, Any] | None:
        """Payment instructions and what is due; None for non-money pledges."""
        if not pledge.is_money:
            return None
        received = getattr(pledge, "received_ore", None)
        received = pledge_received_ore(pledge) if received is None else received
        today = timezone.localdate()
        due = pledge_due(pledge=pledge, received_ore=received, today=today)
        codes = pledge_pay_codes(pledge=pledge, due=due, today=today)  # the pool's receiver is selected with it
        return {
            "bankgiro": pool_payment_bankgiro(pledge.pool),  # the pool's own, else its community's
            "ocr_reference": pledge.ocr_reference,
            "member_bank": pledge.pool.member_bank if pledge.kind == PledgeKind.SUPPORT_SAVING else "",
            "received": ore_to_string(received),
            "due_now": ore_to_string(due.due_now_ore) if due else "0.00",
            "remaining": ore_to_string(due.remaining_ore) if due else "0.00",
            "next_due_on": due.next_due_on.isoformat() if due and due.next_due_on else None,
            "estimated_points": due.estimated_points if due else 0,
            "pay_now": ore_to_string(codes.amount_ore if codes else 0),
            "bank_qr_payload": codes.bank_payload if codes else "",
            "swish_url": codes.swish_url if codes else "",
        }


class PledgeDetailSerializer(PledgeSerializer):
    payments = serializers.SerializerMethodField()

    class Meta(PledgeSerializer.Meta):
        fields = [*PledgeSerializer.Meta.fields, "payments"]
        read_only_fields = fields

    @extend_schema_field(PaymentMatchSerializer(many=True))
    def get_payments(self, pledge: Pledge) -> list[dict[str, Any]]:
        rows = pledge_allocations_for_saver(saver=self.context["request"].user, pledge=pledge)
        return PaymentMatchSerializer(rows, many=True).data


def _request_hash(pool_id: int, body: Any) -> str:
    canonical = json.dumps({"pool": pool_id, "body": body}, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


class PledgeCreateView(APIView):
    """Pledge to an open pool. With an `Idempotency-Key` header a retry replays the first answer."""

    throttle_classes = [SafeScopedRateThrottle]
    throttle_scope = "pledge_create"

    @extend_schema(
        request=PledgeCreateSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="Up to 100 characters of A-Z a-z 0-9 . _ : -; the same key with another body is a 409.",
            )
        ],
        responses={201: PledgeSerializer, **ERROR_RESPONSES, 429: OpenApiResponse(description="Too many pledges")},
    )
    def post(self, request: Request, pool_id: int) -> Response:
        key = request.headers.get("Idempotency-Key")
        if key is not None and not IDEMPOTENCY_KEY.match(key):
            return Response(
                {"idempotency_key": [str(_("Use 1 to 100 letters, digits or . _ : -"))], "code": "invalid"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if not isinstance(request.data, dict):
            return Response({"non_field_errors": [str(_("Send a JSON object."))]}, status=status.HTTP_400_BAD_REQUEST)
        payload = PledgeCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        pool = pool_get_public(pool_id=pool_id)
        arguments = payload.service_arguments()
        if key is None:
            pledge = pledge_create(pool=pool, saver=request.user, **arguments)
            return Response(PledgeSerializer(pledge).data, status=status.HTTP_201_CREATED)
        code, body, replayed = pledge_create_idempotent(
            user=request.user,
            key=key,
            request_hash=_request_hash(pool.pk, request.data),
            respond=lambda pledge: json.loads(json.dumps(PledgeSerializer(pledge).data, default=str)),
            pool=pool,
            **arguments,
        )
        response = Response(body, status=code)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response


class PledgeListView(generics.ListAPIView):
    """The caller's own pledges, newest first (cursor pages)."""

    serializer_class = PledgeSerializer
    pagination_class = CreatedCursorPagination
    filterset_fields = ["status", "kind", "pool"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Pledge.objects.none()
        return pledge_list_for_saver_with_received(saver=self.request.user)


class PledgeDetailView(APIView):
    """One of the caller's pledges (404 for anyone else's); PATCH changes amounts or term."""

    @extend_schema(responses={200: PledgeDetailSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request: Request, pk: int) -> Response:
        pledge = pledge_get_for_saver(saver=request.user, pledge_id=pk)
        return Response(PledgeDetailSerializer(pledge, context={"request": request}).data)

    @extend_schema(request=PledgeChangeSerializer, responses={200: PledgeDetailSerializer, **ERROR_RESPONSES})
    def patch(self, request: Request, pk: int) -> Response:
        pledge = pledge_get_for_saver(saver=request.user, pledge_id=pk)
        if not isinstance(request.data, dict):
            return Response({"non_field_errors": [str(_("Send a JSON object."))]}, status=status.HTTP_400_BAD_REQUEST)
        payload = PledgeChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        pledge = pledge_change(pledge=pledge, by=request.user, **payload.service_arguments())
        return Response(PledgeDetailSerializer(pledge, context={"request": request}).data)


class PledgeWithdrawView(APIView):
    """Withdraw one of the caller's pledges while its pool is open."""

    @extend_schema(request=None, responses={200: PledgeSerializer, **ERROR_RESPONSES})
    def post(self, request: Request, pk: int) -> Response:
        pledge = pledge_get_for_saver(saver=request.user, pledge_id=pk)
        pledge = pledge_withdraw(pledge=pledge, by=request.user)
        return Response(PledgeSerializer(pledge).data)
