"""Full validation of a scenario document: schema + graph checks, with the workspace's references."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from builder.findings import Finding
from builder.graph import check_graph
from builder.schema import validate_document

if TYPE_CHECKING:
    from builder.models import Workspace


def workspace_references(workspace: Workspace) -> tuple[set[str], set[str]]:
    """(department slugs, scenario slugs) of a workspace, for reference checks."""
    from builder.models import Scenario
    from channels_app.models import Department

    departments = set(Department.objects.filter(workspace=workspace).values_list("slug", flat=True))
    scenarios = set(Scenario.objects.filter(workspace=workspace).values_list("slug", flat=True))
    return departments, scenarios


def validate(
    doc: Any, workspace: Workspace | None = None, *, references: tuple[set[str], set[str]] | None = None
) -> list[Finding]:
    """Schema findings, then graph findings (graph checks tolerate malformed parts, so both always run).

    Without a workspace (or precomputed `references`), department and cross-scenario references are not
    checked.
    """
    findings = validate_document(doc)
    if not isinstance(doc, dict):
        return findings
    if references is None and workspace is not None:
        references = workspace_references(workspace)
    departments, scenarios = references if references is not None else (None, None)
    seen = {(f.path, f.code) for f in findings}
    for finding in check_graph(doc, departments=departments, scenarios=scenarios):
        if (finding.path, finding.code) not in seen:
            findings.append(finding)
    if workspace is not None:
        # `template` nodes: approved on one of the workspace's WhatsApp channels, every placeholder mapped.
        from runtime.connectors.templates import check_template_nodes

        findings.extend(check_template_nodes(workspace, doc))
    return findings
