from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import StaffProfile, User


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    filter_horizontal = ["programs"]
    fk_name = "user"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Administrators manage accounts, roles and program membership here. Patients' records are not
    in the admin: configuration staff have no access to PHI."""

    list_display = ["username", "first_name", "last_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_staff"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("OpenIOP", {"fields": ["role"]}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("OpenIOP", {"fields": ["role", "first_name", "last_name", "email"]}),
    )
    inlines = [StaffProfileInline]
