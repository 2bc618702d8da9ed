from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from townhall.accounts.models import ApiKey, User


@admin.register(User)
class TownhallUserAdmin(UserAdmin):
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Townhall", {"fields": ("role",)}))
    list_display = ("username", "email", "role", "is_staff", "is_active")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "created_at", "revoked_at")
    readonly_fields = ("prefix", "digest", "created_at")
