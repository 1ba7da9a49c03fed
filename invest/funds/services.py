"""Writes for micro-funds: rules, members and shares, withdrawals, loans, repayments, guarantees, totals.

Every service owns its transaction. Services that change what the fund has at stake lock
the fund row first (select_for_update), so two engagements or payouts never both pass a
limit that only one of them fits under. Follow-up work goes through the outbox.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from invest.funds.errors import (
    AlreadyMember,
    CoverageLimitExceeded,
    ExposureLimitExceeded,
    FourEyesRequired,
    FundHasNoRules,
    FundPermissionDenied,
    GuaranteeNotChangeable,
    InsufficientCapital,
    InvalidFundInput,
    NotMember,
    ProjectLimitExceeded,
    RepaymentRefused,
    WithdrawalRefused,
)
from invest.funds.models import (
    MAX_BP,
    MAX_EXPOSURE_BP,
    MAX_INSTALMENTS,
    MAX_NOTICE_DAYS,
    MAX_TERM_MONTHS,
    RULE_FIELDS,
    CapitalWithdrawal,
    FundMembership,
    FundRulesVersion,
    FundShare,
    FundTotals,
    Guarantee,
    GuaranteeEvent,
    GuaranteeEventKind,
    GuaranteeStatus,
    Loan,
    LoanInstalment,
    LoanRepayment,
    LoanStatus,
    LoanWriteOff,
    ShareInstalment,
    WithdrawalStatus,
)
from invest.funds.schedules import add_months, due_dates, loan_schedule, next_banking_day, repayment_split
from invest.funds.selectors import (
    FundPosition,
    fund_position_now,
    fund_rules_current,
    guarantee_line,
    member_capital_ore,
    member_pending_withdrawals_ore,
    recorded_cutoff,
    user_approves_payouts,
    user_manages_funds,
    user_records_repayments,
)
from invest.models import MicroFund, Project, ProjectStatus
from operations.outbox import enqueue
from pools.models import PledgeKind, Pool, PoolKind
from pools.money import MAX_ORE, format_sek, round_to_ore, split_ore
from pools.services import pledge_create

TOTALS_TASK = "workers.funds.recompute_fund_totals"
FIRST_INSTALMENT_AFTER_DAYS = 14
MAX_INTEREST_BP = 5000


def fund_totals_enqueue(*, fund_id: int) -> None:
    """Queue a recompute of the fund's totals after commit (one pending per fund)."""
    enqueue(TOTALS_TASK, fund_id, dedupe_key=f"fund-totals:{fund_id}")


def _lock_fund(fund: MicroFund) -> MicroFund:
    return MicroFund.objects.select_for_update().get(pk=fund.pk)


def _whole(value: object, *, field: str, low: int, high: int) -> int:
    """A whole number within [low, high], else InvalidFundInput on `field`."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidFundInput(
            _("Give a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}, field=field
        )
    return value


def _money(value: object, *, field: str) -> int:
    return _whole(value, field=field, low=1, high=MAX_ORE)


def _day(value: object, *, field: str, not_after_today: bool = False) -> date:
    if not isinstance(value, date):
        raise InvalidFundInput(_("Give a date as YYYY-MM-DD."), field=field)
    if not_after_today and value > timezone.localdate():
        raise InvalidFundInput(_("The date cannot be in the future."), field=field)
    return value


def _require(ok: bool) -> None:
    if not ok:
        raise FundPermissionDenied()


# ---------------------------------------------------------------- rules

RULE_BOUNDS: dict[str, tuple[int, int]] = {
    "required_share_ore": (1, MAX_ORE),
    "max_instalments": (1, MAX_INSTALMENTS),
    "instalment_interval_months": (1, 12),
    "withdrawal_notice_days": (0, MAX_NOTICE_DAYS),
    "max_per_project_ore": (1, MAX_ORE),
    "max_per_project_bp": (1, MAX_BP),
    "max_exposure_bp": (1, MAX_EXPOSURE_BP),
    "guarantee_max_coverage_bp": (1, MAX_BP),
    "guarantee_fee_bp": (0, MAX_BP),
}


@transaction.atomic
def fund_rules_set(*, fund: MicroFund, by: User, note: str = "", **changes: object) -> FundRulesVersion:
    """Add a new version of the fund's rules (never updates an old one); queue totals.
    Raises FundPermissionDenied, InvalidFundInput."""
    _require(user_manages_funds(by))
    fund = _lock_fund(fund)  # serialises versions of one fund
    current = fund_rules_current(fund=fund)
    before = {name: getattr(current, name) for name in RULE_FIELDS} if current else {}
    values = dict(before)
    for name, value in changes.items():
        if name not in RULE_FIELDS:
            raise TypeError(name)
        values[name] = value
    for name in RULE_FIELDS:
        if name not in values:
            if name == "voluntary_shares_allowed":
                values[name] = True
                continue
            raise InvalidFundInput(_("This rule must be set."), field=name)
        if name == "voluntary_shares_allowed":
            if not isinstance(values[name], bool):
                raise InvalidFundInput(_("Give yes or no."), field=name)
            continue
        low, high = RULE_BOUNDS[name]
        _whole(values[name], field=name, low=low, high=high)
    if current is not None and values == before:
        raise InvalidFundInput(_("Nothing changed."), field="non_field_errors")
    version = FundRulesVersion(
        fund=fund,
        version=(current.version + 1) if current else 1,
        before=before,
        changed_by=by,
        note=(note or "").strip()[:500],
        **values,
    )
    version.full_clean()
    version.save()
    fund_totals_enqueue(fund_id=fund.pk)
    return version


def _rules_or_refuse(fund: MicroFund) -> FundRulesVersion:
    rules = fund_rules_current(fund=fund)
    if rules is None:
        raise FundHasNoRules()
    return rules


# ---------------------------------------------------------------- members and shares


def _share_instalments(*, share: FundShare, amount_ore: int, count: int, first_due_on: date, interval: int) -> None:
    """Instalments by split_ore (sum exact), on banking days `interval` months apart."""
    parts = split_ore(amount_ore, count)
    ShareInstalment.objects.bulk_create(
        ShareInstalment(share=share, number=n, due_on=due_on, amount_ore=part)
        for n, (due_on, part) in enumerate(
            zip(due_dates(first_due_on, count, interval_months=interval), parts, strict=True), start=1
        )
    )


def _subscribe(
    *,
    membership: FundMembership,
    pool: Pool,
    share_count: int,
    instalments: int,
    is_required: bool,
    rules: FundRulesVersion,
) -> FundShare:
    pledge = pledge_create(pool=pool, saver=membership.member, kind=PledgeKind.SHARE, share_count=share_count)
    share = FundShare.objects.create(membership=membership, pledge=pledge, is_required=is_required)
    first_due_on = next_banking_day(timezone.localdate() + timedelta(days=FIRST_INSTALMENT_AFTER_DAYS))
    _share_instalments(
        share=share,
        amount_ore=int(pledge.amount_ore or 0),
        count=instalments,
        first_due_on=first_due_on,
        interval=rules.instalment_interval_months,
    )
    return share


def _share_pool(fund: MicroFund, pool: Pool) -> Pool:
    if pool.micro_fund_id != fund.pk or pool.kind != PoolKind.SHARE_OFFER:
        raise InvalidFundInput(_("Choose one of this fund's share offers."), field="pool")
    return pool


@transaction.atomic
def fund_member_join(
    *, fund: MicroFund, user: User, pool: Pool, instalments: int = 1, voluntary_share_count: int = 0
) -> FundMembership:
    """Make the user a member by pledging the required share (and any voluntary shares) through a share offer;
    creates the instalments; queues totals and the pledge receipt. Raises FundHasNoRules, AlreadyMember,
    InvalidFundInput and the pledge's own errors (PoolClosed, PoolOversubscribed ...)."""
    if not user.is_authenticated:
        raise FundPermissionDenied()
    fund = _lock_fund(fund)
    rules = _rules_or_refuse(fund)
    pool = _share_pool(fund, pool)
    instalments = _whole(instalments, field="instalments", low=1, high=rules.max_instalments)
    voluntary = _whole(voluntary_share_count, field="voluntary_share_count", low=0, high=1_000_000)
    if voluntary and not rules.voluntary_shares_allowed:
        raise InvalidFundInput(_("This fund takes no voluntary shares."), field="voluntary_share_count")
    price = int(pool.share_price_ore or 0)
    if price <= 0 or rules.required_share_ore % price:
        raise InvalidFundInput(_("The share offer's price does not fit the required share."), field="pool")
    if FundMembership.objects.filter(fund=fund, member=user).exists():
        raise AlreadyMember()
    membership = FundMembership.objects.create(fund=fund, member=user, joined_on=timezone.localdate())
    _subscribe(
        membership=membership,
        pool=pool,
        share_count=rules.required_share_ore // price,
        instalments=instalments,
        is_required=True,
        rules=rules,
    )
    if voluntary:
        _subscribe(
            membership=membership, pool=pool, share_count=voluntary, instalments=1, is_required=False, rules=rules
        )
    fund_totals_enqueue(fund_id=fund.pk)
    return membership


@transaction.atomic
def fund_share_subscribe(*, fund: MicroFund, user: User, pool: Pool, share_count: int) -> FundShare:
    """A member subscribes voluntary shares (one instalment). Raises NotMember, InvalidFundInput, pledge errors."""
    fund = _lock_fund(fund)
    rules = _rules_or_refuse(fund)
    pool = _share_pool(fund, pool)
    membership = FundMembership.objects.filter(fund=fund, member=user).first() if user.is_authenticated else None
    if membership is None:
        raise NotMember()
    if not rules.voluntary_shares_allowed:
        raise InvalidFundInput(_("This fund takes no voluntary shares."), field="share_count")
    count = _whole(share_count, field="share_count", low=1, high=1_000_000)
    share = _subscribe(
        membership=membership, pool=pool, share_count=count, instalments=1, is_required=False, rules=rules
    )
    fund_totals_enqueue(fund_id=fund.pk)
    return share


# ---------------------------------------------------------------- withdrawals of capital


def _lock_withdrawal(withdrawal: CapitalWithdrawal) -> tuple[MicroFund, CapitalWithdrawal]:
    fund = MicroFund.objects.select_for_update().get(pk=withdrawal.membership.fund_id)
    row = CapitalWithdrawal.objects.select_for_update().select_related("membership").get(pk=withdrawal.pk)
    return fund, row


def _withdrawable_ore(membership: FundMembership, *, excluding: int = 0) -> int:
    today = timezone.localdate()
    capital = member_capital_ore(membership=membership, as_of=today, known_at=timezone.now() + timedelta(seconds=1))
    return capital - (member_pending_withdrawals_ore(membership=membership) - excluding)


@transaction.atomic
def capital_withdrawal_request(*, fund: MicroFund, user: User, amount_ore: int) -> CapitalWithdrawal:
    """A member asks to take out capital; payable after the fund's notice. Raises NotMember, WithdrawalRefused."""
    fund = _lock_fund(fund)
    rules = _rules_or_refuse(fund)
    membership = FundMembership.objects.filter(fund=fund, member=user).first() if user.is_authenticated else None
    if membership is None:
        raise NotMember()
    amount = _money(amount_ore, field="amount")
    room = _withdrawable_ore(membership)
    if amount > room:
        raise WithdrawalRefused(
            _("You can withdraw at most %(room)s (paid-in capital less withdrawals already asked for).")
            % {"room": format_sek(max(room, 0), user.language)},
            field="amount",
        )
    today = timezone.localdate()
    withdrawal = CapitalWithdrawal.objects.create(
        membership=membership,
        amount_ore=amount,
        requested_on=today,
        payable_on=next_banking_day(today + timedelta(days=rules.withdrawal_notice_days)),
    )
    return withdrawal


@transaction.atomic
def capital_withdrawal_prepare(*, withdrawal: CapitalWithdrawal, by: User) -> CapitalWithdrawal:
    """A treasurer checks the request and prepares the payout. Raises FundPermissionDenied, WithdrawalRefused,
    InsufficientCapital."""
    _require(user_approves_payouts(by) or user_records_repayments(by))
    fund, withdrawal = _lock_withdrawal(withdrawal)
    if withdrawal.status != WithdrawalStatus.REQUESTED:
        raise WithdrawalRefused(_("Only a new request can be prepared."), field="status")
    if withdrawal.membership.member_id == by.pk:
        raise FourEyesRequired(_("You cannot prepare a payout of your own capital."))
    if withdrawal.amount_ore > _withdrawable_ore(withdrawal.membership, excluding=withdrawal.amount_ore):
        raise WithdrawalRefused(_("The member's paid-in capital no longer covers this amount."), field="amount")
    available = fund_position_now(fund=fund).available_ore
    if withdrawal.amount_ore > available:
        raise InsufficientCapital(
            _("The fund has only %(available)s available; the rest is lent or guaranteed.")
            % {"available": format_sek(max(available, 0), by.language)},
            field="amount",
        )
    withdrawal.status = WithdrawalStatus.PREPARED
    withdrawal.prepared_by = by
    withdrawal.prepared_at = timezone.now()
    withdrawal.save(update_fields=["status", "prepared_by", "prepared_at"])
    return withdrawal


@transaction.atomic
def capital_withdrawal_approve(*, withdrawal: CapitalWithdrawal, by: User) -> CapitalWithdrawal:
    """A second treasurer (pools.approve_payouts, not the preparer, not the member) approves the payout.
    Raises FundPermissionDenied, FourEyesRequired, WithdrawalRefused."""
    _require(user_approves_payouts(by))
    _fund, withdrawal = _lock_withdrawal(withdrawal)
    if withdrawal.status != WithdrawalStatus.PREPARED:
        raise WithdrawalRefused(_("Only a prepared payout can be approved."), field="status")
    if withdrawal.prepared_by_id == by.pk or withdrawal.membership.member_id == by.pk:
        raise FourEyesRequired()
    withdrawal.status = WithdrawalStatus.APPROVED
    withdrawal.approved_by = by
    withdrawal.approved_at = timezone.now()
    withdrawal.save(update_fields=["status", "approved_by", "approved_at"])
    return withdrawal


@transaction.atomic
def capital_withdrawal_mark_paid(*, withdrawal: CapitalWithdrawal, by: User, paid_on: date) -> CapitalWithdrawal:
    """Record that an approved payout left the fund's account, on or after its notice date; queue totals.
    Raises FundPermissionDenied, WithdrawalRefused."""
    _require(user_approves_payouts(by) or user_records_repayments(by))
    fund, withdrawal = _lock_withdrawal(withdrawal)
    paid_on = _day(paid_on, field="paid_on", not_after_today=True)
    if withdrawal.status != WithdrawalStatus.APPROVED:
        raise WithdrawalRefused(_("Only an approved payout can be paid."), field="status")
    if paid_on < withdrawal.payable_on:
        raise WithdrawalRefused(
            _("The notice runs until %(day)s; pay on or after that day.") % {"day": withdrawal.payable_on.isoformat()},
            field="paid_on",
        )
    withdrawal.status = WithdrawalStatus.PAID
    withdrawal.paid_on = paid_on
    withdrawal.paid_recorded_at = timezone.now()
    withdrawal.save(update_fields=["status", "paid_on", "paid_recorded_at"])
    fund_totals_enqueue(fund_id=fund.pk)
    return withdrawal


@transaction.atomic
def capital_withdrawal_cancel(*, withdrawal: CapitalWithdrawal, by: User) -> CapitalWithdrawal:
    """The member, or a treasurer, cancels a withdrawal not yet paid. Raises FundPermissionDenied, WithdrawalRefused."""
    _fund, withdrawal = _lock_withdrawal(withdrawal)
    _require(withdrawal.membership.member_id == by.pk or user_approves_payouts(by))
    if withdrawal.status in (WithdrawalStatus.PAID, WithdrawalStatus.CANCELLED):
        raise WithdrawalRefused(_("This withdrawal can no longer be cancelled."), field="status")
    withdrawal.status = WithdrawalStatus.CANCELLED
    withdrawal.save(update_fields=["status"])
    return withdrawal


# ---------------------------------------------------------------- limits


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


def _backable_project(project: Project) -> Project:
    if project.status in (ProjectStatus.DRAFT, ProjectStatus.WITHDRAWN, ProjectStatus.CLOSED):
        raise InvalidFundInput(_("The fund can only back a published project."), field="project")
    return project


# ---------------------------------------------------------------- loans


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
    _require(user_manages_funds(by))
    fund = _lock_fund(fund)
    rules = _rules_or_refuse(fund)
    project = _backable_project(project)
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
    _require(user_records_repayments(by))
    MicroFund.objects.select_for_update().get(pk=loan.fund_id)
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
    _require(user_manages_funds(by))
    MicroFund.objects.select_for_update().get(pk=loan.fund_id)
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


# ---------------------------------------------------------------- guarantees


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
    _require(user_manages_funds(by))
    fund = _lock_fund(fund)
    rules = _rules_or_refuse(fund)
    project = _backable_project(project)
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
    MicroFund.objects.select_for_update().get(pk=guarantee.fund_id)
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
    _require(user_records_repayments(by) or user_manages_funds(by))
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
    _require(user_manages_funds(by))
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
    _require(user_manages_funds(by))
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


# ---------------------------------------------------------------- totals


@transaction.atomic
def fund_totals_recompute(*, fund_id: int) -> FundTotals:
    """Recompute and store a fund's totals from its rows as of today (idempotent: never increments)."""
    fund = MicroFund.objects.get(pk=fund_id)
    position = fund_position_now(fund=fund)
    totals, _created = FundTotals.objects.select_for_update().get_or_create(fund=fund)
    for name, value in position.figures().items():
        setattr(totals, name, value)
    totals.as_of = position.as_of
    totals.computed_at = timezone.now()
    totals.save()
    return totals


def fund_totals_enqueue_all() -> int:
    """Queue a recompute for every fund (payments matched in pools change capital without telling funds)."""
    ids = list(MicroFund.objects.values_list("pk", flat=True))
    for fund_id in ids:
        with transaction.atomic():
            fund_totals_enqueue(fund_id=fund_id)
    return len(ids)
