"""Read-only admin for the treasury's records: they change only through services (and triggers)."""

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from treasury.models import AuditEvent, BankFile, BankFileLine, PayoutBatch, PayoutLine


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(BankFile)
class BankFileAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "format",
        "original_name",
        "status",
        "payment_count",
        "net_total_ore",
        "imported_by",
        "imported_at",
    )
    list_filter = ("format", "status")
    exclude = ("content",)


@admin.register(BankFileLine)
class BankFileLineAdmin(ReadOnlyAdmin):
    list_display = ("bank_file", "position", "amount_ore", "outcome", "payment")
    list_filter = ("outcome",)


@admin.register(PayoutBatch)
class PayoutBatchAdmin(ReadOnlyAdmin):
    list_display = ("pk", "kind", "status", "total_ore", "prepared_by", "approved_by", "exported_at")
    list_filter = ("kind", "status")


@admin.register(PayoutLine)
class PayoutLineAdmin(ReadOnlyAdmin):
    list_display = ("batch", "reason", "amount_ore", "payee_name", "source_key", "is_active")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "table_name", "row_id", "action", "actor")
    list_filter = ("table_name", "action")
