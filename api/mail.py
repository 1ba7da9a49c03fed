"""Failed mails of every kind, and retrying one (treasurers: money mails; organisers: fair mails)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from communities.selectors import mail_community_ids
from operations.mail import AUDIENCE_PERMISSIONS, mail_delivery_retry
from operations.models import MailDelivery
from operations.selectors import mail_failed_list


class CanHandleMail(BasePermission):
    message = "Only treasurers and organisers see failed mails."

    def has_permission(self, request: Request, view: object) -> bool:
        return any(request.user.has_perm(p) for p in AUDIENCE_PERMISSIONS.values())


class FailedMailSerializer(serializers.ModelSerializer):
    class Meta:
        model = MailDelivery
        fields = ["id", "kind", "to", "status", "attempts", "last_error", "created_at", "updated_at"]
        read_only_fields = fields


@extend_schema(
    summary="Mails that could not be delivered (the kinds the caller handles)",
    responses={
        200: FailedMailSerializer(many=True),
        401: OpenApiResponse(description="Not logged in"),
        403: OpenApiResponse(description="Not a treasurer or organiser"),
    },
)
class FailedMailListView(generics.ListAPIView):
    serializer_class = FailedMailSerializer
    permission_classes = [IsAuthenticated, CanHandleMail]

    def get_queryset(self) -> QuerySet[MailDelivery]:
        user = self.request.user
        return mail_failed_list(user=user, community_ids=mail_community_ids(user))


class FailedMailRetryView(APIView):
    permission_classes = [IsAuthenticated, CanHandleMail]

    @extend_schema(
        summary="Send a failed mail again",
        request=None,
        responses={
            200: FailedMailSerializer,
            401: OpenApiResponse(description="Not logged in"),
            403: OpenApiResponse(description="Not a treasurer or organiser"),
            404: OpenApiResponse(description="No failed mail of a kind and community the caller handles"),
            409: OpenApiResponse(description="The mail is no longer failed"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        community_ids = mail_community_ids(request.user)
        delivery = get_object_or_404(mail_failed_list(user=request.user, community_ids=community_ids), pk=pk)
        delivery = mail_delivery_retry(delivery=delivery, by=request.user, community_ids=community_ids)
        return Response(FailedMailSerializer(delivery).data)
