"""The caller's own records: their profile (with the refund account), payments matched to their
pledges, and their data export."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.identity import IBAN_INPUT_MAX_LENGTH, IBAN_TOO_LONG, normalize_swedish_iban
from accounts.models import Language, User
from accounts.services import user_profile_update
from api.fields import OreAsKronorField
from people.export import user_data_export
from people.refund_account import refund_account_change
from pools.models import PaymentAllocation
from pools.selectors import payment_allocations_for_saver


class MyProfileSerializer(serializers.ModelSerializer):
    """The caller's own profile. Name, language and the refund account are changed here; the email
    address and the password on the settings page (a new address is confirmed by a mailed link)."""

    pending_email = serializers.SerializerMethodField(
        help_text="A new address waiting for its confirmation link; null when none is waiting."
    )

    class Meta:
        model = User
        fields = ["email", "pending_email", "full_name", "language", "refund_iban"]
        read_only_fields = fields

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_pending_email(self, user: User) -> str | None:
        return user.pending_email or None


class MyProfileChangeSerializer(serializers.Serializer):
    """What a client may change: the name, the language, and the refund account, a Swedish IBAN (spaces
    and lower case accepted); an empty string removes it."""

    full_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    language = serializers.ChoiceField(required=False, choices=Language.choices)

    refund_iban = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=IBAN_INPUT_MAX_LENGTH,
        error_messages={"max_length": IBAN_TOO_LONG},
        help_text="A Swedish IBAN: SE followed by 22 digits. Clearing and account numbers are not accepted.",
    )
    password = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=128,
        trim_whitespace=False,
        help_text="Required with refund_iban: the account's password (or send otp_code).",
    )
    otp_code = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=10,
        help_text="Instead of the password: a current code from the account's two-factor device.",
    )

    def validate_refund_iban(self, value: str) -> str:
        try:
            return normalize_swedish_iban(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages[0], code=exc.code or "invalid") from exc


class MyProfileView(APIView):
    """The caller's profile; PATCH changes the name or language, or sets or removes the account refunds are
    paid to (with the password)."""

    @extend_schema(responses={200: MyProfileSerializer})
    def get(self, request: Request) -> Response:
        return Response(MyProfileSerializer(request.user).data)

    @extend_schema(request=MyProfileChangeSerializer, responses={200: MyProfileSerializer})
    def patch(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            return Response({"non_field_errors": [str(_("Send a JSON object."))]}, status=status.HTTP_400_BAD_REQUEST)
        payload = MyProfileChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = request.user
        data = payload.validated_data
        if "full_name" in data or "language" in data:
            user = user_profile_update(
                user=user, full_name=data.get("full_name", user.full_name), language=data.get("language", user.language)
            )
        if "refund_iban" in data:
            # Re-authenticated, mailed and audited: a token alone cannot redirect refunds.
            user = refund_account_change(
                user=user,
                iban=data["refund_iban"],
                password=data.get("password", ""),
                otp_code=data.get("otp_code", ""),
            )
        return Response(MyProfileSerializer(user).data)


class MyPaymentSerializer(serializers.ModelSerializer):
    """A payment as matched to one of the caller's pledges (their share of it, not the whole payment)."""

    payment_id = serializers.IntegerField(read_only=True)
    pledge_id = serializers.IntegerField(read_only=True)
    pool_title = serializers.CharField(source="pledge.pool.title", read_only=True)
    amount = OreAsKronorField(source="amount_ore")
    received_on = serializers.DateField(source="payment.received_on", read_only=True)
    channel = serializers.CharField(source="payment.channel", read_only=True)
    is_reversal = serializers.SerializerMethodField()

    class Meta:
        model = PaymentAllocation
        fields = ["id", "payment_id", "pledge_id", "pool_title", "amount", "received_on", "channel", "is_reversal"]
        read_only_fields = fields

    def get_is_reversal(self, allocation: PaymentAllocation) -> bool:
        return allocation.reverses_id is not None


class MyPaymentListView(generics.ListAPIView):
    """Payments matched to the caller's pledges, newest first."""

    serializer_class = MyPaymentSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return PaymentAllocation.objects.none()
        return payment_allocations_for_saver(saver=self.request.user)


class MyDataExportView(APIView):
    """Everything the platform holds about the caller, as JSON (amounts as kronor strings)."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        body: dict[str, Any] = user_data_export(user=request.user)
        return Response(body)
