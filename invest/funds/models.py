"""Micro-funds: rules, members and their shares, loans, guarantees, withdrawals, totals.

Every event that moves the fund's position carries its effective date (`*_on`) and the
moment it was recorded (`recorded_at`): the position "as of" a date counts an event only
when both fall on or before that date (see invest/funds/selectors.py, fund_position).
Percentages are stored as whole basis points (`*_bp`: 1 % = 100 bp), money as whole öre.

Why one module of about 460 lines: Django keeps an app's models in one module; the classes are declarations
with their check constraints, and every one follows the effective-date/recorded-at rule above.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from pools.money import MAX_ORE

BP_PER_PERCENT = 100
MAX_BP = 100 * BP_PER_PERCENT  # 100 %
MAX_EXPOSURE_BP = 1000 * BP_PER_PERCENT  # exposure up to ten times capital
MAX_TERM_MONTHS = 360
MAX_INSTALMENTS = 60
MAX_NOTICE_DAYS = 3650


class FundRulesVersion(models.Model):
    """One version of a fund's rules. Rows are only ever added: the newest is in force.

    `before` holds the previous version's values (empty for the first), so each row
    records who changed what, when, from what, to what.
    """

    fund = models.ForeignKey("invest.MicroFund", on_delete=models.PROTECT, related_name="rules_versions")
    version = models.PositiveIntegerField()
    required_share_ore = models.BigIntegerField(_("required member share (öre)"))
    max_instalments = models.PositiveSmallIntegerField(_("instalments allowed for the required share"), default=1)
    instalment_interval_months = models.PositiveSmallIntegerField(_("months between instalments"), default=1)
    voluntary_shares_allowed = models.BooleanField(_("voluntary shares allowed"), default=True)
    withdrawal_notice_days = models.PositiveIntegerField(_("notice for withdrawing capital (days)"), default=90)
    max_per_project_ore = models.BigIntegerField(_("maximum per project (öre)"))
    max_per_project_bp = models.PositiveIntegerField(_("maximum per project (basis points of capital)"))
    max_exposure_bp = models.PositiveIntegerField(_("maximum total exposure (basis points of capital)"))
    guarantee_max_coverage_bp = models.PositiveIntegerField(_("maximum guarantee coverage (basis points)"))
    guarantee_fee_bp = models.PositiveIntegerField(_("guarantee fee per year (basis points)"))
    before = models.JSONField(default=dict, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["fund", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "version"], name="fund_rules_version_unique"),
            models.CheckConstraint(
                condition=Q(required_share_ore__gt=0, required_share_ore__lte=MAX_ORE), name="fund_rules_share_positive"
            ),
            models.CheckConstraint(
                condition=Q(max_instalments__gte=1, max_instalments__lte=MAX_INSTALMENTS),
                name="fund_rules_instalments_range",
            ),
            models.CheckConstraint(
                condition=Q(instalment_interval_months__gte=1, instalment_interval_months__lte=12),
                name="fund_rules_interval_range",
            ),
            models.CheckConstraint(
                condition=Q(withdrawal_notice_days__lte=MAX_NOTICE_DAYS), name="fund_rules_notice_range"
            ),
            models.CheckConstraint(
                condition=Q(max_per_project_ore__gt=0, max_per_project_ore__lte=MAX_ORE),
                name="fund_rules_per_project_ore_range",
            ),
            models.CheckConstraint(
                condition=Q(max_per_project_bp__gt=0, max_per_project_bp__lte=MAX_BP),
                name="fund_rules_per_project_bp_range",
            ),
            models.CheckConstraint(
                condition=Q(max_exposure_bp__gt=0, max_exposure_bp__lte=MAX_EXPOSURE_BP),
                name="fund_rules_exposure_bp_range",
            ),
            models.CheckConstraint(
                condition=Q(guarantee_max_coverage_bp__gt=0, guarantee_max_coverage_bp__lte=MAX_BP),
                name="fund_rules_coverage_bp_range",
            ),
            models.CheckConstraint(condition=Q(guarantee_fee_bp__lte=MAX_BP), name="fund_rules_fee_bp_range"),
        ]

    def __str__(self) -> str:
        return f"Rules v{self.version} of fund {self.fund_id}"


RULE_FIELDS = (
    "required_share_ore",
    "max_instalments",
    "instalment_interval_months",
    "voluntary_shares_allowed",
    "withdrawal_notice_days",
    "max_per_project_ore",
    "max_per_project_bp",
    "max_exposure_bp",
    "guarantee_max_coverage_bp",
    "guarantee_fee_bp",
)


class FundMembership(models.Model):
    """A member of a fund: joined by subscribing the required share through a share-offer pool."""

    fund = models.ForeignKey("invest.MicroFund", on_delete=models.PROTECT, related_name="memberships")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="fund_memberships")
    joined_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["fund", "joined_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["fund", "member"], name="fund_membership_unique")]

    def __str__(self) -> str:
        return f"Member {self.member_id} of fund {self.fund_id}"


class FundShare(models.Model):
    """A subscription of shares (one share pledge), required or voluntary, with its instalments."""

    membership = models.ForeignKey(FundMembership, on_delete=models.PROTECT, related_name="shares")
    pledge = models.OneToOneField("pools.Pledge", on_delete=models.PROTECT, related_name="fund_share")
    is_required = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["membership", "-is_required", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"], condition=Q(is_required=True), name="fund_share_one_required_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"Share pledge {self.pledge_id} ({'required' if self.is_required else 'voluntary'})"


class ShareInstalment(models.Model):
    """One instalment of a share subscription; paid by money matched to the pledge, in due order."""

    share = models.ForeignKey(FundShare, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    amount_ore = models.BigIntegerField()

    class Meta:
        ordering = ["share", "number"]
        constraints = [
            models.UniqueConstraint(fields=["share", "number"], name="share_instalment_number_unique"),
            models.CheckConstraint(
                condition=Q(amount_ore__gt=0, amount_ore__lte=MAX_ORE), name="share_instalment_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Instalment {self.number} of share {self.share_id}"


class WithdrawalStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    PREPARED = "prepared", _("Prepared")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid out")
    CANCELLED = "cancelled", _("Cancelled")


class CapitalWithdrawal(models.Model):
    """A member's request to take capital out; paid after the notice and a second person's approval."""

    membership = models.ForeignKey(FundMembership, on_delete=models.PROTECT, related_name="withdrawals")
    amount_ore = models.BigIntegerField(_("amount (öre)"))
    requested_on = models.DateField()
    payable_on = models.DateField(_("payable from"))
    status = models.CharField(max_length=12, choices=WithdrawalStatus.choices, default=WithdrawalStatus.REQUESTED)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    paid_recorded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_ore__gt=0, amount_ore__lte=MAX_ORE), name="withdrawal_amount_positive"
            ),
            models.CheckConstraint(condition=Q(status__in=WithdrawalStatus.values), name="withdrawal_status_valid"),
            models.CheckConstraint(condition=Q(payable_on__gte=F("requested_on")), name="withdrawal_notice_kept"),
            # The four-eyes rule, held by the database too.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                name="withdrawal_approver_not_preparer",
            ),
            models.CheckConstraint(
                condition=~Q(status=WithdrawalStatus.PAID)
                | (Q(paid_on__isnull=False) & Q(paid_on__gte=F("payable_on")) & Q(approved_by__isnull=False)),
                name="withdrawal_paid_after_notice_and_approval",
            ),
        ]

    def __str__(self) -> str:
        return f"Withdrawal {self.pk}: {self.amount_ore} öre"


class RepaymentMethod(models.TextChoices):
    STRAIGHT_LINE = "straight_line", _("Straight-line (equal principal)")


class LoanStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REPAID = "repaid", _("Repaid")
    WRITTEN_OFF = "written_off", _("Written off")


class Loan(models.Model):
    """Money the fund lends a project, repaid by a schedule of monthly instalments."""

    fund = models.ForeignKey("invest.MicroFund", on_delete=models.PROTECT, related_name="loans")
    project = models.ForeignKey("invest.Project", on_delete=models.PROTECT, related_name="fund_loans")
    principal_ore = models.BigIntegerField(_("principal (öre)"))
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    interest_bp = models.PositiveIntegerField(_("interest per year (basis points)"), default=0)
    method = models.CharField(max_length=20, choices=RepaymentMethod.choices, default=RepaymentMethod.STRAIGHT_LINE)
    disbursed_on = models.DateField(_("paid out on"))
    first_due_on = models.DateField(_("first instalment due"))
    status = models.CharField(max_length=20, choices=LoanStatus.choices, default=LoanStatus.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-disbursed_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(principal_ore__gt=0, principal_ore__lte=MAX_ORE), name="loan_principal"),
            models.CheckConstraint(
                condition=Q(term_months__gte=1, term_months__lte=MAX_TERM_MONTHS), name="loan_term_range"
            ),
            models.CheckConstraint(condition=Q(interest_bp__lte=5000), name="loan_interest_range"),
            models.CheckConstraint(condition=Q(method__in=RepaymentMethod.values), name="loan_method_valid"),
            models.CheckConstraint(condition=Q(status__in=LoanStatus.values), name="loan_status_valid"),
            models.CheckConstraint(condition=Q(first_due_on__gt=F("disbursed_on")), name="loan_first_due_after"),
        ]

    def __str__(self) -> str:
        return f"Loan {self.pk} to project {self.project_id}"


class LoanInstalment(models.Model):
    """One row of a loan's repayment schedule; the principal parts sum exactly to the principal."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    principal_ore = models.BigIntegerField()
    interest_ore = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["loan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="loan_instalment_number_unique"),
            models.CheckConstraint(condition=Q(principal_ore__gte=0), name="loan_instalment_principal"),
            models.CheckConstraint(condition=Q(interest_ore__gte=0), name="loan_instalment_interest"),
        ]

    def __str__(self) -> str:
        return f"Instalment {self.number} of loan {self.loan_id}"

    @property
    def amount_ore(self) -> int:
        return self.principal_ore + self.interest_ore


class LoanRepayment(models.Model):
    """Money a project repaid; split at recording into interest and principal (interest first, in due order)."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="repayments")
    amount_ore = models.BigIntegerField()
    principal_ore = models.BigIntegerField()
    interest_ore = models.BigIntegerField()
    paid_on = models.DateField()
    reference = models.CharField(max_length=140, null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paid_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_ore__gt=0, amount_ore__lte=MAX_ORE), name="repayment_amount"),
            models.CheckConstraint(
                condition=Q(principal_ore__gte=0, interest_ore__gte=0)
                & Q(amount_ore=F("principal_ore") + F("interest_ore")),
                name="repayment_split_adds_up",
            ),
            # The same bank reference twice is the same repayment: recording is idempotent.
            models.UniqueConstraint(fields=["loan", "reference"], name="repayment_reference_unique_per_loan"),
        ]

    def __str__(self) -> str:
        return f"Repayment {self.pk} of loan {self.loan_id}"


class LoanWriteOff(models.Model):
    """The fund gives up on what is left of a loan: the outstanding principal becomes a loss."""

    loan = models.OneToOneField(Loan, on_delete=models.PROTECT, related_name="write_off")
    written_off_on = models.DateField()
    principal_ore = models.BigIntegerField()
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(principal_ore__gte=0, principal_ore__lte=MAX_ORE), name="loan_write_off_principal"
            ),
        ]

    def __str__(self) -> str:
        return f"Write-off of loan {self.loan_id}"


class GuaranteeStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RELEASED = "released", _("Released")
    CALLED = "called", _("Called")


class Guarantee(models.Model):
    """The fund's promise to a bank to cover a share of a project's bank loan."""

    fund = models.ForeignKey("invest.MicroFund", on_delete=models.PROTECT, related_name="guarantees")
    project = models.ForeignKey("invest.Project", on_delete=models.PROTECT, related_name="fund_guarantees")
    bank = models.CharField(_("bank"), max_length=120)
    loan_amount_ore = models.BigIntegerField(_("bank loan (öre)"))
    coverage_bp = models.PositiveIntegerField(_("share covered (basis points)"))
    fee_bp = models.PositiveIntegerField(_("fee per year (basis points)"))
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    issued_on = models.DateField(_("issued on"))
    status = models.CharField(max_length=10, choices=GuaranteeStatus.choices, default=GuaranteeStatus.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(loan_amount_ore__gt=0, loan_amount_ore__lte=MAX_ORE), name="guarantee_loan_amount"
            ),
            models.CheckConstraint(condition=Q(coverage_bp__gt=0, coverage_bp__lte=MAX_BP), name="guarantee_coverage"),
            models.CheckConstraint(condition=Q(fee_bp__lte=MAX_BP), name="guarantee_fee_range"),
            models.CheckConstraint(
                condition=Q(term_months__gte=1, term_months__lte=MAX_TERM_MONTHS), name="guarantee_term_range"
            ),
            models.CheckConstraint(condition=Q(status__in=GuaranteeStatus.values), name="guarantee_status_valid"),
        ]

    def __str__(self) -> str:
        return f"Guarantee {self.pk} to {self.bank} for project {self.project_id}"


class GuaranteeEventKind(models.TextChoices):
    BALANCE = "balance", _("Bank loan balance reported")
    RELEASED = "released", _("Released")
    CALLED = "called", _("Called")


class GuaranteeEvent(models.Model):
    """Something that changed a guarantee's exposure: a new bank-loan balance, its release, or its call."""

    guarantee = models.ForeignKey(Guarantee, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=10, choices=GuaranteeEventKind.choices)
    effective_on = models.DateField()
    balance_ore = models.BigIntegerField(null=True, blank=True)
    loss_ore = models.BigIntegerField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["effective_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=GuaranteeEventKind.values), name="guarantee_event_kind"),
            models.CheckConstraint(
                condition=~Q(kind=GuaranteeEventKind.BALANCE) | Q(balance_ore__gte=0, balance_ore__lte=MAX_ORE),
                name="guarantee_event_balance",
            ),
            models.CheckConstraint(
                condition=~Q(kind=GuaranteeEventKind.CALLED) | Q(loss_ore__gte=0, loss_ore__lte=MAX_ORE),
                name="guarantee_event_loss",
            ),
            # A guarantee ends once: one release or one call.
            models.UniqueConstraint(
                fields=["guarantee"],
                condition=Q(kind__in=["released", "called"]),
                name="guarantee_event_one_ending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of guarantee {self.guarantee_id} on {self.effective_on}"


class FundTotals(models.Model):
    """A fund's position today, kept current by a worker; always recomputed, never incremented."""

    fund = models.OneToOneField("invest.MicroFund", on_delete=models.CASCADE, primary_key=True, related_name="totals")
    as_of = models.DateField(null=True, blank=True)
    capital_paid_in_ore = models.BigIntegerField(default=0)
    withdrawn_ore = models.BigIntegerField(default=0)
    capital_ore = models.BigIntegerField(default=0)
    available_ore = models.BigIntegerField(default=0)
    outstanding_loans_ore = models.BigIntegerField(default=0)
    guarantee_exposure_ore = models.BigIntegerField(default=0)
    repaid_principal_ore = models.BigIntegerField(default=0)
    interest_received_ore = models.BigIntegerField(default=0)
    repayments_due_ore = models.BigIntegerField(default=0)
    repayments_overdue_ore = models.BigIntegerField(default=0)
    losses_ore = models.BigIntegerField(default=0)
    member_count = models.PositiveIntegerField(default=0)
    voting_member_count = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "fund totals"

    def __str__(self) -> str:
        return f"Totals of fund {self.fund_id}"


class FundReminderKind(models.TextChoices):
    REPAYMENT_DUE = "repayment_due", _("Loan repayment due")
    REPAYMENT_OVERDUE = "repayment_overdue", _("Loan repayment overdue")
    INSTALMENT_DUE = "instalment_due", _("Member share instalment due")
    INSTALMENT_OVERDUE = "instalment_overdue", _("Member share instalment overdue")


class FundReminderSent(models.Model):
    """A fund reminder claimed for sending: unique per user, subject, kind and period, so never twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=80)
    kind = models.CharField(max_length=20, choices=FundReminderKind.choices)
    period = models.CharField(max_length=20)
    claimed_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "subject", "kind", "period"], name="fund_reminder_once"),
            models.CheckConstraint(condition=Q(kind__in=FundReminderKind.values), name="fund_reminder_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} {self.period} to {self.user_id}"
