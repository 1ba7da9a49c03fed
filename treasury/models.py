"""The treasurer's records: imported bank files, refund and payout batches, the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from communities.selectors import default_community_id
from pools.models import Payment, Pledge, Pool


class BankFileFormat(models.TextChoices):
    BGMAX = "bgmax", _("BgMax (Bankgirot)")
    CAMT053 = "camt053", _("camt.053 bank statement")
    CAMT054 = "camt054", _("camt.054 notification")


class BankFileStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    PROCESSING = "processing", _("Processing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class BankFile(models.Model):
    """An imported bank file: its hash (the same file twice is refused), totals and what it produced.

    A file whose own totals do not add up is refused before a row is written, so every
    BankFile row is a file that passed its own checks.
    """

    sha256 = models.CharField(max_length=64)
    # The bank's own identifiers of the file (see treasury/bankfiles: BgMax TK01 timestamp, payee
    # bankgiro and deposit serials; camt MsgId, statement Id and sequence number), and their hash,
    # unique: a file sent again is refused whatever its bytes. Null for files imported before.
    identity = models.CharField(max_length=255, blank=True)
    identity_key = models.CharField(max_length=64, null=True, blank=True)
    version = models.CharField(max_length=30, blank=True)
    format = models.CharField(max_length=10, choices=BankFileFormat.choices)
    original_name = models.CharField(max_length=255, blank=True)
    # The file as uploaded: on disk (storage), copied there in chunks, so neither the upload nor the
    # worker holds it whole. ``content`` holds files imported before it was kept on disk.
    stored_file = models.FileField(upload_to="bankfiles/", max_length=200, blank=True, editable=False)
    content = models.BinaryField(editable=False, default=b"", blank=True)
    size_bytes = models.PositiveIntegerField(default=0)
    payee_account = models.CharField(max_length=40, blank=True)
    file_created_at = models.DateTimeField(null=True, blank=True)
    # The file's own figures (checked before import): payments in, deductions out, net.
    payment_count = models.PositiveIntegerField(default=0)
    payment_total_ore = models.BigIntegerField(default=0)
    deduction_count = models.PositiveIntegerField(default=0)
    deduction_total_ore = models.BigIntegerField(default=0)
    net_total_ore = models.BigIntegerField(default=0)
    # What it produced.
    status = models.CharField(max_length=12, choices=BankFileStatus.choices, default=BankFileStatus.QUEUED)
    processed = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    payments_created = models.PositiveIntegerField(default=0)
    matched_count = models.PositiveIntegerField(default=0)
    unmatched_count = models.PositiveIntegerField(default=0)
    underpaid_count = models.PositiveIntegerField(default=0)
    overpaid_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    returned_count = models.PositiveIntegerField(default=0)
    exception_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # TRANSITIONAL default: the first community (communities.selectors.default_community_id) when none is named.
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.PROTECT,
        related_name="bank_files",
        default=default_community_id,
        verbose_name=_("community"),
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["sha256"], name="bankfile_sha256_unique"),
            models.UniqueConstraint(fields=["identity_key"], name="bankfile_identity_unique"),
            models.CheckConstraint(condition=Q(format__in=BankFileFormat.values), name="bankfile_format_valid"),
            models.CheckConstraint(condition=Q(status__in=BankFileStatus.values), name="bankfile_status_valid"),
            models.CheckConstraint(condition=Q(processed__lte=F("total")), name="bankfile_processed_le_total"),
            models.CheckConstraint(
                condition=Q(net_total_ore=F("payment_total_ore") - F("deduction_total_ore")),
                name="bankfile_net_is_payments_minus_deductions",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_format_display()} {self.original_name or self.sha256[:12]}"

    @property
    def percent_done(self) -> int:
        return 100 if not self.total else self.processed * 100 // self.total

    @property
    def is_finished(self) -> bool:
        return self.status in (BankFileStatus.DONE, BankFileStatus.FAILED)


class LineOutcome(models.TextChoices):
    EXACT = "exact", _("Matched, exact amount")
    UNDERPAID = "underpaid", _("Matched, under-payment")
    OVERPAID = "overpaid", _("Matched, over-payment")
    SPLIT = "split", _("Split over several pledges")
    UNMATCHED = "unmatched", _("Unmatched")
    DEDUCTION = "deduction", _("Deduction")
    SKIPPED = "skipped", _("Skipped, already imported")
    RETURNED = "returned", _("Returned by the bank")


# Outcomes of lines that made no payment of their own.
LINES_WITHOUT_PAYMENT = (LineOutcome.DEDUCTION, LineOutcome.SKIPPED, LineOutcome.RETURNED)


class BankFileLine(models.Model):
    """One payment or deduction of a bank file and what became of it.

    Unique per (file, position), so a worker that runs twice skips what it already did.
    """

    bank_file = models.ForeignKey(BankFile, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveIntegerField()
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="bank_file_line"
    )
    is_deduction = models.BooleanField(default=False)
    amount_ore = models.BigIntegerField()
    booked_on = models.DateField()
    reference = models.CharField(max_length=140, blank=True)
    payer_name = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=12, choices=LineOutcome.choices)
    detail = models.CharField(max_length=300, blank=True)
    # The bank's identifier of the entry (ParsedPayment.entry_key): an entry is counted once, by the
    # first file that brought it; later files record it as skipped.
    entry_key = models.CharField(max_length=200, blank=True)
    # A reversal names the payment the bank took back; a deduction the pledge it was made against.
    reversed_payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="reversal_lines"
    )
    pledge = models.ForeignKey(Pledge, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Waits in the treasurer's exceptions queue until resolved.
    needs_attention = models.BooleanField(default=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["bank_file", "position"]
        indexes = [
            models.Index(fields=["bank_file"], condition=Q(needs_attention=True), name="bankfileline_attention_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["bank_file", "position"], name="bankfileline_position_unique"),
            # An entry is counted by one line only, whichever files bring it.
            models.UniqueConstraint(
                fields=["entry_key"],
                condition=~Q(entry_key="") & ~Q(outcome="skipped"),
                name="bankfileline_entry_counted_once",
            ),
            models.CheckConstraint(condition=Q(amount_ore__gt=0), name="bankfileline_amount_positive"),
            models.CheckConstraint(condition=Q(outcome__in=LineOutcome.values), name="bankfileline_outcome_valid"),
            models.CheckConstraint(
                condition=(Q(is_deduction=True) & Q(payment__isnull=True) & Q(outcome=LineOutcome.DEDUCTION))
                | (Q(payment__isnull=True) & Q(outcome="skipped"))
                | (Q(is_deduction=False) & Q(payment__isnull=True) & Q(outcome="returned"))
                | (Q(is_deduction=False) & Q(payment__isnull=False) & ~Q(outcome__in=LINES_WITHOUT_PAYMENT)),
                name="bankfileline_payment_or_deduction",
            ),
        ]

    def __str__(self) -> str:
        return f"line {self.position} of bank file {self.bank_file_id}"


class PayoutKind(models.TextChoices):
    REFUND = "refund", _("Refunds")
    PAYOUT = "payout", _("Payouts to beneficiaries")


class PayoutStatus(models.TextChoices):
    PREPARED = "prepared", _("Prepared, awaiting approval")
    APPROVED = "approved", _("Approved")
    EXPORTED = "exported", _("Exported to the bank")
    CANCELLED = "cancelled", _("Cancelled")


class PayoutBatch(models.Model):
    """A list of money going out, prepared by one treasurer and approved by another."""

    kind = models.CharField(max_length=10, choices=PayoutKind.choices)
    status = models.CharField(max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.PREPARED)
    note = models.CharField(max_length=500, blank=True)
    total_ore = models.BigIntegerField(default=0)
    line_count = models.PositiveIntegerField(default=0)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # TRANSITIONAL default: the first community (communities.selectors.default_community_id) when none is named.
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.PROTECT,
        related_name="payout_batches",
        default=default_community_id,
        verbose_name=_("community"),
    )
    prepared_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Set when the approver explicitly confirmed lines paying to refund accounts changed recently
    # (settings REFUND_ACCOUNT_HOLD_DAYS); the approval's audit row records who.
    recent_accounts_confirmed_at = models.DateTimeField(null=True, blank=True)
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    exported_at = models.DateTimeField(null=True, blank=True)
    export_format = models.CharField(max_length=10, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-prepared_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PayoutKind.values), name="payoutbatch_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=PayoutStatus.values), name="payoutbatch_status_valid"),
            # Four eyes: the preparer can never be the approver.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                name="payoutbatch_approver_not_preparer",
            ),
            # Approved and exported batches carry their approval; nothing is exported unapproved.
            models.CheckConstraint(
                condition=~Q(status__in=[PayoutStatus.APPROVED, PayoutStatus.EXPORTED])
                | (Q(approved_by__isnull=False) & Q(approved_at__isnull=False)),
                name="payoutbatch_approved_has_approver",
            ),
            models.CheckConstraint(
                condition=~Q(status=PayoutStatus.EXPORTED) | Q(exported_at__isnull=False),
                name="payoutbatch_exported_has_time",
            ),
            models.CheckConstraint(
                condition=Q(exported_at__isnull=True) | Q(approved_by__isnull=False),
                name="payoutbatch_export_needs_approval",
            ),
            models.CheckConstraint(condition=Q(total_ore__gte=0), name="payoutbatch_total_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class PayoutReason(models.TextChoices):
    OVERPAYMENT = "overpayment", _("Over-payment")
    WITHDRAWN = "withdrawn", _("Withdrawn pledge with money received")
    FAILED_POOL = "failed_pool", _("All-or-nothing pool failed")
    UNMATCHED = "unmatched", _("Unmatched payment returned")
    BENEFICIARY = "beneficiary", _("Payout to the beneficiary")


class PayeeAccountSource(models.TextChoices):
    REFUND_ACCOUNT = "refund_account", _("The saver's refund account")
    PAYER_ACCOUNT = "payer_account", _("The account the payment came from")
    BENEFICIARY = "beneficiary", _("The pool's bankgiro number")


class PayoutLine(models.Model):
    """One transfer in a batch. `source_key` names what it pays out, so nothing is paid twice.

    `payee_account` is copied from the candidate when the list is prepared (see treasury/payee_accounts.py
    for its forms), so what the second treasurer approves is what goes to the bank."""

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="lines")
    reason = models.CharField(max_length=12, choices=PayoutReason.choices)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    pledge = models.ForeignKey(Pledge, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    pool = models.ForeignKey(Pool, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount_ore = models.BigIntegerField()
    payee_name = models.CharField(max_length=200, blank=True)
    payee_account = models.CharField(max_length=40, blank=True)
    payee_account_source = models.CharField(max_length=20, choices=PayeeAccountSource.choices, blank=True)
    message = models.CharField(max_length=140, blank=True)
    source_key = models.CharField(max_length=80)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["batch", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_ore__gt=0), name="payoutline_amount_positive"),
            models.CheckConstraint(condition=Q(reason__in=PayoutReason.values), name="payoutline_reason_valid"),
            models.CheckConstraint(
                condition=Q(payee_account_source="") | Q(payee_account_source__in=PayeeAccountSource.values),
                name="payoutline_account_source_valid",
            ),
            # One live line per thing paid out: the same over-payment is never refunded twice.
            models.UniqueConstraint(
                fields=["source_key"], condition=Q(is_active=True), name="payoutline_source_active_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason} {self.amount_ore} öre in batch {self.batch_id}"


class AuditAction(models.TextChoices):
    INSERT = "insert", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")


class AuditEvent(models.Model):
    """One change to a money record, written by a database trigger (so QuerySet.update() is caught too).

    Never written by application code: see treasury/audit.py and the treasury_audit_triggers migration.
    """

    table_name = models.CharField(max_length=63)
    row_id = models.BigIntegerField()
    action = models.CharField(max_length=6, choices=AuditAction.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,  # the trigger writes whatever id the connection carries; users are never deleted
        related_name="+",
    )
    at = models.DateTimeField()
    # The community whose record changed; null for platform-level rows (a person's refund account) and for
    # rows the triggers wrote before communities existed or do not yet resolve (see treasury/audit.py).
    # No database constraint, like actor: the triggers write it, and a plain column is dropped in place.
    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["community", "-at"], name="auditevent_community_at_idx"),
            models.Index(fields=["table_name", "row_id"], name="auditevent_row_idx"),
            models.Index(fields=["-at"], name="auditevent_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.table_name}#{self.row_id}"

    @property
    def changed_fields(self) -> list[str]:
        if not self.before or not self.after:
            return []
        return sorted(k for k in self.after if self.before.get(k) != self.after.get(k))

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for an update; every field of the row for an insert or delete."""
        if self.before and self.after:
            return [(k, self.before.get(k), self.after.get(k)) for k in self.changed_fields]
        row = self.after or self.before or {}
        return [(k, None if self.after else v, v if self.after else None) for k, v in sorted(row.items())]


class ReportBuildStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ReportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel"
    PDF = "pdf", "PDF"


# Builds still waiting for or in the hands of a worker: a repeat of the same request returns that build.
PENDING_BUILD_STATUSES = (ReportBuildStatus.QUEUED, ReportBuildStatus.RUNNING)


class ReportBuild(models.Model):
    """A report file (CSV, Excel or PDF) prepared by a worker on the heavy queue instead of in the web request.

    Covers one community's figures as of a day; the file is kept in storage until `expires_at`, then the
    row and the file are removed by a beat sweep. `params_key` names the request (kind, dates, pool, format,
    language): one pending build per requester and key, so asking twice while it is prepared returns it.
    """

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="report_builds", verbose_name=_("community")
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    as_of = models.DateField()
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    pool_id_param = models.BigIntegerField(null=True, blank=True)
    file_format = models.CharField(max_length=4, choices=ReportFormat.choices)
    language = models.CharField(max_length=8, default="sv")
    params_key = models.CharField(max_length=64)
    status = models.CharField(max_length=8, choices=ReportBuildStatus.choices, default=ReportBuildStatus.QUEUED)
    stored_file = models.FileField(upload_to="reports/", max_length=200, blank=True, editable=False)
    filename = models.CharField(max_length=120, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    row_count = models.BigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="reportbuild_requester_idx"),
            models.Index(fields=["expires_at"], name="reportbuild_expires_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["requested_by", "params_key"],
                condition=Q(status__in=["queued", "running"]),
                name="reportbuild_one_pending_per_request",
            ),
            models.CheckConstraint(condition=Q(status__in=ReportBuildStatus.values), name="reportbuild_status_valid"),
            models.CheckConstraint(condition=Q(file_format__in=ReportFormat.values), name="reportbuild_format_valid"),
            models.CheckConstraint(condition=Q(size_bytes__gte=0), name="reportbuild_size_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.as_of.isoformat()} {self.file_format}"

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_BUILD_STATUSES

    @property
    def is_ready(self) -> bool:
        return self.status == ReportBuildStatus.DONE and bool(self.stored_file)
