"""Admin for pools and money records.

Pledges, payments and their allocations are read-only here: a correction goes through the
services, which check the rules, keep the totals right and leave the audit trail.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from pools.errors import PoolCommunityMismatch
from pools.models import Payment, PaymentAllocation, Pledge, Pool, PoolTotals, Reminder
from pools.services import pool_community_check


class PoolAdminForm(forms.ModelForm):
    class Meta:
        model = Pool
        fields = "__all__"  # noqa: DJ007  (the admin edits every field of a pool)

    def clean(self) -> dict[str, Any]:
        """A pool belongs to its project's or micro-fund's community: say so before the database refuses it."""
        cleaned = super().clean() or {}
        candidate = Pool(
            project=cleaned.get("project"), micro_fund=cleaned.get("micro_fund"), community=cleaned.get("community")
        )
        if candidate.community_id is not None:
            try:
                pool_community_check(pool=candidate)
            except PoolCommunityMismatch as exc:
                self.add_error("community", str(exc.message))
        return cleaned


@admin.register(Pool)
class PoolAdmin(admin.ModelAdmin):
    form = PoolAdminForm
    list_display = ("title", "kind", "status", "opens_on", "closes_on", "target_ore", "target_points")
    list_filter = ("kind", "status", "funding_rule")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}


class MoneyRecordAdmin(admin.ModelAdmin):
    """Look, never touch: no add, change or delete."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Pledge)
class PledgeAdmin(MoneyRecordAdmin):
    list_display = ("pk", "pool", "saver", "kind", "status", "amount_ore", "ocr_reference", "created_at")
    list_filter = ("kind", "status", "source")
    search_fields = ("ocr_reference", "saver__email", "contact_email", "contact_name")
    raw_id_fields = ("pool", "saver")
    readonly_fields = ("ocr_reference", "amount_ore", "status")
    # The confirmation token is the credential of a fair card's confirmation link: whoever sees it can
    # confirm or decline the pledge in the saver's name.
    exclude = ("confirmation_token",)


class AllocationInline(admin.TabularInline):
    model = PaymentAllocation
    fk_name = "payment"
    extra = 0
    raw_id_fields = ("pledge", "reverses")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(MoneyRecordAdmin):
    list_display = ("pk", "amount_ore", "received_on", "channel", "reference", "status")
    list_filter = ("channel", "status")
    search_fields = ("reference", "payer_name")
    inlines = [AllocationInline]


@admin.register(PoolTotals)
class PoolTotalsAdmin(admin.ModelAdmin):
    list_display = ("pool", "pledged_ore", "received_ore", "saver_count", "percent_of_target", "computed_at")
    readonly_fields = [f.name for f in PoolTotals._meta.fields]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "period", "recipient_key", "status", "send_after", "attempts", "sent_at")
    list_filter = ("kind", "status")
    search_fields = ("recipient_key", "email", "saver__email")
    raw_id_fields = ("saver", "pool", "pledge")
    readonly_fields = [f.name for f in Reminder._meta.fields]
