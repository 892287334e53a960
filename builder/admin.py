from django.contrib import admin

from builder.models import Membership, Scenario, ScenarioVersion, Workspace


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "role", "created_at"]
    list_filter = ["role", "workspace"]
    search_fields = ["user__username", "workspace__slug"]
    autocomplete_fields = ["user", "workspace"]


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "workspace", "revision", "published_version", "updated_by", "updated_at"]
    list_filter = ["workspace"]
    search_fields = ["name", "slug"]
    # Draft saves go through save_draft (optimistic concurrency); the admin does not bypass it.
    readonly_fields = ["id", "revision", "draft", "published_version", "created_by", "updated_by", "created_at", "updated_at"]


@admin.register(ScenarioVersion)
class ScenarioVersionAdmin(admin.ModelAdmin):
    """Published versions are immutable: viewable, never editable."""

    list_display = ["scenario", "number", "author", "note", "rolled_back_from", "created_at"]
    list_filter = ["scenario__workspace"]
    search_fields = ["scenario__name", "note"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
