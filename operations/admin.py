from django.contrib import admin

from operations.models import JobRun, OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("task_name", "args", "created_at", "dispatched_at", "attempts")
    list_filter = ("task_name",)
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "started_at", "duration_ms")
    list_filter = ("name", "status")
    readonly_fields = [f.name for f in JobRun._meta.fields]
