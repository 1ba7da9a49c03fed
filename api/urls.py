"""JSON API routes under /api/."""

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from api import auth, pools, projects
from api.docs import ApiDocsView

app_name = "api"


@extend_schema(
    responses=inline_serializer(
        "ApiRoot",
        {
            "pools": serializers.URLField(),
            "projects": serializers.URLField(),
            "token": serializers.URLField(),
            "schema": serializers.URLField(),
            "docs": serializers.URLField(),
            "authentication": serializers.ListField(child=serializers.CharField()),
            "user": serializers.EmailField(allow_null=True),
        },
    )
)
@api_view(["GET"])
@permission_classes([AllowAny])
def api_root(request: Request, format: str | None = None) -> Response:
    """The API's entry point: what there is, and how to log in."""
    return Response(
        {
            "pools": reverse("api:pool-list", request=request, format=format),
            "projects": reverse("api:project-list", request=request, format=format),
            "token": reverse("api:token-create", request=request, format=format),
            "schema": reverse("api:schema", request=request, format=format),
            "docs": reverse("api:docs", request=request, format=format),
            "authentication": ["session (with CSRF token)", "token (Authorization: Token <key>)"],
            "user": request.user.email if request.user.is_authenticated else None,
        }
    )


urlpatterns = [
    path("", api_root, name="root"),
    path("auth/token/", auth.TokenCreateView.as_view(), name="token-create"),
    path("pools/", pools.PoolListView.as_view(), name="pool-list"),
    path("pools/<int:pk>/", pools.PoolDetailView.as_view(), name="pool-detail"),
    path("projects/", projects.ProjectListView.as_view(), name="project-list"),
    path("projects/<int:pk>/", projects.ProjectDetailView.as_view(), name="project-detail"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(url_name="api:schema"), name="docs"),
]
