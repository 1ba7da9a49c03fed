"""JSON API routes under /api/."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from api import auth, pools, projects
from api import fairs as fairs_api

app_name = "api"


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
    path("fairs/", fairs_api.FairListView.as_view(), name="fair-list"),
    path("fairs/<int:fair_id>/", fairs_api.FairDetailView.as_view(), name="fair-detail"),
    path("fairs/<int:fair_id>/transitions/", fairs_api.FairTransitionView.as_view(), name="fair-transition"),
    path("fairs/<int:fair_id>/applications/", fairs_api.FairApplyView.as_view(), name="fair-apply"),
    path("fairs/<int:fair_id>/programme/", fairs_api.FairProgrammeView.as_view(), name="fair-programme"),
    path("fairs/<int:fair_id>/cards/", fairs_api.VolunteerCardView.as_view(), name="fair-cards"),
    path("fairs/<int:fair_id>/board/", fairs_api.FairBoardView.as_view(), name="fair-board"),
    path("fairs/<int:fair_id>/report/", fairs_api.FairReportView.as_view(), name="fair-report"),
    path("pitches/<int:pitch_id>/", fairs_api.PitchDetailView.as_view(), name="pitch-detail"),
    path("pitches/<int:pitch_id>/choose/", fairs_api.PitchChooseView.as_view(), name="pitch-choose"),
    path("pitches/<int:pitch_id>/decline/", fairs_api.PitchDeclineView.as_view(), name="pitch-decline"),
    path("pitches/<int:pitch_id>/confirm/", fairs_api.PitchConfirmView.as_view(), name="pitch-confirm"),
    path("pitches/<int:pitch_id>/withdraw/", fairs_api.PitchWithdrawView.as_view(), name="pitch-withdraw"),
    path("pitches/<int:pitch_id>/board/", fairs_api.PitchBoardView.as_view(), name="pitch-board"),
    path("pitches/<int:pitch_id>/pledgers/", fairs_api.PitchPledgersView.as_view(), name="pitch-pledgers"),
    path(
        "pitches/<int:pitch_id>/pledgers/<int:pledge_id>/follow-ups/",
        fairs_api.PledgeFollowUpView.as_view(),
        name="pledge-follow-up",
    ),
    path("fair-cards/<str:code>/", fairs_api.PhoneCardView.as_view(), name="fair-card"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
