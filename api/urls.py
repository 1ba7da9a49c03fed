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

from api import auth, communities, funds, jobs, mail, me, offers, pledges, pools, projects, reminders
from api import fairs as fairs_api
from api import treasury as treasury_api
from api.docs import ApiDocsView
from api.treasury import exceptions as treasury_exceptions_api

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
    path("pools/<int:pool_id>/pledges/", pledges.PledgeCreateView.as_view(), name="pledge-create"),
    path("pledges/", pledges.PledgeListView.as_view(), name="pledge-list"),
    path("pledges/<int:pk>/", pledges.PledgeDetailView.as_view(), name="pledge-detail"),
    path("pledges/<int:pk>/withdraw/", pledges.PledgeWithdrawView.as_view(), name="pledge-withdraw"),
    path("pools/<int:pk>/offer/", offers.OfferView.as_view(), name="pool-offer"),
    path("pools/<int:pk>/sheets/", offers.PoolSheetListView.as_view(), name="pool-sheets"),
    path("pools/<int:pk>/lender-payments/", offers.PoolLenderPaymentListView.as_view(), name="pool-lender-payments"),
    path("sheets/<int:pk>/approve/", offers.SheetApproveView.as_view(), name="sheet-approve"),
    path(
        "pledges/<int:pk>/confirm-interest/", offers.PledgeInterestConfirmView.as_view(), name="pledge-confirm-interest"
    ),
    path("pledges/<int:pk>/revoke/", offers.PledgeRevokeView.as_view(), name="pledge-revoke"),
    path("me/assessment/", offers.MyAssessmentView.as_view(), name="my-assessment"),
    path("me/statements/", offers.MyStatementListView.as_view(), name="my-statements"),
    path("me/", me.MyProfileView.as_view(), name="my-profile"),
    path("me/working-community/", communities.WorkingCommunityView.as_view(), name="working-community"),
    path("communities/", communities.CommunityListView.as_view(), name="community-list"),
    path("communities/<int:pk>/", communities.CommunityDetailView.as_view(), name="community-detail"),
    path(
        "communities/<int:pk>/memberships/", communities.MembershipListView.as_view(), name="community-membership-list"
    ),
    path(
        "communities/<int:pk>/memberships/<int:membership_id>/",
        communities.MembershipDetailView.as_view(),
        name="community-membership-detail",
    ),
    path(
        "communities/<int:pk>/invitations/", communities.InvitationListView.as_view(), name="community-invitation-list"
    ),
    path(
        "communities/<int:pk>/invitations/<int:invitation_id>/revoke/",
        communities.InvitationRevokeView.as_view(),
        name="community-invitation-revoke",
    ),
    path(
        "communities/<int:pk>/invitations/<int:invitation_id>/resend/",
        communities.InvitationResendView.as_view(),
        name="community-invitation-resend",
    ),
    path("invitations/accept/", communities.InvitationAcceptView.as_view(), name="invitation-accept"),
    path("me/payments/", me.MyPaymentListView.as_view(), name="my-payments"),
    path("me/export/", me.MyDataExportView.as_view(), name="my-export"),
    path("funds/", funds.FundListView.as_view(), name="fund-list"),
    path("funds/<int:pk>/", funds.FundDetailView.as_view(), name="fund-detail"),
    path("funds/<int:pk>/rules/", funds.FundRulesView.as_view(), name="fund-rules"),
    path("funds/<int:pk>/position/", funds.FundPositionView.as_view(), name="fund-position"),
    path("funds/<int:pk>/join/", funds.FundJoinView.as_view(), name="fund-join"),
    path("funds/<int:pk>/shares/", funds.FundSharesView.as_view(), name="fund-shares"),
    path("funds/<int:pk>/statement/", funds.FundStatementView.as_view(), name="fund-statement"),
    path("funds/<int:pk>/withdrawals/", funds.FundWithdrawalsView.as_view(), name="fund-withdrawals"),
    path("funds/<int:pk>/loans/", funds.FundLoansView.as_view(), name="fund-loans"),
    path("funds/<int:pk>/guarantees/", funds.FundGuaranteesView.as_view(), name="fund-guarantees"),
    path(
        "fund-withdrawals/<int:pk>/<str:action>/",
        funds.WithdrawalActionView.as_view(),
        name="fund-withdrawal-action",
    ),
    path("loans/", funds.LoanListView.as_view(), name="loan-list"),
    path("loans/<int:pk>/", funds.LoanDetailView.as_view(), name="loan-detail"),
    path("loans/<int:pk>/repayments/", funds.LoanRepaymentsView.as_view(), name="loan-repayments"),
    path("loans/<int:pk>/write-off/", funds.LoanWriteOffView.as_view(), name="loan-write-off"),
    path("guarantees/", funds.GuaranteeListView.as_view(), name="guarantee-list"),
    path("guarantees/<int:pk>/", funds.GuaranteeDetailView.as_view(), name="guarantee-detail"),
    path("guarantees/<int:pk>/<str:action>/", funds.GuaranteeActionView.as_view(), name="guarantee-action"),
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
    path("jobs/", jobs.JobLatestRunsView.as_view(), name="job-list"),
    path("reminders/failed/", reminders.FailedReminderListView.as_view(), name="reminder-failed-list"),
    path("mail/failed/", mail.FailedMailListView.as_view(), name="mail-failed-list"),
    path("mail/failed/<int:pk>/retry/", mail.FailedMailRetryView.as_view(), name="mail-failed-retry"),
    path("treasury/bank-files/", treasury_api.BankFileListView.as_view(), name="treasury-bankfile-list"),
    path("treasury/bank-files/<int:pk>/", treasury_api.BankFileDetailView.as_view(), name="treasury-bankfile-detail"),
    path("treasury/exceptions/", treasury_exceptions_api.ExceptionListView.as_view(), name="treasury-exceptions"),
    path(
        "treasury/exceptions/<int:pk>/resolve/",
        treasury_exceptions_api.ExceptionResolveView.as_view(),
        name="treasury-exception-resolve",
    ),
    path(
        "treasury/returned-payments/",
        treasury_exceptions_api.ReturnedPaymentListView.as_view(),
        name="treasury-returned-payments",
    ),
    path("treasury/payments/", treasury_api.PaymentListView.as_view(), name="treasury-payment-list"),
    path("treasury/payments/<int:pk>/", treasury_api.PaymentDetailView.as_view(), name="treasury-payment-detail"),
    path("treasury/payments/<int:pk>/match/", treasury_api.PaymentMatchView.as_view(), name="treasury-payment-match"),
    path(
        "treasury/payments/<int:pk>/suggestions/",
        treasury_api.PaymentSuggestionsView.as_view(),
        name="treasury-payment-suggestions",
    ),
    path(
        "treasury/payments/<int:pk>/suggestions/match/",
        treasury_api.PaymentSuggestionMatchView.as_view(),
        name="treasury-payment-suggestion-match",
    ),
    path(
        "treasury/allocations/<int:pk>/reverse/",
        treasury_api.AllocationReverseView.as_view(),
        name="treasury-allocation-reverse",
    ),
    path("treasury/pledges/", treasury_api.PledgeSearchView.as_view(), name="treasury-pledge-search"),
    path("treasury/reports/<str:kind>/", treasury_api.ReportView.as_view(), name="treasury-report"),
    path("treasury/report-builds/", treasury_api.ReportBuildListView.as_view(), name="treasury-report-build-list"),
    path(
        "treasury/report-builds/<int:pk>/",
        treasury_api.ReportBuildDetailView.as_view(),
        name="treasury-report-build-detail",
    ),
    path(
        "treasury/report-builds/<int:pk>/download/",
        treasury_api.ReportBuildDownloadView.as_view(),
        name="treasury-report-build-download",
    ),
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
    path("docs/", ApiDocsView.as_view(url_name="api:schema"), name="docs"),
]
