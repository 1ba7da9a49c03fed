"""Projects: list and detail (public ones, plus one's own)."""

from __future__ import annotations

from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny

from api.fields import OreAsKronorField
from invest.models import Project
from invest.selectors import project_list_visible


class ProjectSerializer(serializers.ModelSerializer):
    loan_need = OreAsKronorField(source="loan_need_ore")
    owner_name = serializers.CharField(source="owner.display_name", read_only=True)

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


class ProjectListView(generics.ListAPIView):
    serializer_class = ProjectSerializer
    permission_classes = [AllowAny]
    filterset_fields = ["status", "place"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return project_list_visible(user=self.request.user).order_by("name", "pk")


class ProjectDetailView(generics.RetrieveAPIView):
    serializer_class = ProjectSerializer
    permission_classes = [AllowAny]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return project_list_visible(user=self.request.user)
