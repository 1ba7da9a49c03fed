"""Investment fairs: the evening, its pitches, the cards taken, and the follow-up afterwards."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.selectors import default_community_id


class FairStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    PROGRAMME_SET = "programme_set", _("Programme set")
    LIVE = "live", _("Live")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSED = "closed", _("Closed")


class Fair(models.Model):
    """An evening where chosen projects pitch and the audience pledges."""

    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=200)
    capacity = models.PositiveIntegerField(_("seats"))
    pitch_slots = models.PositiveSmallIntegerField(_("pitch slots"), default=5)
    description = models.TextField(_("description"), blank=True)
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="organised_fairs")
    # TRANSITIONAL default: the first community (communities.selectors.default_community_id) when none is named.
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.PROTECT,
        related_name="fairs",
        default=default_community_id,
        verbose_name=_("community"),
    )
    status = models.CharField(max_length=20, choices=FairStatus.choices, default=FairStatus.PLANNED)
    is_open_for_applications = models.BooleanField(_("open for applications"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    live_at = models.DateTimeField(null=True, blank=True)
    # A fair started before its date: who did it and why (an explicit override, never by accident).
    early_start_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    early_start_reason = models.TextField(blank=True)
    follow_up_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=FairStatus.values), name="fair_status_valid"),
            models.CheckConstraint(condition=Q(capacity__gte=1, capacity__lte=100_000), name="fair_capacity_range"),
            models.CheckConstraint(condition=Q(pitch_slots__gte=1, pitch_slots__lte=30), name="fair_slots_range"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on})"

    @property
    def takes_phone_cards(self) -> bool:
        return self.status == FairStatus.LIVE

    @property
    def takes_paper_cards(self) -> bool:
        # Volunteers may still type in the paper cards after the doors close.
        return self.status in (FairStatus.LIVE, FairStatus.FOLLOW_UP)


class PitchStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    CHOSEN = "chosen", _("Chosen")
    DECLINED = "declined", _("Not chosen")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Pitch(models.Model):
    """One project's slot at a fair: an application first, then (if chosen) a place in the programme."""

    fair = models.ForeignKey(Fair, on_delete=models.PROTECT, related_name="pitches")
    project = models.ForeignKey("invest.Project", on_delete=models.PROTECT, related_name="pitches")
    status = models.CharField(max_length=12, choices=PitchStatus.choices, default=PitchStatus.APPLIED)
    title = models.CharField(_("pitch title"), max_length=200)
    summary = models.TextField(_("what we will present"), blank=True)
    ask = models.CharField(_("what we ask for"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), null=True, blank=True)
    starts_at = models.TimeField(_("starts at"), null=True, blank=True)
    minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=10)
    pool = models.OneToOneField(
        "pools.Pool", null=True, blank=True, on_delete=models.PROTECT, related_name="fair_pitch"
    )
    code = models.CharField(max_length=12, unique=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField(auto_now_add=True)
    chosen_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["fair", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PitchStatus.values), name="pitch_status_valid"),
            models.UniqueConstraint(fields=["fair", "project"], name="pitch_one_per_project_and_fair"),
            models.UniqueConstraint(
                fields=["fair", "position"], condition=Q(position__isnull=False), name="pitch_position_unique"
            ),
            models.CheckConstraint(condition=Q(minutes__gte=1, minutes__lte=60), name="pitch_minutes_range"),
            models.CheckConstraint(
                condition=~Q(status=PitchStatus.CHOSEN) | Q(pool__isnull=False), name="pitch_chosen_has_pool"
            ),
            models.CheckConstraint(
                condition=Q(position__isnull=True) | Q(status=PitchStatus.CHOSEN), name="pitch_only_chosen_placed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} at {self.fair_id}"

    @property
    def is_scheduled(self) -> bool:
        return self.position is not None and self.starts_at is not None


class CardChannel(models.TextChoices):
    PHONE = "phone", _("On a phone")
    PAPER = "paper", _("Paper card typed in")
    API = "api", _("Through the API")


class FairCard(models.Model):
    """A pledge card as submitted: its client-made id makes a retry or double submit harmless."""

    card_id = models.UUIDField(unique=True)
    pitch = models.ForeignKey(Pitch, on_delete=models.PROTECT, related_name="cards")
    pledge = models.OneToOneField("pools.Pledge", on_delete=models.PROTECT, related_name="fair_card")
    channel = models.CharField(max_length=8, choices=CardChannel.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    request_hash = models.CharField(max_length=64)
    language = models.CharField(max_length=2, default="sv")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=CardChannel.values), name="fair_card_channel_valid")
        ]

    def __str__(self) -> str:
        return str(self.card_id)


class FairNotice(models.Model):
    """One message to one pledger about their unconfirmed fair pledges: number 0 is the first link,
    1..N the reminders. Unique per (fair, email, number), so nobody gets the same one twice."""

    fair = models.ForeignKey(Fair, on_delete=models.PROTECT, related_name="notices")
    email = models.EmailField()
    number = models.PositiveSmallIntegerField()
    language = models.CharField(max_length=2, default="sv")
    # Set by the sweep to its own clock, so the reminder interval is measured on one clock.
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    skipped_reason = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["fair", "email", "number"]
        indexes = [models.Index(fields=["fair", "email", "-number"], name="fair_notice_latest_idx")]
        constraints = [
            models.UniqueConstraint(fields=["fair", "email", "number"], name="fair_notice_once"),
            models.CheckConstraint(condition=Q(number__lte=50), name="fair_notice_number_bounded"),
        ]

    def __str__(self) -> str:
        return f"Notice {self.number} of fair {self.fair_id}"


class FollowUpOutcome(models.TextChoices):
    CONTACTED = "contacted", _("Contacted")
    NO_ANSWER = "no_answer", _("No answer")
    CONFIRMED_VERBALLY = "confirmed_verbally", _("Confirmed in person")
    WILL_PAY = "will_pay", _("Will pay")
    DECLINED = "declined", _("Declined")
    DONE = "done", _("Done")
    OTHER = "other", _("Other")


class PledgeFollowUp(models.Model):
    """A project owner's note on following up one fair pledge; a log, newest last."""

    pledge = models.ForeignKey("pools.Pledge", on_delete=models.PROTECT, related_name="follow_ups")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=20, choices=FollowUpOutcome.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pledge", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=FollowUpOutcome.values), name="follow_up_outcome_valid")
        ]

    def __str__(self) -> str:
        return f"{self.outcome} on pledge {self.pledge_id}"
