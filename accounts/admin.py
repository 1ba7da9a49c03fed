from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Model
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.admin import TokenAdmin as BaseTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from accounts.models import ReminderPreference, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "language", "is_staff", "is_active", "date_joined")
    search_fields = ("email", "full_name")
    list_filter = ("is_staff", "is_active", "groups", "language")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "phone", "language", "personnummer")}),
        ("State", {"fields": ("email_confirmed_at", "newsletter_opt_in_at", "erased_at", "erasure_reason")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "is_enabled", "updated_at")
    list_filter = ("kind", "is_enabled")


# Secrets never show in the admin: a TOTP key or an API token key read off a screen is a
# second factor or a login handed over. Both are listed read-only, without their keys.
class TOTPDeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # devices are set up by their owner on the two-factor page

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class TokenAdmin(BaseTokenAdmin):
    """DRF's token admin (rows linked by user id, not by key) without the key column."""

    list_display = ("user", "created")
    list_display_links = None
    fields = ("user", "created")
    readonly_fields = fields

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # The list only: a token's own page and delete page are titled with its key.
        return obj is None and super().has_view_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


for _model, _admin_class in ((TOTPDevice, TOTPDeviceAdmin), (TokenProxy, TokenAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin_class)
