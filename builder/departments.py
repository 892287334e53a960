"""Which department a handoff goes to (the runtime's business-hours check and the live-agent queue agree)."""

from __future__ import annotations

from builder.models import Department


def resolve_department(workspace_id: int, slug: str | None) -> Department | None:
    """The department a handoff goes to: the slug if it exists, else the workspace's first department."""
    departments = Department.objects.filter(workspace_id=workspace_id)
    if slug:
        found = departments.filter(slug=slug).first()
        if found is not None:
            return found
    return departments.order_by("created_at", "pk").first()
