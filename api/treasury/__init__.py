"""Treasury API: bank files, the unmatched queue and matching, reports with exports, payouts, audit trail.

Only treasurers: reading needs pools.view_reports, matching and imports pools.manage_payments,
approving pools.approve_payouts. Everyone else gets 403 (anonymous 401/403).

The package re-exports every public name, so `from api.treasury import x` keeps working."""

from api.treasury.audit import AuditEventListView, AuditEventSerializer, AuditQuerySerializer
from api.treasury.bank_files import (
    BankFileDetailView,
    BankFileLineSerializer,
    BankFileListView,
    BankFileSerializer,
    BankFileUploadSerializer,
)
from api.treasury.common import ERRORS, CanApprovePayouts, CanManagePayments, CanViewReports
from api.treasury.payments import (
    AllocationReverseView,
    AllocationSerializer,
    MatchPartSerializer,
    MatchSerializer,
    PaymentDetailView,
    PaymentListView,
    PaymentMatchView,
    PaymentSearchSerializer,
    PaymentSuggestionMatchView,
    PaymentSuggestionsView,
    PledgeMatchSerializer,
    PledgeSearchSerializer,
    PledgeSearchView,
    ReverseSerializer,
    TreasuryPaymentSerializer,
)
from api.treasury.payouts import (
    PayoutApproveView,
    PayoutBatchSerializer,
    PayoutCancelView,
    PayoutCandidateListView,
    PayoutCandidateSerializer,
    PayoutDetailView,
    PayoutExportSerializer,
    PayoutExportView,
    PayoutKindSerializer,
    PayoutLineSerializer,
    PayoutListView,
    PayoutPrepareSerializer,
)
from api.treasury.report_builds import (
    ReportBuildDetailView,
    ReportBuildDownloadView,
    ReportBuildListView,
    ReportBuildRequestSerializer,
    ReportBuildSerializer,
)
from api.treasury.reports import ReportQuerySerializer, ReportView

__all__ = [
    "ERRORS",
    "CanViewReports",
    "CanManagePayments",
    "CanApprovePayouts",
    "BankFileSerializer",
    "BankFileLineSerializer",
    "BankFileUploadSerializer",
    "BankFileListView",
    "BankFileDetailView",
    "AllocationSerializer",
    "TreasuryPaymentSerializer",
    "PaymentSearchSerializer",
    "PaymentListView",
    "PaymentDetailView",
    "MatchPartSerializer",
    "MatchSerializer",
    "PaymentMatchView",
    "PaymentSuggestionsView",
    "PaymentSuggestionMatchView",
    "ReverseSerializer",
    "AllocationReverseView",
    "PledgeMatchSerializer",
    "PledgeSearchSerializer",
    "PledgeSearchView",
    "ReportQuerySerializer",
    "ReportView",
    "ReportBuildSerializer",
    "ReportBuildRequestSerializer",
    "ReportBuildListView",
    "ReportBuildDetailView",
    "ReportBuildDownloadView",
    "PayoutLineSerializer",
    "PayoutBatchSerializer",
    "PayoutCandidateSerializer",
    "PayoutKindSerializer",
    "PayoutCandidateListView",
    "PayoutPrepareSerializer",
    "PayoutListView",
    "PayoutDetailView",
    "PayoutApproveView",
    "PayoutCancelView",
    "PayoutExportSerializer",
    "PayoutExportView",
    "AuditEventSerializer",
    "AuditQuerySerializer",
    "AuditEventListView",
]
