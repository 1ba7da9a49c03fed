"""Micro-funds: rules, membership and statements, withdrawals, loans, repayments, guarantees, position.

Amounts are decimal strings in kronor ("1234.50"); percentages are decimal strings ("25.00").
Who may do what is decided in invest.funds (services refuse with 403/409, selectors answer 404).

The package re-exports every public name, so `from api.funds import x` keeps working."""

from api.funds.common import ERROR, ERRORS, PercentField, bp
from api.funds.guarantees import (
    FundGuaranteesView,
    GuaranteeActionView,
    GuaranteeCreateSerializer,
    GuaranteeDetailView,
    GuaranteeEventInputSerializer,
    GuaranteeEventSerializer,
    GuaranteeListView,
    GuaranteeSerializer,
)
from api.funds.loans import (
    FundLoansView,
    LoanCreateSerializer,
    LoanDetailSerializer,
    LoanDetailView,
    LoanListView,
    LoanRepaymentsView,
    LoanSerializer,
    LoanWriteOffView,
    RepaymentCreateSerializer,
    RepaymentSerializer,
    ScheduleRowSerializer,
    WriteOffSerializer,
)
from api.funds.membership import (
    BackedSerializer,
    FundJoinView,
    FundSharesView,
    FundStatementView,
    InstalmentSerializer,
    JoinSerializer,
    ShareLineSerializer,
    SharesSerializer,
    StatementSerializer,
)
from api.funds.position import (
    FundPositionView,
    GuaranteeLineSerializer,
    LoanLineSerializer,
    PositionQuerySerializer,
    PositionSerializer,
)
from api.funds.rules import (
    FundDetailView,
    FundListView,
    FundRulesView,
    FundSerializer,
    RulesInputSerializer,
    RulesSerializer,
    RulesVersionSerializer,
)
from api.funds.withdrawals import (
    FundWithdrawalsView,
    WithdrawalActionSerializer,
    WithdrawalActionView,
    WithdrawalRequestSerializer,
    WithdrawalSerializer,
)

__all__ = [
    "ERROR",
    "ERRORS",
    "PercentField",
    "bp",
    "RulesSerializer",
    "RulesVersionSerializer",
    "RulesInputSerializer",
    "FundSerializer",
    "FundListView",
    "FundDetailView",
    "FundRulesView",
    "LoanLineSerializer",
    "GuaranteeLineSerializer",
    "PositionSerializer",
    "PositionQuerySerializer",
    "FundPositionView",
    "JoinSerializer",
    "SharesSerializer",
    "InstalmentSerializer",
    "ShareLineSerializer",
    "BackedSerializer",
    "StatementSerializer",
    "FundJoinView",
    "FundSharesView",
    "FundStatementView",
    "WithdrawalSerializer",
    "WithdrawalRequestSerializer",
    "FundWithdrawalsView",
    "WithdrawalActionSerializer",
    "WithdrawalActionView",
    "ScheduleRowSerializer",
    "RepaymentSerializer",
    "LoanSerializer",
    "LoanDetailSerializer",
    "LoanCreateSerializer",
    "FundLoansView",
    "LoanListView",
    "LoanDetailView",
    "RepaymentCreateSerializer",
    "LoanRepaymentsView",
    "WriteOffSerializer",
    "LoanWriteOffView",
    "GuaranteeEventSerializer",
    "GuaranteeSerializer",
    "GuaranteeCreateSerializer",
    "FundGuaranteesView",
    "GuaranteeListView",
    "GuaranteeDetailView",
    "GuaranteeEventInputSerializer",
    "GuaranteeActionView",
]
