from django.contrib import admin

from communities.models import Community, CommunityMembership


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
