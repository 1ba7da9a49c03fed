"""Writes for micro-funds: rules, members and shares, withdrawals, loans, repayments, guarantees, totals.

Every service owns its transaction. Services that change what the fund has at stake lock
the fund row first (select_for_update), so two engagements or payouts never both pass a
limit that only one of them fits under. Follow-up work goes through the outbox.

The package re-exports every public name, so `from invest.funds.services import x` keeps working."""

from invest.funds.services.common import FIRST_INSTALMENT_AFTER_DAYS, MAX_INTEREST_BP
from invest.funds.services.guarantees import (
    guarantee_balance_report,
    guarantee_call,
    guarantee_create,
    guarantee_exposure_ore,
    guarantee_release,
)
from invest.funds.services.loans import engagement_check_limits, loan_create, loan_repayment_record, loan_write_off
from invest.funds.services.membership import fund_member_join, fund_share_subscribe
from invest.funds.services.rules import RULE_BOUNDS, RULE_INPUT_NAMES, fund_rules_set
from invest.funds.services.totals import (
    TOTALS_TASK,
    fund_totals_enqueue,
    fund_totals_enqueue_all,
    fund_totals_recompute,
)
from invest.funds.services.withdrawals import (
    capital_withdrawal_approve,
    capital_withdrawal_cancel,
    capital_withdrawal_mark_paid,
    capital_withdrawal_prepare,
    capital_withdrawal_request,
)

__all__ = [
    "FIRST_INSTALMENT_AFTER_DAYS",
    "MAX_INTEREST_BP",
    "TOTALS_TASK",
    "fund_totals_enqueue",
    "fund_totals_recompute",
    "fund_totals_enqueue_all",
    "RULE_BOUNDS",
    "RULE_INPUT_NAMES",
    "fund_rules_set",
    "fund_member_join",
    "fund_share_subscribe",
    "capital_withdrawal_request",
    "capital_withdrawal_prepare",
    "capital_withdrawal_approve",
    "capital_withdrawal_mark_paid",
    "capital_withdrawal_cancel",
    "engagement_check_limits",
    "loan_create",
    "loan_repayment_record",
    "loan_write_off",
    "guarantee_exposure_ore",
    "guarantee_create",
    "guarantee_balance_report",
    "guarantee_release",
    "guarantee_call",
]
