from django.contrib import admin

from communities.models import Community, CommunityInvitation, CommunityMembership


class CommunityMembershipInline(admin.TabularInline):
    model = CommunityMembership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "kind", "organisation_number", "municipality", "region")
    list_filter = ("kind", "region")
    search_fields = ("name", "slug", "organisation_number", "municipality")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [CommunityMembershipInline]


@admin.register(CommunityMembership)
class CommunityMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "community", "role", "created_at")
    list_filter = ("role", "community")
    raw_id_fields = ("user",)


@admin.register(CommunityInvitation)
class CommunityInvitationAdmin(admin.ModelAdmin):
    """Invitations are sent and withdrawn on the community pages (/manage/communities/); here they are read."""

    list_display = ("email", "community", "role", "status", "created_at", "expires_at", "accepted_at")
    list_filter = ("status", "role", "community")
    search_fields = ("email",)
    exclude = ("nonce", "token_hash")
    readonly_fields = (
        "community", "email", "role", "status", "invited_by", "created_at", "expires_at", "accepted_at",
        "accepted_by", "revoked_at",
    )  # fmt: skip

    def has_add_permission(self, request: object) -> bool:
        return False
