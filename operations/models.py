"""Plumbing that every capability shares: the task outbox and the record of job runs."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A task to enqueue, written in the same transaction as the change that needs it.

    Sent right after commit when the broker is up; otherwise the relay task sends
    it later, so a broker outage loses no work and never fails the request.
    """

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_pending_idx",
                condition=Q(dispatched_at__isnull=True),
            )
        ]
        constraints = [
            # At most one undispatched message per key: ten changes to one pool queue one recompute.
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(dispatched_at__isnull=True),
                name="outbox_pending_dedupe_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"


class JobRunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    OK = "ok", "OK"
    FAILED = "failed", "Failed"


class JobRun(models.Model):
    """One run of a scheduled job: when, how long, and what it did."""

    name = models.CharField(max_length=100)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=JobRunStatus.choices, default=JobRunStatus.RUNNING)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    # The community the run worked for; null for platform jobs (most scheduled sweeps span every community).
    community = models.ForeignKey(
        "communities.Community", null=True, blank=True, on_delete=models.PROTECT, related_name="job_runs"
    )

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["name", "-started_at"], name="jobrun_name_started_idx")]
        constraints = [models.CheckConstraint(condition=Q(status__in=JobRunStatus.values), name="jobrun_status_valid")]

    def __str__(self) -> str:
        return f"{self.name} at {self.started_at:%Y-%m-%d %H:%M}"


class MailKind(models.TextChoices):
    RECEIPT = "receipt", _("Pledge receipt")
    POOL_REMINDER = "pool_reminder", _("Pool reminder")
    FUND_REMINDER = "fund_reminder", _("Fund reminder")
    FAIR_NOTICE = "fair_notice", _("Fair notice")
    ACCOUNT = "account", _("Account mail")
    STATEMENT = "statement", _("Yearly statement")
    RECEIVER_NOTICE = "receiver_notice", _("Payment receiver changed")
    COMMUNITY_INVITATION = "community_invite", _("Community invitation")


class MailStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


class MailDelivery(models.Model):
    """One outgoing mail: claimed under its unique key, sent, retried with backoff, or failed visibly.

    `args` holds only ids and plain values; operations/mail.py rebuilds the message from them
    with the kind's builder, so a retry sends what is true at the time of the retry.
    """

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=MailKind.choices)
    args = models.JSONField(default=dict)
    to = models.CharField(max_length=254, blank=True)
    status = models.CharField(max_length=10, choices=MailStatus.choices, default=MailStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The community the mail is about (its pool, fund, fair or invitation); its treasurers and organisers see
    # the failure. Null for platform mails (account mails, yearly statements): only platform staff see those.
    community = models.ForeignKey(
        "communities.Community", null=True, blank=True, on_delete=models.PROTECT, related_name="mail_deliveries"
    )

    class Meta:
        permissions = [
            ("view_money_mail", "Can see and retry failed mails about money (receipts, reminders, statements)"),
            ("view_fair_mail", "Can see and retry failed fair mails"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="maildelivery_due_idx", condition=Q(status="pending")),
            models.Index(fields=["status", "-updated_at"], name="maildelivery_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=MailStatus.values), name="maildelivery_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=MailKind.values), name="maildelivery_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.status})"
