from django.contrib import admin

from .models import Program, Track


class TrackInline(admin.TabularInline):
    model = Track
    extra = 0
    fields = ["name", "weekdays", "start_time", "end_time", "capacity", "is_active"]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "population", "focus", "weekly_hours_target", "is_active"]
    list_filter = ["population", "focus", "is_active"]
    search_fields = ["name", "short_name"]
    inlines = [TrackInline]


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "days_label", "start_time", "end_time", "capacity", "is_active"]
    list_filter = ["program", "is_active"]
