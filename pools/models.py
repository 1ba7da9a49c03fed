"""Where the money comes from: pools, pledges, payments, matches, pool totals.

Why one module of about 670 lines: pools, pledges, payments, their matches and the stored totals are one
aggregate whose check constraints refer to each other's fields; Django keeps an app's models in one module, and
splitting it into a package would only move the same classes behind re-exports.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import BigIntegerField, Case, F, Q, Value, When
from django.utils.translation import gettext_lazy as _

from accounts.identity import validate_giro_number
from accounts.models import ReminderKind
from communities.selectors import default_community_id
from pools.money import MAX_ORE


class PoolKind(models.TextChoices):
    SUPPORT_SAVING = "support_saving", _("Support saving")
    SHARE_OFFER = "share_offer", _("Share offer")
    FUND_CAPITAL = "fund_capital", _("Fund capital")
    FAIR = "fair", _("Fair pitch")


class PoolStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    EXTENDED = "extended", _("Extended")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    SETTLED = "settled", _("Settled")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_POOL_STATUSES = (PoolStatus.OPEN, PoolStatus.EXTENDED)


class FundingRule(models.TextChoices):
    KEEP_WHAT_YOU_RAISE = "keep_what_you_raise", _("Keep what you raise")
    ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")


class Pool(models.Model):
    """A target-bound pot of commitments for one beneficiary: a project or a micro-fund."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PoolKind.choices)
    project = models.ForeignKey("invest.Project", null=True, blank=True, on_delete=models.PROTECT, related_name="pools")
    micro_fund = models.ForeignKey(
        "invest.MicroFund", null=True, blank=True, on_delete=models.PROTECT, related_name="pools"
    )
    # Denormalised from the project or micro-fund (kept equal by the services and checked by a test);
    # lets community pages and scoped lists filter pools without a join.
    # TRANSITIONAL default: the first community (communities.selectors.default_community_id) when none is named.
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.PROTECT,
        related_name="pools",
        default=default_community_id,
        verbose_name=_("community"),
    )
    target_ore = models.BigIntegerField(_("target (öre)"), null=True, blank=True)
    target_points = models.BigIntegerField(_("target (savings points)"), null=True, blank=True)
    minimum_ore = models.BigIntegerField(_("minimum (öre)"), null=True, blank=True)
    cap_ore = models.BigIntegerField(_("maximum in all (öre)"), null=True, blank=True)
    min_per_saver_ore = models.BigIntegerField(_("minimum per pledge (öre)"), null=True, blank=True)
    max_per_saver_ore = models.BigIntegerField(_("maximum per saver (öre)"), null=True, blank=True)
    share_price_ore = models.BigIntegerField(_("price per share (öre)"), null=True, blank=True)
    points_per_krona_month = models.PositiveSmallIntegerField(default=1)
    opens_on = models.DateField(_("opens"))
    closes_on = models.DateField(_("closes"))
    funding_rule = models.CharField(max_length=24, choices=FundingRule.choices, default=FundingRule.KEEP_WHAT_YOU_RAISE)
    currency = models.CharField(max_length=3, default="SEK")
    status = models.CharField(max_length=12, choices=PoolStatus.choices, default=PoolStatus.DRAFT)
    bankgiro = models.CharField(_("bankgiro"), max_length=9, blank=True, validators=[validate_giro_number])
    member_bank = models.CharField(_("member bank"), max_length=120, blank=True)
    payment_instructions = models.TextField(_("payment instructions"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["closes_on", "pk"]
        permissions = [
            ("manage_pools", "Can open, publish, extend and close pools"),
            ("view_reports", "Can read treasurer reports"),
            ("manage_payments", "Can import bank files and match payments"),
            ("approve_payouts", "Can approve refunds and payouts"),
        ]
        indexes = [models.Index(fields=["status", "closes_on"], name="pool_status_closes_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PoolKind.values), name="pool_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=PoolStatus.values), name="pool_status_valid"),
            models.CheckConstraint(condition=Q(funding_rule__in=FundingRule.values), name="pool_funding_rule_valid"),
            models.CheckConstraint(condition=Q(currency="SEK"), name="pool_currency_sek"),
            models.CheckConstraint(
                condition=(Q(project__isnull=False) & Q(micro_fund__isnull=True))
                | (Q(project__isnull=True) & Q(micro_fund__isnull=False)),
                name="pool_one_beneficiary",
            ),
            models.CheckConstraint(
                condition=(
                    Q(target_ore__isnull=False, target_ore__gt=0, target_ore__lte=MAX_ORE)
                    & Q(target_points__isnull=True)
                )
                | (
                    Q(target_ore__isnull=True)
                    & Q(target_points__isnull=False, target_points__gt=0)
                    & Q(kind=PoolKind.SUPPORT_SAVING)
                ),
                name="pool_one_target",
            ),
            models.CheckConstraint(
                condition=Q(minimum_ore__isnull=True) | Q(minimum_ore__gte=0),
                name="pool_minimum_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(minimum_ore__isnull=True)
                | Q(target_ore__isnull=True)
                | Q(minimum_ore__lte=F("target_ore")),
                name="pool_minimum_within_target",
            ),
            models.CheckConstraint(
                condition=Q(cap_ore__isnull=True) | Q(cap_ore__gt=0, cap_ore__lte=MAX_ORE),
                name="pool_cap_positive",
            ),
            models.CheckConstraint(
                condition=Q(min_per_saver_ore__isnull=True) | Q(min_per_saver_ore__gt=0),
                name="pool_min_per_saver_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_per_saver_ore__isnull=True) | Q(max_per_saver_ore__gt=0),
                name="pool_max_per_saver_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_per_saver_ore__isnull=True)
                | Q(min_per_saver_ore__isnull=True)
                | Q(min_per_saver_ore__lte=F("max_per_saver_ore")),
                name="pool_min_le_max_per_saver",
            ),
            models.CheckConstraint(
                condition=Q(share_price_ore__isnull=True) | Q(share_price_ore__gt=0),
                name="pool_share_price_positive",
            ),
            models.CheckConstraint(
                condition=~Q(kind=PoolKind.SHARE_OFFER) | Q(share_price_ore__isnull=False),
                name="pool_share_offer_has_price",
            ),
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="pool_closes_after_opens"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_POOL_STATUSES

    @property
    def beneficiary_name(self) -> str:
        return self.project.name if self.project_id else self.micro_fund.name  # type: ignore[union-attr]

    def days_left(self, today: date) -> int:
        return max((self.closes_on - today).days, 0)


class PledgeKind(models.TextChoices):
    SUPPORT_SAVING = "support_saving", _("Support saving")
    SHARE = "share", _("Shares")
    LOAN = "loan", _("Loan")
    GIFT = "gift", _("Gift")
    PRE_PURCHASE = "pre_purchase", _("Pre-purchase")
    TIME = "time", _("Time")
    SKILL = "skill", _("Skill")
    ITEM = "item", _("Item")
    CONTACT = "contact", _("Contact")


MONEY_KINDS = (
    PledgeKind.SUPPORT_SAVING,
    PledgeKind.SHARE,
    PledgeKind.LOAN,
    PledgeKind.GIFT,
    PledgeKind.PRE_PURCHASE,
)
NON_MONEY_KINDS = (PledgeKind.TIME, PledgeKind.SKILL, PledgeKind.ITEM, PledgeKind.CONTACT)

# Which pledge kinds each pool kind takes.
POOL_PLEDGE_KINDS: dict[str, tuple[str, ...]] = {
    PoolKind.SUPPORT_SAVING: (PledgeKind.SUPPORT_SAVING, *NON_MONEY_KINDS),
    PoolKind.SHARE_OFFER: (PledgeKind.SHARE, *NON_MONEY_KINDS),
    PoolKind.FUND_CAPITAL: (PledgeKind.SHARE, PledgeKind.GIFT, PledgeKind.LOAN),
    PoolKind.FAIR: (
        PledgeKind.LOAN,
        PledgeKind.GIFT,
        PledgeKind.PRE_PURCHASE,
        PledgeKind.SHARE,
        PledgeKind.SUPPORT_SAVING,
        *NON_MONEY_KINDS,
    ),
}


class PledgeSource(models.TextChoices):
    ONLINE = "online", _("Online")
    FAIR_CARD = "fair_card", _("Fair pledge card")
    TREASURER = "treasurer", _("Entered by a treasurer")


class PledgeStatus(models.TextChoices):
    PLEDGED = "pledged", _("Pledged")
    CONFIRMED = "confirmed", _("Confirmed")
    PARTLY_FULFILLED = "partly_fulfilled", _("Partly fulfilled")
    FULFILLED = "fulfilled", _("Fulfilled")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    LAPSED = "lapsed", _("Lapsed")
    REFUNDED = "refunded", _("Refunded")
    # A fair card to a regulated offer: outside the totals until the saver confirms it online through the
    # regulated steps (pools.offers.services.pledge_interest_confirm).
    INTEREST = "interest", _("Expression of interest")


# A saver may change or withdraw a pledge in these statuses while its pool is open.
CHANGEABLE_PLEDGE_STATUSES = (PledgeStatus.PLEDGED, PledgeStatus.CONFIRMED)

ACTIVE_PLEDGE_STATUSES = (
    PledgeStatus.PLEDGED,
    PledgeStatus.CONFIRMED,
    PledgeStatus.PARTLY_FULFILLED,
    PledgeStatus.FULFILLED,
)


# Krona-months per support-saving pledge, rounded down like pools.services.pledge_krona_months:
# monthly savers build up (n(n+1)/2 instalment-months), a lump sum is kept for its term.
SUPPORT_SAVING_KRONA_MONTHS = Case(
    When(
        kind=PledgeKind.SUPPORT_SAVING,
        monthly_ore__isnull=False,
        months__isnull=False,
        then=F("monthly_ore") * F("months") * (F("months") + 1) / 2 / 100,
    ),
    When(
        kind=PledgeKind.SUPPORT_SAVING,
        amount_ore__isnull=False,
        term_months__isnull=False,
        then=F("amount_ore") * F("term_months") / 100,
    ),
    default=Value(0),
    output_field=BigIntegerField(),
)


class Pledge(models.Model):
    """One commitment by one saver (or an anonymous pledge card) to one pool."""

    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="pledges")
    saver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pledges",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PledgeKind.choices)
    source = models.CharField(max_length=12, choices=PledgeSource.choices, default=PledgeSource.ONLINE)
    status = models.CharField(max_length=20, choices=PledgeStatus.choices, default=PledgeStatus.PLEDGED)
    # Money: the whole commitment in öre. For monthly support saving it is monthly × months.
    amount_ore = models.BigIntegerField(_("amount (öre)"), null=True, blank=True)
    monthly_ore = models.BigIntegerField(_("per month (öre)"), null=True, blank=True)
    months = models.PositiveSmallIntegerField(_("months"), null=True, blank=True)
    term_months = models.PositiveSmallIntegerField(_("term (months)"), null=True, blank=True)
    share_count = models.PositiveIntegerField(_("shares"), null=True, blank=True)
    ocr_reference = models.CharField(_("OCR reference"), max_length=25, null=True, blank=True)
    # Non-money: what is offered, optionally how much of it.
    description = models.TextField(_("description"), blank=True)
    quantity = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    unit = models.CharField(max_length=30, blank=True)
    # Who, for cards without an account; and what the pledger allowed.
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    is_name_public = models.BooleanField(default=False)
    may_contact = models.BooleanField(default=True)
    confirmation_token = models.CharField(max_length=64, null=True, blank=True, unique=True)
    starts_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    receipt_sent_at = models.DateTimeField(null=True, blank=True)
    # Whole krona-months a support-saving pledge keeps in the bank (0 for other kinds), kept by the
    # database from the row itself, so it cannot drift; pool points sum it (pools.totals).
    krona_months = models.GeneratedField(
        expression=SUPPORT_SAVING_KRONA_MONTHS, output_field=BigIntegerField(), db_persist=True
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["pool", "status"], name="pledge_pool_status_idx"),
            # The full reconciliation reads every figure of the active pledges from this index alone, in
            # (pool, saver) order: one streaming pass gives the sums and the distinct savers (PostgreSQL;
            # other databases ignore INCLUDE). pools/totals.py RECONCILE_SQL.
            models.Index(
                fields=["pool", "saver"],
                include=["amount_ore", "krona_months", "quantity", "kind"],
                condition=Q(status__in=ACTIVE_PLEDGE_STATUSES),
                name="pledge_active_totals_idx",
            ),
            # Refunded pledges are few: their matches are subtracted from a pool's received money.
            models.Index(fields=["pool"], condition=Q(status=PledgeStatus.REFUNDED), name="pledge_refunded_pool_idx"),
            models.Index(fields=["saver", "-created_at"], name="pledge_saver_created_idx"),
            models.Index(fields=["contact_email"], name="pledge_contact_email_idx"),
            # A community's treasurer reports read its pools' pledges with every column the report statement takes
            # (treasury/report_sql.py), from the index alone: nationally a pool's pledges lie on as many heap pages
            # as it has pledges (bench/scale.py: the report at 2,000,000 pledges ÷ the community alone).
            models.Index(
                fields=["pool"],
                include=[
                    "id",
                    "saver",
                    "kind",
                    "amount_ore",
                    "monthly_ore",
                    "months",
                    "withdrawn_at",
                    "created_at",
                    "due_on",
                    "starts_on",
                    "contact_name",
                    "ocr_reference",
                ],
                name="pledge_pool_report_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PledgeKind.values), name="pledge_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=PledgeStatus.values), name="pledge_status_valid"),
            models.CheckConstraint(condition=Q(source__in=PledgeSource.values), name="pledge_source_valid"),
            models.UniqueConstraint(fields=["ocr_reference"], name="pledge_ocr_unique"),
            # Money kinds carry a positive amount and their own OCR reference ...
            models.CheckConstraint(
                condition=~Q(kind__in=[k.value for k in MONEY_KINDS])
                | (
                    Q(amount_ore__isnull=False, amount_ore__gt=0, amount_ore__lte=MAX_ORE)
                    & Q(ocr_reference__isnull=False)
                    & Q(quantity__isnull=True)
                ),
                name="pledge_money_kind_has_amount",
            ),
            # ... non-money kinds a description and no money.
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in MONEY_KINDS])
                | (
                    Q(amount_ore__isnull=True)
                    & Q(monthly_ore__isnull=True)
                    & Q(share_count__isnull=True)
                    & Q(ocr_reference__isnull=True)
                    & ~Q(description="")
                ),
                name="pledge_non_money_kind_has_description",
            ),
            models.CheckConstraint(
                condition=(Q(monthly_ore__isnull=True) & Q(months__isnull=True))
                | (
                    Q(kind=PledgeKind.SUPPORT_SAVING)
                    & Q(monthly_ore__isnull=False, monthly_ore__gt=0)
                    & Q(months__isnull=False, months__gt=0)
                    & Q(amount_ore__isnull=False, amount_ore=F("monthly_ore") * F("months"))
                ),
                name="pledge_monthly_saving_consistent",
            ),
            models.CheckConstraint(
                condition=~Q(kind=PledgeKind.SHARE) | Q(share_count__isnull=False, share_count__gt=0),
                name="pledge_share_has_count",
            ),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gt=0),
                name="pledge_quantity_positive",
            ),
            models.CheckConstraint(
                condition=~Q(source=PledgeSource.ONLINE) | Q(saver__isnull=False),
                name="pledge_online_has_saver",
            ),
        ]

    def __str__(self) -> str:
        return f"Pledge {self.pk} ({self.kind}) to {self.pool_id}"

    @property
    def is_money(self) -> bool:
        return self.kind in MONEY_KINDS

    @property
    def pledger_name(self) -> str:
        if self.saver_id and self.saver is not None:
            return self.saver.display_name
        return self.contact_name


class PaymentChannel(models.TextChoices):
    BGMAX = "bgmax", _("Bankgiro (BgMax file)")
    CAMT = "camt", _("Bank statement (camt)")
    MANUAL = "manual", _("Entered by a treasurer")
    BALANCE_REPORT = "balance_report", _("Reported support-saving balance")


class PaidVia(models.TextChoices):
    """How the payer sent the money, as far as the bank file tells (the channel is the file it came in)."""

    BANKGIRO = "bankgiro", _("Bankgiro")
    SWISH = "swish", _("Swish")
    TRANSFER = "transfer", _("Bank transfer")
    UNKNOWN = "", _("Not known")


class PaymentStatus(models.TextChoices):
    UNMATCHED = "unmatched", _("Unmatched")
    MATCHED = "matched", _("Matched")
    REFUNDED = "refunded", _("Refunded")
    # The bank took the money back (a camt reversal): its matches are reversed, it is neither
    # unmatched nor refundable.
    RETURNED = "returned", _("Returned by the bank")


class Payment(models.Model):
    """Money seen arriving. Never deleted: a mistake is reversed by a new entry."""

    amount_ore = models.BigIntegerField(_("amount (öre)"))
    received_on = models.DateField(_("received"))
    channel = models.CharField(max_length=20, choices=PaymentChannel.choices)
    reference = models.CharField(_("reference"), max_length=140, blank=True)
    payer_name = models.CharField(max_length=200, blank=True)
    payer_account = models.CharField(max_length=40, blank=True)
    bank_reference = models.CharField(max_length=140, blank=True)
    # db_default too: rows written by raw SQL (bulk seeding, older scripts) get "not known".
    paid_via = models.CharField(
        _("paid via"), max_length=10, choices=PaidVia.choices, blank=True, default="", db_default=""
    )
    status = models.CharField(max_length=12, choices=PaymentStatus.choices, default=PaymentStatus.UNMATCHED)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-pk"]
        indexes = [
            models.Index(fields=["status", "received_on"], name="payment_status_received_idx"),
            # A match's payment day read from the index alone (reports as of a day join every match to its payment;
            # a community's payments lie interleaved with every other community's on the heap).
            models.Index(fields=["id"], include=["received_on"], name="payment_received_cover_idx"),
            models.Index(fields=["reference"], name="payment_reference_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_ore__gt=0, amount_ore__lte=MAX_ORE), name="payment_amount_positive"
            ),
            models.CheckConstraint(condition=Q(channel__in=PaymentChannel.values), name="payment_channel_valid"),
            models.CheckConstraint(condition=Q(status__in=PaymentStatus.values), name="payment_status_valid"),
            models.CheckConstraint(condition=Q(paid_via__in=PaidVia.values), name="payment_paid_via_valid"),
        ]

    def __str__(self) -> str:
        return f"Payment {self.pk}: {self.amount_ore} öre on {self.received_on}"


class PaymentAllocation(models.Model):
    """A payment's amount matched to one pledge; a split is several rows.

    Never updated or deleted: undoing a match adds a row with the negative amount
    that points at the row it reverses.
    """

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, related_name="allocations")
    # The pledge's pool, copied so money received sums per pool with one GROUP BY and no join.
    # A CheckConstraint cannot compare across tables: save() copies it from the pledge (the services
    # create allocations through the ORM, and a pledge never moves pool); a test checks they agree.
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False)
    # The payment's day, copied likewise (save() copies it from the payment, which is never changed): a report as
    # of a day reads a community's matches with their day from one index, without looking each payment up in a
    # national-size payment index (issue #17: the same report with 2M pledges nationally as with its community
    # alone). A test checks they agree for every way a match is written.
    received_on = models.DateField(_("received"), editable=False)
    amount_ore = models.BigIntegerField()
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            # Money received per pool read from the index alone, in pool order (PostgreSQL INCLUDE); with the
            # match's time, payment day, pledge and payment, a community's report reads its pools' matches from the
            # index alone too (they lie interleaved with every other community's on the heap: one page per match).
            models.Index(
                fields=["pool"],
                include=["amount_ore", "created_at", "received_on", "pledge", "payment"],
                name="allocation_pool_day_cover_idx",
            ),
            # A payment's first match, found by index (the audit trail's community of a payment reads it for
            # every payment written: without it PostgreSQL walked the primary key, once per payment).
            models.Index(fields=["payment", "id"], name="allocation_payment_first_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(reverses__isnull=True) & Q(amount_ore__gt=0))
                | (Q(reverses__isnull=False) & Q(amount_ore__lt=0)),
                name="allocation_sign_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount_ore} öre of payment {self.payment_id} to pledge {self.pledge_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pledge_id is not None:
            self.pool_id = self.pledge.pool_id
        if self.payment_id is not None:
            self.received_on = self.payment.received_on
        super().save(*args, **kwargs)


class PoolTotals(models.Model):
    """Derived figures per pool; always recomputed from rows, never incremented."""

    # No database foreign key on purpose: its check would make inserting a totals row wait for the
    # pool row lock a pledge holds while that pledge waits for the totals row (a deadlock). Django
    # still cascades deletes; pools are never deleted while pledges protect them.
    pool = models.OneToOneField(
        Pool, on_delete=models.CASCADE, primary_key=True, related_name="totals", db_constraint=False
    )
    pledged_ore = models.BigIntegerField(default=0)
    received_ore = models.BigIntegerField(default=0)
    outstanding_ore = models.BigIntegerField(default=0)
    saver_count = models.PositiveIntegerField(default=0)
    pledge_count = models.PositiveIntegerField(default=0)
    money_pledge_count = models.PositiveIntegerField(default=0)
    non_money_pledge_count = models.PositiveIntegerField(default=0)
    hours = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    percent_of_target = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    percent_of_minimum = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    estimated_points = models.BigIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    # Touched inside every transaction that changes the pool's pledges or payments: the row lock it
    # takes makes a recompute wait for that transaction, so no committed change is ever missed.
    requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "pool totals"

    def __str__(self) -> str:
        return f"Totals of pool {self.pool_id}"


class IdempotencyKey(models.Model):
    """A write request already answered: a retry replays the stored response."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED_OPTED_OUT = "skipped_opted_out", _("Skipped: opted out")


class ReminderSubject(models.TextChoices):
    PLEDGE = "pledge", _("Pledge")
    POOL = "pool", _("Pool")


class Reminder(models.Model):
    """One message to one saver about one thing, recorded under its key BEFORE it is sent.

    The unique key (recipient, subject, kind, period) means a reminder exists at most once;
    sending claims the row (pending -> sending) with a conditional update, so no saver gets
    the same reminder twice even when a task runs twice or a worker dies mid-batch.
    """

    # "user:<id>" for a saver with an account, "email:<address>" for an anonymous pledge card.
    recipient_key = models.CharField(max_length=300)
    saver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    email = models.EmailField(blank=True)
    kind = models.CharField(max_length=40)
    subject_type = models.CharField(max_length=10, choices=ReminderSubject.choices)
    subject_id = models.BigIntegerField()
    period = models.CharField(max_length=40)
    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="reminders")
    pledge = models.ForeignKey(Pledge, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders")
    status = models.CharField(max_length=20, choices=ReminderStatus.choices, default=ReminderStatus.PENDING)
    send_after = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["send_after", "pk"]
        indexes = [
            models.Index(
                fields=["send_after", "id"],
                name="reminder_due_idx",
                condition=Q(status="pending"),
            ),
            models.Index(fields=["status", "-updated_at"], name="reminder_status_updated_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient_key", "subject_type", "subject_id", "kind", "period"],
                name="reminder_once_per_key",
            ),
            models.CheckConstraint(condition=Q(status__in=ReminderStatus.values), name="reminder_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=ReminderKind.values), name="reminder_kind_valid"),
            models.CheckConstraint(
                condition=Q(subject_type__in=ReminderSubject.values), name="reminder_subject_type_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReminderStatus.SENT) | Q(sent_at__isnull=False),
                name="reminder_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period} to {self.recipient_key}"


# The regulated-offer rows belong to this app; they live in their own module (pools/offers/).
# Imported here so Django registers them; noqa: placed last on purpose and imported for that side effect.
from pools.offers.models import (  # noqa: E402, F401
    InvestorAssessment,
    KeyInfoSheet,
    LenderPayment,
    OfferEvent,
    PoolOffer,
    RegulatedPledge,
    YearlyStatement,
)
