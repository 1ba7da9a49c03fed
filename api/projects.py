"""Projects: list and detail (public ones, plus one's own)."""

from __future__ import annotations

import django_filters
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny

from api.fields import OreAsKronorField
from api.filters import StableOrderingFilter
from api.serializers import FastRepresentationMixin
from invest.models import Project, ProjectStatus
from invest.selectors import project_list_visible


class ProjectSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    """A project seeking capital. loan_need is a decimal string in kronor; all fields are read-only."""

    loan_need = OreAsKronorField(source="loan_need_ore")
    owner_name = serializers.CharField(source="owner.display_name", read_only=True)
    website = serializers.CharField(read_only=True, help_text="The project's web address, or empty.")

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


class ProjectDetailView(generics.RetrieveAPIView):
    """One project, if the user may see it (else 404)."""

    serializer_class = ProjectSerializer
    permission_classes = [AllowAny]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return project_list_visible(user=self.request.user)
