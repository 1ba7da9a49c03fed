"""Rows of regulated offers: the pool's offer terms, the key information sheet (versioned), a saver's
entry assessment (knowledge test and loss simulation), what a regulated pledge was made on, and yearly
statements. Registered under the pools app (pools/models.py imports this module)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pools.money import MAX_ORE


class OfferInstrument(models.TextChoices):
    INTEREST_LOAN = "interest_loan", _("Loan with interest")
    INTEREST_FREE_LOAN = "interest_free_loan", _("Interest-free loan")
    TRANSFERABLE_SECURITIES = "transferable_securities", _("Transferable securities")
    MEMBER_SHARES = "member_shares", _("Member shares in an economic association")
    OTHER = "other", _("Gifts, pre-purchases, support saving or time")


class PoolOffer(models.Model):
    """A pool's offer terms and whether the crowdfunding steps apply to it."""

    pool = models.OneToOneField("pools.Pool", on_delete=models.CASCADE, related_name="offer")
    instrument = models.CharField(_("instrument"), max_length=30, choices=OfferInstrument.choices)
    # None: the default for the instrument (settings.OFFERS_REGULATED_INSTRUMENTS); True/False: decided
    # for this pool on the community's legal advice.
    regulated = models.BooleanField(_("regulated"), null=True, blank=True)
    # Yearly interest in basis points (1 % = 100); only for loans.
    interest_rate_bp = models.PositiveIntegerField(_("interest per year (basis points)"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(instrument__in=OfferInstrument.values), name="pooloffer_instrument_valid"
            ),
            models.CheckConstraint(
                condition=Q(interest_rate_bp__isnull=True) | Q(interest_rate_bp__lte=10_000),
                name="pooloffer_interest_within_100_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"Offer of pool {self.pool_id} ({self.instrument})"

    @property
    def is_regulated(self) -> bool:
        if self.regulated is not None:
            return self.regulated
        return self.instrument in settings.OFFERS_REGULATED_INSTRUMENTS


class SheetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")


class SheetSection(models.TextChoices):
    """The sections of the key investment information sheet (Regulation (EU) 2020/1503, Annex I)."""

    OWNER = "owner", _("Who the project owner is")
    PROJECT = "project", _("The project")
    RISKS = "risks", _("Main risks")
    TERMS = "terms", _("Terms of the offer: minimum target, deadline and what happens if it is not reached")
    FEES = "fees", _("Fees and costs")
    RIGHTS = "rights", _("Rights of investors")
    INSTRUMENT = "instrument", _("The loan's interest and repayment schedule, or the instrument's rights")


class KeyInfoSheet(models.Model):
    """One version of a pool's key investment information sheet, in Swedish and English.

    A new version is a new row; an approved version is never edited. `content` maps language -> section ->
    text (sections: SheetSection). Approval by the pool's own project owner needs a second organiser.
    """

    pool = models.ForeignKey("pools.Pool", on_delete=models.PROTECT, related_name="info_sheets")
    version = models.PositiveIntegerField()
    content = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=SheetStatus.choices, default=SheetStatus.DRAFT)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    second_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pool", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "version"], name="keyinfosheet_version_unique"),
            models.UniqueConstraint(
                fields=["pool"], condition=Q(status="approved"), name="keyinfosheet_one_approved_per_pool"
            ),
            models.CheckConstraint(condition=Q(status__in=SheetStatus.values), name="keyinfosheet_status_valid"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="keyinfosheet_approved_has_approver",
            ),
            models.CheckConstraint(
                condition=Q(second_approved_by__isnull=True) | ~Q(second_approved_by=models.F("approved_by")),
                name="keyinfosheet_four_eyes_distinct",
            ),
        ]

    def __str__(self) -> str:
        return f"Key information sheet v{self.version} of pool {self.pool_id}"

    def section(self, language: str, name: str) -> str:
        return str(self.content.get(language, {}).get(name, ""))


class InvestorAssessment(models.Model):
    """A saver's entry knowledge test and loss simulation, valid for two years. Never edited."""

    saver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="investor_assessments")
    is_sophisticated = models.BooleanField(default=False)
    answers = models.JSONField(default=dict)
    score = models.PositiveSmallIntegerField(default=0)
    question_count = models.PositiveSmallIntegerField(default=0)
    passed = models.BooleanField(default=False)
    # Failing is allowed once the saver has seen and acknowledged the warning.
    warning_acknowledged = models.BooleanField(default=False)
    net_worth_ore = models.BigIntegerField(_("declared net worth (öre)"))
    loss_acknowledged = models.BooleanField(default=False)
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["-taken_at", "-pk"]
        indexes = [models.Index(fields=["saver", "-taken_at"], name="assessment_saver_taken_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(net_worth_ore__gte=0, net_worth_ore__lte=MAX_ORE), name="assessment_net_worth_range"
            ),
            models.CheckConstraint(
                condition=Q(passed=True) | Q(is_sophisticated=True) | Q(warning_acknowledged=True),
                name="assessment_failed_needs_acknowledged_warning",
            ),
            models.CheckConstraint(condition=Q(loss_acknowledged=True), name="assessment_loss_acknowledged"),
        ]

    def __str__(self) -> str:
        return f"Assessment {self.pk} of user {self.saver_id}"


class RegulatedPledge(models.Model):
    """What a pledge to a regulated pool was made on: sheet version, assessment, consent, reflection period."""

    pledge = models.OneToOneField("pools.Pledge", on_delete=models.PROTECT, related_name="regulated")
    sheet = models.ForeignKey(KeyInfoSheet, on_delete=models.PROTECT, related_name="pledges")
    assessment = models.ForeignKey(InvestorAssessment, on_delete=models.PROTECT, related_name="pledges")
    # The limit in force when the pledge was made; above it the risk consent is required.
    consent_limit_ore = models.BigIntegerField()
    risk_consent_at = models.DateTimeField(null=True, blank=True)
    reflection_ends_on = models.DateField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["reflection_ends_on"], name="regulated_reflection_idx")]

    def __str__(self) -> str:
        return f"Regulated record of pledge {self.pledge_id}"


class YearlyStatement(models.Model):
    """A saver's statement of one calendar year, as a PDF kept for *My pledges*. Issued once a year."""

    saver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="yearly_statements")
    year = models.PositiveSmallIntegerField()
    language = models.CharField(max_length=5)
    figures = models.JSONField(default=dict)
    pdf = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["saver", "year"], name="yearlystatement_once_per_year")]

    def __str__(self) -> str:
        return f"Statement {self.year} of user {self.saver_id}"


class OfferEventKind(models.TextChoices):
    SHEET_VERSION = "sheet_version", _("Information sheet version written")
    SHEET_APPROVED = "sheet_approved", _("Information sheet approved")
    ASSESSMENT = "assessment", _("Knowledge test and loss simulation")
    WARNING_ACKNOWLEDGED = "warning_acknowledged", _("Warning after a failed test acknowledged")
    RISK_CONSENT = "risk_consent", _("Risk above the limit acknowledged")
    REGULATED_PLEDGE = "regulated_pledge", _("Pledge to a regulated offer")
    REVOCATION = "revocation", _("Pledge revoked in the reflection period")
    SHEET_READ = "sheet_read", _("Information sheet read before pledging")
    ERASURE = "erasure", _("Saver erased: records kept anonymised")


class OfferEvent(models.Model):
    """The audit trail of regulated offers: one row per acknowledgement, test result, revocation and sheet
    version. Append-only (services only ever create rows); kept anonymised when a saver is erased."""

    kind = models.CharField(max_length=30, choices=OfferEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    saver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="offer_events"
    )
    pool = models.ForeignKey("pools.Pool", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    pledge = models.ForeignKey("pools.Pledge", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sheet = models.ForeignKey(KeyInfoSheet, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    details = models.JSONField(default=dict)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["saver", "at"], name="offerevent_saver_at_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=OfferEventKind.values), name="offerevent_kind_valid")
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"


class LenderPaymentKind(models.TextChoices):
    INTEREST = "interest", _("Interest")
    REPAYMENT = "repayment", _("Repayment")
    DIVIDEND = "dividend", _("Dividend")


class LenderPayment(models.Model):
    """Money a project or micro-fund reports having paid one lender or shareholder (interest, a repayment, a
    dividend), for the per-lender CSV and the saver's yearly statement. The platform moves no money: this is
    the owner's or treasurer's record. Never edited; a mistake is reversed by a negative entry."""

    pool = models.ForeignKey("pools.Pool", on_delete=models.PROTECT, related_name="lender_payments")
    pledge = models.ForeignKey("pools.Pledge", on_delete=models.PROTECT, related_name="lender_payments")
    kind = models.CharField(_("kind"), max_length=12, choices=LenderPaymentKind.choices)
    amount_ore = models.BigIntegerField(_("amount (öre)"))
    paid_on = models.DateField(_("paid on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paid_on", "pk"]
        indexes = [models.Index(fields=["pool", "paid_on"], name="lenderpayment_pool_paid_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=LenderPaymentKind.values), name="lenderpayment_kind_valid"),
            models.CheckConstraint(
                condition=~Q(amount_ore=0) & Q(amount_ore__gte=-MAX_ORE, amount_ore__lte=MAX_ORE),
                name="lenderpayment_amount_nonzero_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_ore} öre to pledge {self.pledge_id} on {self.paid_on}"
