"""Admin views of fairs: read mostly; changes go through the services and pages."""

from __future__ import annotations

from django.contrib import admin

from invest.fairs.models import Fair, FairCard, FairNotice, Pitch, PledgeFollowUp

PITCH_FIELDS = ("project", "status", "title", "position", "starts_at", "minutes", "pool", "code", "confirmed_at")


class PitchInline(admin.TabularInline):
    model = Pitch
    fields = PITCH_FIELDS
    readonly_fields = PITCH_FIELDS
    extra = 0
    can_delete = False


@admin.register(Fair)
class FairAdmin(admin.ModelAdmin):
    list_display = ["title", "held_on", "place", "status", "capacity"]
    list_filter = ["status"]
    search_fields = ["title", "place"]
    readonly_fields = ["status", "live_at", "follow_up_at", "closed_at"]
    inlines = [PitchInline]


@admin.register(FairCard)
class FairCardAdmin(admin.ModelAdmin):
    list_display = ["card_id", "pitch", "channel", "created_at"]
    list_filter = ["channel"]
    readonly_fields = ["card_id", "pitch", "pledge", "channel", "entered_by", "request_hash", "language", "created_at"]


@admin.register(FairNotice)
class FairNoticeAdmin(admin.ModelAdmin):
    list_display = ["fair", "email", "number", "created_at", "sent_at", "skipped_reason"]
    list_filter = ["number", "skipped_reason"]
    readonly_fields = ["fair", "email", "number", "language", "created_at", "sent_at", "skipped_reason"]


@admin.register(PledgeFollowUp)
class PledgeFollowUpAdmin(admin.ModelAdmin):
    list_display = ["pledge", "outcome", "author", "created_at"]
    list_filter = ["outcome"]
    readonly_fields = ["pledge", "author", "outcome", "note", "created_at"]
