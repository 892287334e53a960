"""Full validation of a scenario document: schema + graph checks, with the workspace's references."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from builder.findings import Finding
from builder.graph import check_graph
from builder.models import Department, Scenario, Workspace
from builder.schema import validate_document

# Checks that need more than the document and the workspace's slugs. A higher layer registers them in its
# AppConfig.ready() (runtime: `template` nodes against the approved templates of the workspace's WhatsApp
# channels), so builder never imports runtime to run them.
WorkspaceCheck = Callable[[Workspace, dict[str, Any]], list[Finding]]
_workspace_checks: list[WorkspaceCheck] = []


def register_workspace_check(check: WorkspaceCheck) -> None:
    if check not in _workspace_checks:
        _workspace_checks.append(check)


def workspace_references(workspace: Workspace) -> tuple[set[str], set[str]]:
    """(department slugs, scenario slugs) of a workspace, for reference checks."""
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
        for check in _workspace_checks:
            findings.extend(check(workspace, doc))
    return findings
