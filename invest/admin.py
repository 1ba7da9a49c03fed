from django.contrib import admin

from invest.models import MicroFund, Project, ProjectLink


class ProjectLinkInline(admin.TabularInline):
    model = ProjectLink
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "place", "owner", "status", "loan_need_ore")
    list_filter = ("status",)
    search_fields = ("name", "place")
    inlines = [ProjectLinkInline]
    raw_id_fields = ("owner",)


@admin.register(MicroFund)
class MicroFundAdmin(admin.ModelAdmin):
    list_display = ("name", "organiser", "created_at")
    search_fields = ("name",)


# Fair admin lives with the fairs package.
import invest.fairs.admin  # noqa: E402, F401
import invest.funds.admin  # noqa: E402, F401  (registers the micro-fund admin)
