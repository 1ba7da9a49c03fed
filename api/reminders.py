"""Reminders that could not be delivered: deprecated, superseded by GET /api/mail/failed/ (api/mail.py).

Every reminder's mail goes through its delivery record (operations/mail.py, key `reminder:<id>`, kind
`pool_reminder`), and GET /api/mail/failed/ lists the failed ones of every kind with a retry. This older
list reads the reminders' own status instead; it stays, marked deprecated in the schema and with a `Link`
header naming its successor, until its clients have moved.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from communities.selectors import job_run_community_ids
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


SUCCESSOR = "/api/mail/failed/"


@extend_schema(
    summary="Reminders that could not be delivered (deprecated: use GET /api/mail/failed/)",
    description=(
        "Deprecated: use `GET /api/mail/failed/`, which lists failed mails of every kind the caller handles, "
        "reminders included (kind `pool_reminder`), and retries one with `POST /api/mail/failed/{id}/retry/`. "
        "This list shows the reminders whose status is `failed`, newest first. "
        'Responses carry `Link: </api/mail/failed/>; rel="successor-version"`.'
    ),
    deprecated=True,
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
        return reminder_list_failed(community_ids=job_run_community_ids(self.request.user))

    def finalize_response(self, request: Request, response: Response, *args: object, **kwargs: object) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Link"] = f'<{SUCCESSOR}>; rel="successor-version"'
        return response
