"""Reminders that could not be delivered, for treasurers to follow up."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request

from pools.models import Reminder
from pools.selectors import reminder_list_failed


class CanViewReminders(BasePermission):
    message = "Only treasurers and organisers see failed reminders."

    def has_permission(self, request: Request, view: object) -> bool:
        return bool(request.user and request.user.has_perm("pools.view_reminder"))


class FailedReminderSerializer(serializers.ModelSerializer):
    recipient = serializers.SerializerMethodField()
    pool_title = serializers.CharField(source="pool.title", read_only=True)

    class Meta:
        model = Reminder
        fields = [
            "id",
            "kind",
            "period",
            "recipient",
            "pool_id",
            "pool_title",
            "pledge_id",
            "attempts",
            "last_error",
            "updated_at",
        ]
        read_only_fields = fields

    def get_recipient(self, reminder: Reminder) -> str:
        return reminder.saver.email if reminder.saver else reminder.email


@extend_schema(
    summary="Reminders that could not be delivered",
    responses={
        200: FailedReminderSerializer(many=True),
        401: OpenApiResponse(description="Not logged in"),
        403: OpenApiResponse(description="Not a treasurer or organiser"),
    },
)
class FailedReminderListView(generics.ListAPIView):
    serializer_class = FailedReminderSerializer
    permission_classes = [IsAuthenticated, CanViewReminders]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return reminder_list_failed()
