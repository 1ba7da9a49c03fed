"""Loans from a micro-fund: the engagement limits, creating a loan, recording repayments, writing one off."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from invest.funds.errors import (
    ExposureLimitExceeded,
    InsufficientCapital,
    InvalidFundInput,
    ProjectLimitExceeded,
    RepaymentRefused,
)
from invest.funds.models import (
    MAX_TERM_MONTHS,
    FundRulesVersion,
    Loan,
    LoanInstalment,
    LoanRepayment,
    LoanStatus,
    LoanWriteOff,
)
from invest.funds.schedules import add_months, loan_schedule, repayment_split
from invest.funds.selectors import (
    FundPosition,
    fund_position_now,
    user_manages_funds,
    user_records_repayments,
)
from invest.funds.services.common import MAX_INTEREST_BP, _day, _lock_fund, _money, _require, _whole
from invest.funds.services.rules import _rules_or_refuse
from invest.funds.services.totals import fund_totals_enqueue
from invest.models import MicroFund, Project, ProjectStatus
from pools.money import format_sek


def engagement_check_limits(
    *,
    fund: MicroFund,
    rules: FundRulesVersion,
    project: Project,
    new_exposure_ore: int,
    is_loan: bool,
    field: str,
    language: str = "sv",
) -> FundPosition:
    """Refuse an engagement that would break a limit, saying which. The fund row must be locked.

    Exposure counts outstanding loan principal plus guarantee exposure; capital is paid-in less withdrawn.
    Raises ProjectLimitExceeded, ExposureLimitExceeded, InsufficientCapital.
    """
    position = fund_position_now(fund=fund)
    capital = max(position.capital_ore, 0)
    project_after = position.exposure_for_project(project.pk) + new_exposure_ore
    if project_after > rules.max_per_project_ore:
        raise ProjectLimitExceeded(
            _("The fund may have at most %(limit)s at stake in one project; this would make %(after)s.")
            % {"limit": format_sek(rules.max_per_project_ore, language), "after": format_sek(project_after, language)},
            field=field,
        )
    # Percent limits round down to whole öre: the limit is never exceeded by rounding.
    project_percent_limit = capital * rules.max_per_project_bp // 10_000
    if project_after > project_percent_limit:
        raise ProjectLimitExceeded(
            _(
                "The fund may have at most %(pct)s %% of its capital (%(limit)s) in one project; "
                "this would make %(after)s."
            )
            % {
                "pct": Decimal(rules.max_per_project_bp) / 100,
                "limit": format_sek(project_percent_limit, language),
                "after": format_sek(project_after, language),
            },
            field=field,
        )
    total_after = position.outstanding_loans_ore + position.guarantee_exposure_ore + new_exposure_ore
    exposure_limit = capital * rules.max_exposure_bp // 10_000
    if total_after > exposure_limit:
        raise ExposureLimitExceeded(
            _("Total exposure may be at most %(pct)s %% of capital (%(limit)s); this would make %(after)s.")
            % {
                "pct": Decimal(rules.max_exposure_bp) / 100,
                "limit": format_sek(exposure_limit, language),
                "after": format_sek(total_after, language),
            },
            field=field,
        )
    if is_loan and new_exposure_ore > position.available_ore:
        raise InsufficientCapital(
            _("The fund has only %(available)s available to lend.")
            % {"available": format_sek(max(position.available_ore, 0), language)},
            field=field,
        )
    return position


def _backable_project(project: Project, *, fund: MicroFund) -> Project:
    if project.community_id != fund.community_id:
        raise InvalidFundInput(_("The fund can only back a project of its own community."), field="project")
    if project.status in (ProjectStatus.DRAFT, ProjectStatus.WITHDRAWN, ProjectStatus.CLOSED):
        raise InvalidFundInput(_("The fund can only back a published project."), field="project")
    return project


@transaction.atomic
def loan_create(
    *,
    fund: MicroFund,
    by: User,
    project: Project,
    principal_ore: int,
    term_months: int,
    disbursed_on: date,
    first_due_on: date | None = None,
    interest_bp: int = 0,
) -> Loan:
    """Lend to a project: the loan and its straight-line schedule; queue totals.
    Raises FundPermissionDenied, FundHasNoRules, InvalidFundInput, ProjectLimitExceeded, ExposureLimitExceeded,
    InsufficientCapital."""
    _require(user_manages_funds(by, community_id=fund.community_id))
    fund = _lock_fund(fund)
    rules = _rules_or_refuse(fund)
    project = _backable_project(project, fund=fund)
    principal = _money(principal_ore, field="principal")
    term = _whole(term_months, field="term_months", low=1, high=MAX_TERM_MONTHS)
    interest = _whole(interest_bp, field="interest_percent", low=0, high=MAX_INTEREST_BP)
    disbursed_on = _day(disbursed_on, field="disbursed_on", not_after_today=True)
    first_due_on = first_due_on if first_due_on is not None else add_months(disbursed_on, 1)
    first_due_on = _day(first_due_on, field="first_due_on")
    if first_due_on <= disbursed_on:
        raise InvalidFundInput(_("The first instalment falls due after the loan is paid out."), field="first_due_on")
    engagement_check_limits(
        fund=fund,
        rules=rules,
        project=project,
        new_exposure_ore=principal,
        is_loan=True,
        field="principal",
        language=by.language,
    )
    loan = Loan.objects.create(
        fund=fund,
        project=project,
        principal_ore=principal,
        term_months=term,
        interest_bp=interest,
        disbursed_on=disbursed_on,
        first_due_on=first_due_on,
        created_by=by,
    )
    LoanInstalment.objects.bulk_create(
        LoanInstalment(
            loan=loan,
            number=row.number,
            due_on=row.due_on,
            principal_ore=row.principal_ore,
            interest_ore=row.interest_ore,
        )
        for row in loan_schedule(
            principal_ore=principal, term_months=term, interest_bp=interest, first_due_on=first_due_on
        )
    )
    fund_totals_enqueue(fund_id=fund.pk)
    return loan


@transaction.atomic
def loan_repayment_record(
    *, loan: Loan, by: User, amount_ore: int, paid_on: date, reference: str | None = None
) -> LoanRepayment:
    """Record a repayment, split into interest and principal; the same reference twice returns the first row.
    Queues totals. Raises FundPermissionDenied, InvalidFundInput, RepaymentRefused."""
    _require(user_records_repayments(by, community_id=loan.fund.community_id))
    _lock_fund(loan.fund)
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    if loan.status == LoanStatus.WRITTEN_OFF:
        raise RepaymentRefused(_("This loan has been written off."), field="status")
    amount = _money(amount_ore, field="amount")
    paid_on = _day(paid_on, field="paid_on", not_after_today=True)
    reference = (reference or "").strip()[:140] or None
    if reference is not None:
        existing = loan.repayments.filter(reference=reference).first()
        if existing is not None:
            if existing.amount_ore == amount and existing.paid_on == paid_on:
                return existing
            raise RepaymentRefused(_("A different repayment already has this reference."), field="reference")
    if paid_on < loan.disbursed_on:
        raise InvalidFundInput(_("A repayment cannot come before the loan was paid out."), field="paid_on")
    schedule = [(row.interest_ore, row.principal_ore) for row in loan.instalments.order_by("number")]
    paid_before = sum(loan.repayments.values_list("amount_ore", flat=True))
    try:
        principal, interest = repayment_split(schedule=schedule, paid_before_ore=paid_before, amount_ore=amount)
    except ValueError as exc:
        left = sum(i + p for i, p in schedule) - paid_before
        raise RepaymentRefused(
            _("Only %(left)s remains to be repaid on this loan.") % {"left": format_sek(max(left, 0), by.language)},
            field="amount",
        ) from exc
    repayment = LoanRepayment.objects.create(
        loan=loan,
        amount_ore=amount,
        principal_ore=principal,
        interest_ore=interest,
        paid_on=paid_on,
        reference=reference,
        recorded_by=by,
    )
    if paid_before + amount == sum(i + p for i, p in schedule):
        loan.status = LoanStatus.REPAID
        loan.save(update_fields=["status"])
    fund_totals_enqueue(fund_id=loan.fund_id)
    return repayment


@transaction.atomic
def loan_write_off(*, loan: Loan, by: User, written_off_on: date, note: str = "") -> LoanWriteOff:
    """Give up on what is left of a loan: the outstanding principal becomes a loss; queue totals.
    Raises FundPermissionDenied, InvalidFundInput, RepaymentRefused (the loan is not active)."""
    _require(user_manages_funds(by, community_id=loan.fund.community_id))
    _lock_fund(loan.fund)
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    if loan.status != LoanStatus.ACTIVE:
        raise RepaymentRefused(_("Only an active loan can be written off."), field="status")
    day = _day(written_off_on, field="written_off_on", not_after_today=True)
    if day < loan.disbursed_on:
        raise InvalidFundInput(_("A loan cannot be written off before it was paid out."), field="written_off_on")
    repaid = sum(loan.repayments.values_list("principal_ore", flat=True))
    write_off = LoanWriteOff.objects.create(
        loan=loan,
        written_off_on=day,
        principal_ore=loan.principal_ore - repaid,
        note=(note or "").strip()[:500],
        recorded_by=by,
    )
    loan.status = LoanStatus.WRITTEN_OFF
    loan.save(update_fields=["status"])
    fund_totals_enqueue(fund_id=loan.fund_id)
    return write_off
