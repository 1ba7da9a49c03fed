"""Projects: list and detail (public ones, plus one's own)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from api.fields import OreAsKronorField
from api.filters import StableOrderingFilter
from api.serializers import FastRepresentationMixin
from invest.models import Project, ProjectStatus
from invest.selectors import project_get_for_receiver, project_list_visible
from invest.services import project_swish_number_set


class ProjectSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    """A project seeking capital. loan_need is a decimal string in kronor; all fields are read-only."""

    loan_need = OreAsKronorField(source="loan_need_ore")
    owner_name = serializers.CharField(source="owner.display_name", read_only=True)
    website = serializers.CharField(read_only=True, help_text="The project's web address, or empty.")
    swish_number = serializers.CharField(
        read_only=True, help_text="The Swish number savers pay the project's pools with (10 digits), or empty."
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "slug",
            "name",
            "place",
            "summary",
            "description",
            "loan_need",
            "status",
            "website",
            "swish_number",
            "owner_name",
            "published_at",
        ]
        read_only_fields = fields


class ProjectFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ProjectStatus.choices)
    place = django_filters.CharFilter(max_length=100)
    ordering = StableOrderingFilter(
        fields=(("name", "name"), ("place", "place"), ("published_at", "published_at"), ("loan_need_ore", "loan_need")),
        help_text="Sort by name, place, published_at or loan_need; prefix - for descending.",
    )

    class Meta:
        model = Project
        fields = ["status", "place"]


class ProjectListView(generics.ListAPIView):
    """Published projects, plus one's own drafts (organisers see all); filter by status and place."""

    serializer_class = ProjectSerializer
    permission_classes = [AllowAny]
    filterset_class = ProjectFilter

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return project_list_visible(user=self.request.user).order_by("name", "pk")


class ProjectChangeSerializer(serializers.Serializer):
    """What a project's owner may change over the API: where its pools are paid by Swish."""

    swish_number = serializers.CharField(
        max_length=20,
        allow_blank=True,
        help_text="A Swish number for organisations: 123 followed by seven digits (spaces and dashes allowed); "
        "empty removes it.",
    )


ERROR = OpenApiResponse(description="Refused: `{field: [message], code}`")


class ProjectDetailView(generics.RetrieveAPIView):
    """One project, if the user may see it (else 404). PATCH: its owner (or an organiser) sets its Swish number;
    anyone else who can see it gets 403."""

    serializer_class = ProjectSerializer
    permission_classes = [AllowAny]
    http_method_names = ["get", "patch", "options", "head"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return project_list_visible(user=self.request.user)

    @extend_schema(
        request=ProjectChangeSerializer,
        responses={200: ProjectSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR},
    )
    def patch(self, request: Request, pk: int) -> Response:
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        project = project_get_for_receiver(user=request.user, project_id=pk)  # refused before the body is read
        if not isinstance(request.data, dict):
            return Response({"non_field_errors": [_("Send a JSON object.")]}, status=status.HTTP_400_BAD_REQUEST)
        payload = ProjectChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        project = project_swish_number_set(
            project=project, by=request.user, swish_number=payload.validated_data["swish_number"]
        )
        return Response(ProjectSerializer(project).data)
