"""Builder services: every write to workspaces, scenarios and versions goes through here.

`check_*` functions validate and raise; the verbs (`create_scenario`, `save_draft`, `publish`, …) write.
Views and management commands stay thin and call these.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, Max, ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.text import slugify

from builder.defaults import OPERATOR_KEYWORDS
from builder.findings import Finding, errors_only
from builder.models import Membership, Role, Scenario, ScenarioVersion, Workspace
from builder.schema import empty_document
from builder.validation import validate


class ServiceError(Exception):
    """A user-caused error, rendered as `{"errors": [...]}` with `status`."""

    status = 400

    def __init__(self, code: str, message: str, path: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.path = code, message, path

    def as_errors(self) -> list[dict[str, Any]]:
        return [{"path": self.path, "node_id": None, "code": self.code, "message": self.message}]


class NotFound(ServiceError):
    status = 404


class RevisionConflict(ServiceError):
    """Someone saved since the client loaded the draft: nothing was written."""

    status = 409

    def __init__(self, current_revision: int, updated_by: str | None, updated_at: datetime) -> None:
        who = updated_by or "someone"
        super().__init__(
            "revision_conflict",
            f"The draft was changed by {who} (revision {current_revision}); reload it before saving",
            "/revision",
        )
        self.current_revision, self.updated_by, self.updated_at = current_revision, updated_by, updated_at


class ValidationFailed(ServiceError):
    """The document has errors, so it cannot be published."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("validation_failed", "The scenario has errors")
        self.findings = findings

    def as_errors(self) -> list[dict[str, Any]]:
        return [f.as_dict() for f in self.findings]


# --- workspaces -----------------------------------------------------------------------------------


def create_workspace(name: str, slug: str, owner: AbstractBaseUser | None = None, **settings: Any) -> Workspace:
    """A workspace with default settings; the owner (if given) becomes its admin."""
    workspace_settings = {"operator_keywords": list(OPERATOR_KEYWORDS), **settings}
    with transaction.atomic():
        workspace = Workspace.objects.create(name=name, slug=slug, settings=workspace_settings)
        if owner is not None:
            Membership.objects.create(user=owner, workspace=workspace, role=Role.ADMIN)
    return workspace


def add_member(workspace: Workspace, user: AbstractBaseUser, role: str = Role.EDITOR) -> Membership:
    membership, _ = Membership.objects.update_or_create(user=user, workspace=workspace, defaults={"role": role})
    return membership


# --- scenarios ------------------------------------------------------------------------------------


def check_slug(workspace: Workspace, slug: str, *, exclude: Scenario | None = None) -> str:
    slug = slug.strip()
    if not slug or slug != slugify(slug) or len(slug) > 64:
        raise ServiceError("invalid_slug", "Use 1–64 lowercase letters, digits, '-' or '_'", "/slug")
    taken = Scenario.objects.filter(workspace=workspace, slug=slug)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ServiceError("slug_taken", f"A scenario with slug '{slug}' already exists", "/slug")
    return slug


def unique_slug(workspace: Workspace, base: str) -> str:
    """`base`, or `base-2`, `base-3`, … whichever is free in the workspace."""
    base = (slugify(base) or "scenario")[:56]
    taken = set(Scenario.objects.filter(workspace=workspace, slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


_NUMBERED_NAME = re.compile(r"^(.*\S) \((\d+)\)$")


def unique_name(workspace: Workspace, name: str, taken: set[str] | None = None) -> str:
    """`name`, or `name (2)`, `name (3)`, … whichever no scenario of the workspace (nor `taken`) has.

    A name that already ends in " (n)" counts on from its base, so a copy of "Quiz (2)" is "Quiz (3)".
    """
    name = name.strip()[:200]
    names = set(Scenario.objects.filter(workspace=workspace).values_list("name", flat=True)) | (taken or set())
    if name not in names:
        return name
    match = _NUMBERED_NAME.match(name)
    base, n = (match.group(1), int(match.group(2)) + 1) if match else (name, 2)
    while True:
        suffix = f" ({n})"
        candidate = f"{base[: 200 - len(suffix)]}{suffix}"
        if candidate not in names:
            return candidate
        n += 1


MAX_DOCUMENT_DEPTH = 64  # real scenarios nest < 10 levels; deeper input would exhaust the recursion limit


def unstorable_path(value: Any, path: str = "") -> tuple[str, str] | None:
    """(code, JSON pointer) of the first part of `value` the database cannot store, or None.

    - "null_character": a string (key or value) holding U+0000. PostgreSQL cannot store it in text or jsonb
      (the write fails with a DataError), and no scenario needs it, so it is refused on every database.
    - "too_deep": nesting beyond MAX_DOCUMENT_DEPTH; encoding it for the database (and every recursive
      check after it) would hit Python's recursion limit.

    Iterative, so it cannot itself run out of stack.
    """
    stack = [(value, path, 0)]
    while stack:
        item, where, depth = stack.pop()
        if depth > MAX_DOCUMENT_DEPTH:
            return "too_deep", where
        if isinstance(item, str):
            if "\x00" in item:
                return "null_character", where
        elif isinstance(item, dict):
            for key, child in item.items():
                pointer = f"{where}/{str(key).replace('~', '~0').replace('/', '~1')}"
                if "\x00" in str(key):
                    return "null_character", pointer
                stack.append((child, pointer, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{where}/{index}", depth + 1) for index, child in enumerate(item))
    return None


UNSTORABLE_MESSAGES = {
    "null_character": "Text must not contain the NUL character (U+0000)",
    "too_deep": f"The document is nested more than {MAX_DOCUMENT_DEPTH} levels deep",
}


def check_document(document: Any) -> dict[str, Any]:
    """Drafts may have graph/schema errors, but must at least be a JSON object that the database can store."""
    if not isinstance(document, dict):
        raise ServiceError("document_not_object", "The scenario document must be a JSON object", "/document")
    problem = unstorable_path(document, "/document")
    if problem is not None:
        code, where = problem
        raise ServiceError(code, UNSTORABLE_MESSAGES[code], where)
    return document


def create_scenario(
    workspace: Workspace,
    name: str,
    *,
    user: AbstractBaseUser | None = None,
    slug: str | None = None,
    description: str = "",
    document: dict[str, Any] | None = None,
) -> Scenario:
    name = name.strip()
    if not name or len(name) > 200:
        raise ServiceError("invalid_name", "The name must be 1–200 characters", "/name")
    slug = check_slug(workspace, slug) if slug else unique_slug(workspace, name)
    document = check_document(document) if document is not None else empty_document(name)
    try:
        with transaction.atomic():
            return Scenario.objects.create(
                workspace=workspace,
                name=name,
                slug=slug,
                description=description,
                draft=document,
                created_by=user,
                updated_by=user,
            )
    except IntegrityError:  # a concurrent create took the slug between the check and the insert
        raise ServiceError("slug_taken", f"A scenario with slug '{slug}' already exists", "/slug") from None


def update_scenario_meta(
    scenario: Scenario,
    *,
    user: AbstractBaseUser | None = None,
    name: str | None = None,
    slug: str | None = None,
    description: str | None = None,
) -> Scenario:
    """Rename / re-slug / describe. Does not touch the draft or its revision."""
    changes: dict[str, Any] = {}
    if name is not None:
        name = name.strip()
        if not name or len(name) > 200:
            raise ServiceError("invalid_name", "The name must be 1–200 characters", "/name")
        changes["name"] = name
    if slug is not None and slug != scenario.slug:
        changes["slug"] = check_slug(scenario.workspace, slug, exclude=scenario)
    if description is not None:
        changes["description"] = description
    if changes:
        changes["updated_at"] = timezone.now()
        changes["updated_by"] = user
        try:
            Scenario.objects.filter(pk=scenario.pk).update(**changes)
        except IntegrityError:
            raise ServiceError("slug_taken", f"A scenario with slug '{slug}' already exists", "/slug") from None
        scenario.refresh_from_db()
    return scenario


class Conflict(ServiceError):
    status = 409


def delete_scenario(scenario: Scenario) -> None:
    """Delete a scenario and its versions — unless conversations still run one of its versions."""
    try:
        with transaction.atomic():
            scenario.delete()
    except (ProtectedError, RestrictedError):
        raise Conflict(
            "scenario_in_use", "Conversations are still running a published version of this scenario"
        ) from None


def duplicate_scenario(scenario: Scenario, *, user: AbstractBaseUser | None = None, name: str | None = None) -> Scenario:
    """A copy of the draft (not the versions), named "… (2)" (or the given name, numbered if taken), free slug."""
    name = unique_name(scenario.workspace, name or scenario.name)
    document = copy.deepcopy(scenario.draft)
    if isinstance(document, dict) and "name" in document:
        document["name"] = name
    return create_scenario(
        scenario.workspace,
        name,
        user=user,
        slug=unique_slug(scenario.workspace, f"{scenario.slug}-copy"),
        description=scenario.description,
        document=document,
    )


@dataclass
class SaveResult:
    revision: int
    updated_at: datetime
    findings: list[Finding] = field(default_factory=list)


def save_draft(scenario: Scenario, document: Any, revision: int, user: AbstractBaseUser | None = None) -> SaveResult:
    """Optimistic concurrency: one `UPDATE … WHERE id AND revision` — it writes only if nobody saved since.

    Drafts with findings are saved; the findings are returned so the editor can show them.
    """
    document = check_document(document)
    now = timezone.now()
    updated = Scenario.objects.filter(pk=scenario.pk, revision=revision).update(
        draft=document, revision=F("revision") + 1, updated_by=user, updated_at=now
    )
    if updated == 0:
        current = Scenario.objects.filter(pk=scenario.pk).select_related("updated_by").first()
        if current is None:
            raise NotFound("not_found", "The scenario no longer exists")
        raise RevisionConflict(
            current.revision, current.updated_by.get_username() if current.updated_by else None, current.updated_at
        )
    scenario.draft, scenario.revision, scenario.updated_by, scenario.updated_at = document, revision + 1, user, now
    return SaveResult(revision=revision + 1, updated_at=now, findings=validate(document, scenario.workspace))


def validate_scenario(scenario: Scenario, document: Any | None = None) -> list[Finding]:
    return validate(scenario.draft if document is None else document, scenario.workspace)


def has_unpublished_changes(scenario: Scenario) -> bool:
    """Does the draft differ in content from the published version (True if never published)?

    Content, not timestamps: a save that changes nothing, or an edit that is undone, is not a change.
    """
    published = scenario.published_version
    return published is None or published.document != scenario.draft


def channel_kinds(scenario: Scenario) -> list[str]:
    """Kinds of the active channels that run this scenario (e.g. ["web", "whatsapp"]), editor preview excluded."""
    kinds = scenario.channels.filter(is_active=True).exclude(kind="preview").values_list("kind", flat=True)
    return sorted(set(kinds))


# --- versions -------------------------------------------------------------------------------------


def _publish_document(
    scenario: Scenario,
    document: Any,
    user: AbstractBaseUser | None,
    note: str,
    rolled_back_from: int | None = None,
) -> ScenarioVersion:
    """Must run inside a transaction holding the scenario row lock."""
    findings = validate(document, scenario.workspace)
    if errors_only(findings):
        raise ValidationFailed(findings)
    latest = ScenarioVersion.objects.filter(scenario=scenario).aggregate(n=Max("number"))["n"] or 0
    version = ScenarioVersion.objects.create(
        scenario=scenario,
        number=latest + 1,
        document=copy.deepcopy(document),
        author=user,
        note=(note or "")[:500],
        rolled_back_from=rolled_back_from,
    )
    Scenario.objects.filter(pk=scenario.pk).update(published_version=version)
    scenario.published_version = version
    return version


def publish(
    scenario: Scenario, user: AbstractBaseUser | None = None, note: str = "", revision: int | None = None
) -> ScenarioVersion:
    """Publish the current draft as a new immutable version (refused with findings if it has any error).

    `revision` (optional) makes sure what gets published is the draft the user is looking at.
    """
    with transaction.atomic():
        locked = Scenario.objects.select_for_update(of=("self",)).select_related("workspace", "updated_by").get(pk=scenario.pk)
        if revision is not None and locked.revision != revision:
            who = locked.updated_by.get_username() if locked.updated_by else None
            raise RevisionConflict(locked.revision, who, locked.updated_at)
        version = _publish_document(locked, locked.draft, user, note)
    scenario.published_version = version
    return version


def rollback(scenario: Scenario, number: int, user: AbstractBaseUser | None = None, note: str = "") -> ScenarioVersion:
    """Publish an old version's document again, as a new version (history is never rewritten).

    The draft is left alone: work in progress is not lost by a rollback of what customers see.
    """
    with transaction.atomic():
        locked = Scenario.objects.select_for_update().select_related("workspace").get(pk=scenario.pk)
        old = get_version(locked, number)
        version = _publish_document(
            locked, old.document, user, note or f"Rollback to version {number}", rolled_back_from=number
        )
    scenario.published_version = version
    return version


def list_versions(scenario: Scenario):
    return ScenarioVersion.objects.filter(scenario=scenario).select_related("author").order_by("-number")


def get_version(scenario: Scenario, number: int) -> ScenarioVersion:
    version = ScenarioVersion.objects.filter(scenario=scenario, number=number).select_related("author").first()
    if version is None:
        raise NotFound("version_not_found", f"Version {number} does not exist", "/number")
    return version


def _index(items: Any, key: str) -> dict[str, dict]:
    return {
        item[key]: item
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, dict) and isinstance(item.get(key), str)
    }


def diff_documents(a: Any, b: Any) -> dict[str, Any]:
    """What changed from document `a` to document `b`: nodes by id, edges by (source, port, target)."""
    a, b = (a if isinstance(a, dict) else {}), (b if isinstance(b, dict) else {})
    nodes_a, nodes_b = _index(a.get("nodes"), "id"), _index(b.get("nodes"), "id")
    changed = []
    for node_id in nodes_a.keys() & nodes_b.keys():
        old, new = nodes_a[node_id], nodes_b[node_id]
        fields: list[str] = []
        if old.get("type") != new.get("type"):
            fields.append("type")
        if old.get("position") != new.get("position"):
            fields.append("position")
        data_a = old.get("data") if isinstance(old.get("data"), dict) else {}
        data_b = new.get("data") if isinstance(new.get("data"), dict) else {}
        fields += sorted(k for k in data_a.keys() | data_b.keys() if data_a.get(k) != data_b.get(k))
        if fields:
            changed.append({"id": node_id, "fields": fields})

    def edge_key(edge: dict) -> tuple:
        return (edge.get("source"), edge.get("source_port"), edge.get("target"))

    edges_a = {edge_key(e): e for e in (a.get("edges") or []) if isinstance(e, dict)}
    edges_b = {edge_key(e): e for e in (b.get("edges") or []) if isinstance(e, dict)}
    order_a, order_b = list(nodes_a), list(nodes_b)
    position = {node_id: i for i, node_id in enumerate(order_b)}
    return {
        "nodes": {
            "added": [n for n in order_b if n not in nodes_a],
            "removed": [n for n in order_a if n not in nodes_b],
            "changed": sorted(changed, key=lambda c: position[c["id"]]),
        },
        "edges": {
            "added": [e for k, e in edges_b.items() if k not in edges_a],
            "removed": [e for k, e in edges_a.items() if k not in edges_b],
        },
        "variables_changed": a.get("variables") != b.get("variables"),
        "settings_changed": a.get("settings") != b.get("settings"),
    }


def diff_versions(a: ScenarioVersion, b: ScenarioVersion) -> dict[str, Any]:
    return {"a": a.number, "b": b.number, **diff_documents(a.document, b.document)}
