"""The caller's own records: payments matched to their pledges, and their data export."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_data_export
from api.fields import OreAsKronorField
from pools.models import PaymentAllocation
from pools.selectors import payment_allocations_for_saver


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
