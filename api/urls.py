"""JSON API routes under /api/."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from api import auth, pools, projects
from api import treasury as treasury_api

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
    path("treasury/bank-files/", treasury_api.BankFileListView.as_view(), name="treasury-bankfile-list"),
    path("treasury/bank-files/<int:pk>/", treasury_api.BankFileDetailView.as_view(), name="treasury-bankfile-detail"),
    path("treasury/payments/", treasury_api.PaymentListView.as_view(), name="treasury-payment-list"),
    path("treasury/payments/<int:pk>/", treasury_api.PaymentDetailView.as_view(), name="treasury-payment-detail"),
    path("treasury/payments/<int:pk>/match/", treasury_api.PaymentMatchView.as_view(), name="treasury-payment-match"),
    path(
        "treasury/allocations/<int:pk>/reverse/",
        treasury_api.AllocationReverseView.as_view(),
        name="treasury-allocation-reverse",
    ),
    path("treasury/pledges/", treasury_api.PledgeSearchView.as_view(), name="treasury-pledge-search"),
    path("treasury/reports/<str:kind>/", treasury_api.ReportView.as_view(), name="treasury-report"),
    path("treasury/payout-candidates/", treasury_api.PayoutCandidateListView.as_view(), name="treasury-candidates"),
    path("treasury/payouts/", treasury_api.PayoutListView.as_view(), name="treasury-payout-list"),
    path("treasury/payouts/<int:pk>/", treasury_api.PayoutDetailView.as_view(), name="treasury-payout-detail"),
    path(
        "treasury/payouts/<int:pk>/approve/", treasury_api.PayoutApproveView.as_view(), name="treasury-payout-approve"
    ),
    path("treasury/payouts/<int:pk>/cancel/", treasury_api.PayoutCancelView.as_view(), name="treasury-payout-cancel"),
    path("treasury/payouts/<int:pk>/export/", treasury_api.PayoutExportView.as_view(), name="treasury-payout-export"),
    path("treasury/audit/", treasury_api.AuditEventListView.as_view(), name="treasury-audit"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
