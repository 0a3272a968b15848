"""Configuration of program structure by directors and administrators: session types, rooms, closures and
recurring groups with their rosters. Sessions and attendance are not edited here: they go through the
services (audited) from the calendar pages."""

from django.contrib import admin

from .models import Closure, GroupMembership, GroupSeries, Room, SessionType


class AuditedAdmin(admin.ModelAdmin):
    """Fills created_by/updated_by as the services do."""

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(SessionType)
class SessionTypeAdmin(AuditedAdmin):
    list_display = ["name", "kind", "default_minutes"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(Room)
class RoomAdmin(AuditedAdmin):
    list_display = ["name", "capacity", "is_accessible", "is_telehealth"]
    list_filter = ["is_accessible", "is_telehealth"]
    search_fields = ["name"]


@admin.register(Closure)
class ClosureAdmin(AuditedAdmin):
    list_display = ["date", "name", "program"]
    list_filter = ["program"]
    date_hierarchy = "date"


class GroupMembershipInline(admin.TabularInline):
    model = GroupMembership
    extra = 0
    raw_id_fields = ["episode"]
    fields = ["episode", "starts_on", "ends_on"]


@admin.register(GroupSeries)
class GroupSeriesAdmin(AuditedAdmin):
    list_display = ["name", "program", "track", "session_type", "weekday", "start_time", "end_time", "room"]
    list_filter = ["program", "session_type"]
    search_fields = ["name"]
    filter_horizontal = ["facilitators"]
    inlines = [GroupMembershipInline]
