"""Guarantees a micro-fund gives: creating one, reported balances, release and call."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from invest.funds.errors import (
    CoverageLimitExceeded,
    GuaranteeNotChangeable,
    InvalidFundInput,
)
from invest.funds.models import (
    MAX_BP,
    MAX_TERM_MONTHS,
    Guarantee,
    GuaranteeEvent,
    GuaranteeEventKind,
    GuaranteeStatus,
)
from invest.funds.selectors import (
    guarantee_line,
    recorded_cutoff,
    user_manages_funds,
    user_records_repayments,
)
from invest.funds.services.common import _day, _lock_fund, _money, _require, _whole
from invest.funds.services.loans import _backable_project, engagement_check_limits
from invest.funds.services.rules import _rules_or_refuse
from invest.funds.services.totals import fund_totals_enqueue
from invest.models import MicroFund, Project
from pools.money import round_to_ore


def guarantee_exposure_ore(*, balance_ore: int, coverage_bp: int) -> int:
    """Covered share of a bank-loan balance, half up to a whole öre."""
    return round_to_ore(Decimal(balance_ore) * Decimal(coverage_bp) / Decimal(10_000))


@transaction.atomic
def guarantee_create(
    *,
    fund: MicroFund,
    by: User,
    project: Project,
    bank: str,
    loan_amount_ore: int,
    coverage_bp: int,
    term_months: int,
    issued_on: date,
    fee_bp: int | None = None,
) -> Guarantee:
    """Guarantee part of a project's bank loan; queue totals. Raises FundPermissionDenied, FundHasNoRules,
    InvalidFundInput, CoverageLimitExceeded, ProjectLimitExceeded, ExposureLimitExceeded."""
    _require(user_manages_funds(by, community_id=fund.community_id))
    fund = _lock_fund(fund)
    rules = _rules_or_refuse(fund)
    project = _backable_project(project, fund=fund)
    bank = (bank or "").strip()
    if not bank or len(bank) > 120:
        raise InvalidFundInput(_("Name the bank (at most 120 characters)."), field="bank")
    amount = _money(loan_amount_ore, field="loan_amount")
    coverage = _whole(coverage_bp, field="coverage_percent", low=1, high=MAX_BP)
    if coverage > rules.guarantee_max_coverage_bp:
        raise CoverageLimitExceeded(
            _("The fund covers at most %(pct)s %% of a bank loan.")
            % {"pct": Decimal(rules.guarantee_max_coverage_bp) / 100},
            field="coverage_percent",
        )
    fee = rules.guarantee_fee_bp if fee_bp is None else _whole(fee_bp, field="fee_percent", low=0, high=MAX_BP)
    term = _whole(term_months, field="term_months", low=1, high=MAX_TERM_MONTHS)
    issued_on = _day(issued_on, field="issued_on", not_after_today=True)
    engagement_check_limits(
        fund=fund,
        rules=rules,
        project=project,
        new_exposure_ore=guarantee_exposure_ore(balance_ore=amount, coverage_bp=coverage),
        is_loan=False,
        field="loan_amount",
        language=by.language,
    )
    guarantee = Guarantee.objects.create(
        fund=fund,
        project=project,
        bank=bank,
        loan_amount_ore=amount,
        coverage_bp=coverage,
        fee_bp=fee,
        term_months=term,
        issued_on=issued_on,
        created_by=by,
    )
    fund_totals_enqueue(fund_id=fund.pk)
    return guarantee


def _lock_active_guarantee(guarantee: Guarantee) -> Guarantee:
    """The guarantee's fund (locked in its own community, see _lock_fund), then the guarantee, still active."""
    _lock_fund(guarantee.fund)
    guarantee = Guarantee.objects.select_for_update().get(pk=guarantee.pk)
    if guarantee.status != GuaranteeStatus.ACTIVE:
        raise GuaranteeNotChangeable()
    return guarantee


def _event_day(guarantee: Guarantee, value: object) -> date:
    day = _day(value, field="effective_on", not_after_today=True)
    if day < guarantee.issued_on:
        raise InvalidFundInput(_("The date cannot be before the guarantee was issued."), field="effective_on")
    return day


@transaction.atomic
def guarantee_balance_report(*, guarantee: Guarantee, by: User, balance_ore: int, effective_on: date) -> GuaranteeEvent:
    """Record the bank loan's balance (it shrinks as the loan is repaid), lowering the exposure; queue totals.
    Raises FundPermissionDenied, GuaranteeNotChangeable, InvalidFundInput."""
    community_id = guarantee.fund.community_id
    _require(
        user_records_repayments(by, community_id=community_id) or user_manages_funds(by, community_id=community_id)
    )
    guarantee = _lock_active_guarantee(guarantee)
    balance = _whole(balance_ore, field="balance", low=0, high=guarantee.loan_amount_ore)
    day = _event_day(guarantee, effective_on)
    event = GuaranteeEvent.objects.create(
        guarantee=guarantee, kind=GuaranteeEventKind.BALANCE, effective_on=day, balance_ore=balance, recorded_by=by
    )
    fund_totals_enqueue(fund_id=guarantee.fund_id)
    return event


@transaction.atomic
def guarantee_release(*, guarantee: Guarantee, by: User, effective_on: date, note: str = "") -> GuaranteeEvent:
    """The bank releases the fund from the guarantee; exposure ends. Queue totals.
    Raises FundPermissionDenied, GuaranteeNotChangeable, InvalidFundInput."""
    _require(user_manages_funds(by, community_id=guarantee.fund.community_id))
    guarantee = _lock_active_guarantee(guarantee)
    day = _event_day(guarantee, effective_on)
    event = GuaranteeEvent.objects.create(
        guarantee=guarantee, kind=GuaranteeEventKind.RELEASED, effective_on=day, note=note[:500], recorded_by=by
    )
    guarantee.status = GuaranteeStatus.RELEASED
    guarantee.save(update_fields=["status"])
    fund_totals_enqueue(fund_id=guarantee.fund_id)
    return event


@transaction.atomic
def guarantee_call(
    *, guarantee: Guarantee, by: User, effective_on: date, loss_ore: int, note: str = ""
) -> GuaranteeEvent:
    """The bank calls the guarantee: the fund pays and records the loss (at most the exposure). Queue totals.
    Raises FundPermissionDenied, GuaranteeNotChangeable, InvalidFundInput."""
    _require(user_manages_funds(by, community_id=guarantee.fund.community_id))
    guarantee = _lock_active_guarantee(guarantee)
    day = _event_day(guarantee, effective_on)
    line = guarantee_line(guarantee, as_of=day, cutoff=recorded_cutoff(day, timezone.now() + timedelta(seconds=1)))
    exposure = line.exposure_ore if line else 0
    loss = _whole(loss_ore, field="loss", low=0, high=max(exposure, 0))
    event = GuaranteeEvent.objects.create(
        guarantee=guarantee,
        kind=GuaranteeEventKind.CALLED,
        effective_on=day,
        loss_ore=loss,
        note=note[:500],
        recorded_by=by,
    )
    guarantee.status = GuaranteeStatus.CALLED
    guarantee.save(update_fields=["status"])
    fund_totals_enqueue(fund_id=guarantee.fund_id)
    return event
