"""Admin list of client activity (loaded when ``django.contrib.admin`` is installed)."""

from __future__ import annotations

from django.contrib import admin

from .models import ServiceClientActivity


@admin.register(ServiceClientActivity)
class ServiceClientActivityAdmin(admin.ModelAdmin):
    """First and last authentication, and the count, per app client (read-only)."""

    list_display = ("client_id", "first_seen_at", "last_seen_at", "requests")
    search_fields = ("client_id",)
    ordering = ("client_id",)
    readonly_fields = ("client_id", "first_seen_at", "last_seen_at", "requests")
