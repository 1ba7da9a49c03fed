"""The treasury's audit trail."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from api.treasury.common import ERRORS, CanViewReports
from treasury.models import (
    AuditAction,
    AuditEvent,
)
from treasury.selectors import (
    audit_event_list,
)


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.email", read_only=True, allow_null=True, default=None)
    # The community the changed row belongs to (null for rows of no community, shown to platform staff only).
    community = serializers.IntegerField(source="community_id", read_only=True, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "table_name", "row_id", "action", "before", "after", "actor_id", "actor", "community", "at"]
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
                "invest_project",
                "invest_microfund",
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
            user=self.request.user,
        )
