from django.contrib import admin

from builder.models import Department
from channels_app.models import AssignmentEvent, CannedReply, OperatorStatus


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "workspace", "assignment"]
    list_filter = ["workspace", "assignment"]
    search_fields = ["name", "slug"]
    filter_horizontal = ["operators"]


@admin.register(OperatorStatus)
class OperatorStatusAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "presence", "capacity", "open_sockets", "last_seen_at"]
    list_filter = ["presence", "workspace"]


@admin.register(AssignmentEvent)
class AssignmentEventAdmin(admin.ModelAdmin):
    list_display = ["conversation", "kind", "actor", "operator", "department", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["conversation", "actor", "operator", "department"]


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["shortcut", "title", "workspace"]
    list_filter = ["workspace"]
    search_fields = ["shortcut", "title", "text"]
