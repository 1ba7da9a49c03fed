"""Domain errors of micro-funds. The API's handler turns each into 400/409 with its field."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from invest.errors import InvestError


class FundError(InvestError):
    code = "fund_error"


class FundPermissionDenied(FundError):
    code = "fund_permission_denied"
    status = 403
    default_message = _("You may not do that for this fund.")


class InvalidFundInput(FundError):
    code = "invalid_fund_input"


class FundHasNoRules(FundError):
    code = "fund_has_no_rules"
    status = 409
    default_message = _("The fund has no rules yet: an organiser must set them first.")


class FundLimitExceeded(FundError):
    """An engagement that would break one of the fund's limits; the message says which and by how much."""

    code = "fund_limit_exceeded"
    status = 409


class ProjectLimitExceeded(FundLimitExceeded):
    code = "project_limit_exceeded"


class ExposureLimitExceeded(FundLimitExceeded):
    code = "exposure_limit_exceeded"


class CoverageLimitExceeded(FundLimitExceeded):
    code = "coverage_limit_exceeded"


class InsufficientCapital(FundLimitExceeded):
    code = "insufficient_capital"


class AlreadyMember(FundError):
    code = "already_member"
    status = 409
    default_message = _("You are already a member of this fund.")


class NotMember(FundError):
    code = "not_member"
    status = 409
    default_message = _("Join the fund first.")


class WithdrawalRefused(FundError):
    code = "withdrawal_refused"
    status = 409


class FourEyesRequired(WithdrawalRefused):
    code = "four_eyes_required"
    default_message = _("Someone other than the person who prepared the payout must approve it.")


class RepaymentRefused(FundError):
    code = "repayment_refused"
    status = 409


class GuaranteeNotChangeable(FundError):
    code = "guarantee_not_changeable"
    status = 409
    default_message = _("This guarantee has already been released or called.")
