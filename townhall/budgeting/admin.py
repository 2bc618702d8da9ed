"""Participatory budgeting in the Django admin: read only.

Every change to a process goes through the services (validated, audited) behind the back
office's pages; the admin is for looking things up. Ballots carry no identity, and their
``locator`` (the HMAC a voter's credential finds their ballot with) is not shown; census
entries and voting codes show no digest either.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from townhall.budgeting.models import (
    Ballot,
    BudgetUnit,
    Category,
    CensusEntry,
    Comment,
    DeliveryUpdate,
    PaperEntry,
    Process,
    Project,
    Support,
    UnitResult,
    VotingCode,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class UnitInline(admin.TabularInline):
    model = BudgetUnit
    fields = ("name", "area", "budget", "position")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Process)
class ProcessAdmin(ReadOnly):
    list_display = ("title", "slug", "is_published", "ballot_kind", "rule", "voting_close_at")
    list_filter = ("is_published", "ballot_kind", "rule")
    search_fields = ("title", "slug")
    exclude = ("salt",)
    inlines = [UnitInline]


@admin.register(Category)
class CategoryAdmin(ReadOnly):
    list_display = ("name", "process", "position")
    list_filter = ("process",)


@admin.register(Project)
class ProjectAdmin(ReadOnly):
    list_display = ("code", "title", "process", "unit", "status", "is_funded", "hidden")
    list_filter = ("process", "status", "is_funded", "hidden")
    search_fields = ("code", "title")


@admin.register(Comment)
class CommentAdmin(ReadOnly):
    list_display = ("pk", "project", "created_at", "hidden_at")
    list_filter = ("hidden_at",)


@admin.register(Support)
class SupportAdmin(ReadOnly):
    list_display = ("project", "created_at")


@admin.register(DeliveryUpdate)
class DeliveryUpdateAdmin(ReadOnly):
    list_display = ("project", "at", "status", "progress")


@admin.register(CensusEntry)
class CensusEntryAdmin(ReadOnly):
    list_display = ("pk", "process", "area", "has_voted", "voted_on_paper")
    list_filter = ("process", "has_voted")
    exclude = ("digest",)


@admin.register(VotingCode)
class VotingCodeAdmin(ReadOnly):
    list_display = ("pk", "process", "batch", "area", "has_voted", "revoked_at")
    list_filter = ("process", "batch")
    exclude = ("digest",)


@admin.register(Ballot)
class BallotAdmin(ReadOnly):
    list_display = ("id", "process", "unit", "channel")
    list_filter = ("process", "channel")
    exclude = ("locator",)


@admin.register(PaperEntry)
class PaperEntryAdmin(ReadOnly):
    list_display = ("sheet", "process", "unit", "status")
    list_filter = ("process", "status")


@admin.register(UnitResult)
class UnitResultAdmin(ReadOnly):
    list_display = ("unit", "counted_at", "rule", "voters", "cost", "budget", "is_current")
    exclude = ("pb_file",)
