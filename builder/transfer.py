"""Export bundles and import them: parse → (upgrade) → validate → plan (dry run) → apply (all-or-nothing).

Everything but `apply_import` is a pure function over dicts and read-only queries, so the API, the
management commands and the demo loader share one code path and a dry run shows exactly what an
import would do.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from builder import services
from builder.findings import Finding
from builder.graph import check_graph
from builder.models import Department, Scenario, Workspace
from builder.schema import validate_document
from builder.services import ServiceError, ValidationFailed, unique_name
from builder.text_input import MESSAGE as TEXT_MESSAGE
from builder.text_input import find_bad_text

BUNDLE_FORMAT = "botflow/bundle"
SCENARIO_FORMAT = "botflow/scenario"
BUNDLE_VERSION = 1
SCENARIO_VERSION = 1

SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,64}$")
# Structural damage that makes a document unusable even as a draft; other graph findings (an
# unconnected port, an undeclared variable) are fine in a draft and only reported by the plan.
BLOCKING_GRAPH_CODES = frozenset({"duplicate_id", "edge_source_missing", "edge_target_missing"})
# Workspace settings a scenario may rely on instead of setting them itself.
WORKSPACE_SETTING_KEYS = ("operator_keywords",)

# Key order for written bundles: known keys first (in this order), anything else after, sorted.
_KEY_ORDER = {
    "bundle": ["format", "version", "exported_at", "source", "scenarios", "requires"],
    "entry": ["id", "slug", "name", "description", "document"],
    "document": ["format", "version", "name", "start", "variables", "settings", "nodes", "edges"],
    "node": ["id", "type", "position", "data"],
    "edge": ["id", "source", "source_port", "target"],
    "requires": ["departments", "scenarios", "workspace_settings"],
}


class TransferError(Exception):
    """A bundle cannot be imported. `errors` are findings the API returns as `{"errors": [...]}`."""

    def __init__(self, errors: list[Finding]):
        self.errors = errors
        super().__init__("; ".join(f"{e.path or '/'}: {e.message}" for e in errors) or "import failed")

    @property
    def code(self) -> str:
        return self.errors[0].code if self.errors else "invalid"

    @property
    def status(self) -> int:
        """The HTTP status this error maps to."""
        codes = {e.code for e in self.errors}
        if codes & {"too_large", "too_many_nodes"}:
            return 413
        if "not_found" in codes:
            return 404
        # The workspace changed between the plan and the write (a slug taken, a concurrent save).
        if codes & {"conflict", "revision_conflict", "slug_taken"}:
            return 409
        return 400

    def as_dicts(self) -> list[dict[str, Any]]:
        return [
            {"path": e.path, "node_id": e.node_id, "code": e.code, "message": e.message} for e in self.errors
        ]


def make_error(code: str, message: str, path: str = "", node_id: str | None = None) -> Finding:
    return Finding(code=code, message=message, path=path, node_id=node_id)


# --- Export -------------------------------------------------------------------------------------


def _ordered(value: dict[str, Any], kind: str) -> dict[str, Any]:
    order = _KEY_ORDER[kind]
    known = [k for k in order if k in value]
    rest = sorted(k for k in value if k not in order)
    return {k: value[k] for k in known + rest}


def _sorted_deep(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted_deep(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted_deep(v) for v in value]
    return value


def canonical_document(document: dict[str, Any]) -> dict[str, Any]:
    """The document with keys in a stable order (lists keep their order: it is meaningful)."""
    doc = {k: _sorted_deep(v) for k, v in document.items()}
    if isinstance(document.get("nodes"), list):
        doc["nodes"] = [
            _ordered({k: _sorted_deep(v) for k, v in n.items()}, "node") if isinstance(n, dict) else n
            for n in document["nodes"]
        ]
    if isinstance(document.get("edges"), list):
        doc["edges"] = [_ordered(e, "edge") if isinstance(e, dict) else e for e in document["edges"]]
    return _ordered(doc, "document")


def _nodes(document: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = document.get("nodes")
    return [n for n in nodes if isinstance(n, dict)] if isinstance(nodes, list) else []


def _data(node: dict[str, Any]) -> dict[str, Any]:
    data = node.get("data")
    return data if isinstance(data, dict) else {}


def referenced_departments(document: dict[str, Any]) -> list[str]:
    """Department slugs used by handoff nodes and the operator button, in first-use order."""
    slugs: list[str] = []
    settings = document.get("settings") if isinstance(document.get("settings"), dict) else {}
    button = settings.get("operator_button") if isinstance(settings.get("operator_button"), dict) else {}
    candidates = [button.get("department")]
    candidates += [_data(n).get("department") for n in _nodes(document) if n.get("type") == "handoff"]
    for slug in candidates:
        if isinstance(slug, str) and slug and slug not in slugs:
            slugs.append(slug)
    return slugs


def referenced_scenarios(document: dict[str, Any]) -> list[str]:
    """Slugs of other scenarios that `jump` nodes go to."""
    slugs: list[str] = []
    for node in _nodes(document):
        slug = _data(node).get("scenario") if node.get("type") == "jump" else None
        if isinstance(slug, str) and slug and slug not in slugs:
            slugs.append(slug)
    return slugs


def _relies_on_workspace_keywords(document: dict[str, Any]) -> bool:
    settings = document.get("settings") if isinstance(document.get("settings"), dict) else {}
    button = settings.get("operator_button") if isinstance(settings.get("operator_button"), dict) else {}
    return button.get("enabled", True) is not False and "keywords" not in button


def export_bundle(
    scenarios: Iterable[Scenario], *, installation: str, workspace: Workspace
) -> dict[str, Any]:
    """Wrap scenarios (their drafts) with what they reference, so they import into an empty installation."""
    scenarios = list(scenarios)
    entries = []
    dept_slugs: list[str] = []
    jump_slugs: list[str] = []
    needs_keywords = False
    for scenario in scenarios:
        if scenario.workspace_id != workspace.pk:
            raise ValueError(f"scenario {scenario.pk} is not in workspace {workspace.slug}")
        document = scenario.draft if isinstance(scenario.draft, dict) else {}
        entries.append(
            _ordered(
                {
                    "id": str(scenario.pk),
                    "slug": scenario.slug,
                    "name": scenario.name,
                    "description": scenario.description,
                    "document": canonical_document(document),
                },
                "entry",
            )
        )
        dept_slugs += [s for s in referenced_departments(document) if s not in dept_slugs]
        jump_slugs += [s for s in referenced_scenarios(document) if s not in jump_slugs]
        needs_keywords = needs_keywords or _relies_on_workspace_keywords(document)
    names = dict(
        Department.objects.filter(workspace=workspace, slug__in=dept_slugs).values_list("slug", "name")
    )
    bundled = {s.slug for s in scenarios}
    workspace_settings = {}
    if needs_keywords and isinstance(workspace.settings, dict):
        workspace_settings = {
            k: workspace.settings[k] for k in WORKSPACE_SETTING_KEYS if k in workspace.settings
        }
    requires = _ordered(
        {
            "departments": [{"slug": s, "name": names.get(s, s)} for s in sorted(dept_slugs)],
            "scenarios": sorted(s for s in jump_slugs if s not in bundled),
            "workspace_settings": _sorted_deep(workspace_settings),
        },
        "requires",
    )
    return _ordered(
        {
            "format": BUNDLE_FORMAT,
            "version": BUNDLE_VERSION,
            "exported_at": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "source": {"installation": installation, "workspace": workspace.slug},
            "scenarios": entries,
            "requires": requires,
        },
        "bundle",
    )


def dumps_bundle(bundle: dict[str, Any]) -> str:
    """UTF-8 friendly JSON: Cyrillic stays readable (no \\u escapes), 2-space indent, trailing newline."""
    return json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"


def bundle_filename(scenarios: list[Scenario], workspace: Workspace) -> str:
    stem = scenarios[0].slug if len(scenarios) == 1 else f"{workspace.slug}-scenarios"
    return f"{stem}.botflow.json"


# --- Parse and upgrade ---------------------------------------------------------------------------


@dataclass
class BundleScenario:
    slug: str
    name: str
    document: dict[str, Any]
    description: str = ""
    id: str | None = None


@dataclass
class Bundle:
    scenarios: list[BundleScenario]
    requires: dict[str, Any] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)
    exported_at: str | None = None
    version: int = BUNDLE_VERSION
    upgraded_from: int | None = None

    @property
    def node_count(self) -> int:
        return sum(len(_nodes(s.document)) for s in self.scenarios)


def _upgrade_v0_to_v1(bundle: dict[str, Any]) -> dict[str, Any]:
    """Version 0 (the pre-release format): nodes had `kind` and `x`/`y`, edges `from`/`to`/`port`,
    documents had no `format`, and the bundle listed `dependencies: {departments: [slug…]}`."""

    def node(n: Any) -> Any:
        if not isinstance(n, dict):
            return n
        n = dict(n)
        if "kind" in n and "type" not in n:
            n["type"] = n.pop("kind")
        if "position" not in n and ("x" in n or "y" in n):
            n["position"] = {"x": n.pop("x", 0), "y": n.pop("y", 0)}
        n.setdefault("data", {})
        return n

    def edge(e: Any, index: int) -> Any:
        if not isinstance(e, dict):
            return e
        e = dict(e)
        renames = {"from": "source", "to": "target", "port": "source_port"}
        for old, new in renames.items():
            if old in e and new not in e:
                e[new] = e.pop(old)
        e.setdefault("id", f"e{index + 1}")
        return e

    def document(doc: Any) -> Any:
        if not isinstance(doc, dict):
            return doc
        doc = dict(doc)
        doc["format"] = SCENARIO_FORMAT
        doc["version"] = 1
        if isinstance(doc.get("nodes"), list):
            doc["nodes"] = [node(n) for n in doc["nodes"]]
        if isinstance(doc.get("edges"), list):
            doc["edges"] = [edge(e, i) for i, e in enumerate(doc["edges"])]
        return doc

    out = dict(bundle)
    out["version"] = 1
    if isinstance(out.get("scenarios"), list):
        out["scenarios"] = [
            {**s, "document": document(s.get("document"))} if isinstance(s, dict) else s
            for s in out["scenarios"]
        ]
    deps = out.pop("dependencies", None)
    if "requires" not in out:
        departments = deps.get("departments", []) if isinstance(deps, dict) else []
        out["requires"] = {
            "departments": [
                {"slug": d, "name": d.replace("-", " ").title()} for d in departments if isinstance(d, str)
            ],
            "scenarios": [],
            "workspace_settings": {},
        }
    return out


# version → function that turns a bundle of that version into one of version + 1.
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _upgrade_v0_to_v1}


def upgrade_bundle(data: dict[str, Any]) -> dict[str, Any]:
    """Run the upgrade chain from the bundle's version up to BUNDLE_VERSION."""
    version = data.get("version")
    while isinstance(version, int) and version < BUNDLE_VERSION:
        step = UPGRADES.get(version)
        if step is None:
            raise TransferError(
                [
                    make_error(
                        "version_unsupported", f"bundle version {version} is too old to upgrade", "/version"
                    )
                ]
            )
        data = step(data)
        version = data["version"]
    return data


def _check_version(data: dict[str, Any]) -> int:
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise TransferError([make_error("version_invalid", "`version` must be an integer", "/version")])
    if version > BUNDLE_VERSION:
        raise TransferError(
            [
                make_error(
                    "version_unsupported",
                    f"bundle version {version} is newer than this installation supports "
                    f"({BUNDLE_VERSION}); upgrade botflow",
                    "/version",
                )
            ]
        )
    if version < 0:
        raise TransferError(
            [make_error("version_invalid", f"bundle version {version} does not exist", "/version")]
        )
    return version


def _wrap_document(data: dict[str, Any]) -> dict[str, Any]:
    """A bare scenario document (as the editor downloads it) imports like a one-scenario bundle."""
    name = data.get("name") if isinstance(data.get("name"), str) else "Imported scenario"
    return {
        "format": BUNDLE_FORMAT,
        "version": BUNDLE_VERSION,
        "scenarios": [{"slug": slugify(name)[:64] or "imported", "name": name, "document": data}],
        "requires": {},
    }


def _decode(raw: bytes | str, max_bytes: int) -> Any:
    size = len(raw.encode("utf-8")) if isinstance(raw, str) else len(raw)
    if size > max_bytes:
        raise TransferError(
            [make_error("too_large", f"the bundle is {size} bytes; the limit is {max_bytes} bytes")]
        )
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise TransferError(
                [
                    make_error(
                        "encoding_invalid", f"the bundle is not UTF-8 (byte {exc.start}): save it as UTF-8"
                    )
                ]
            ) from None
    raw = raw.removeprefix("\ufeff")
    if not raw.strip():
        raise TransferError([make_error("json_invalid", "the bundle is empty")])
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise TransferError(
            [make_error("json_invalid", f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")]
        ) from None
    except RecursionError:
        raise TransferError([make_error("json_invalid", "the JSON is nested too deeply")]) from None
    bad = find_bad_text(data)
    if bad is not None:
        raise TransferError([make_error("bad_text", TEXT_MESSAGE, bad)])
    return data


def _parse_entries(data: dict[str, Any]) -> tuple[list[BundleScenario], list[Finding]]:
    errors: list[Finding] = []
    raw_entries = data.get("scenarios")
    if not isinstance(raw_entries, list) or not raw_entries:
        return [], [make_error("required", "`scenarios` must be a non-empty list", "/scenarios")]
    entries: list[BundleScenario] = []
    seen: set[str] = set()
    for i, item in enumerate(raw_entries):
        base = f"/scenarios/{i}"
        if not isinstance(item, dict):
            errors.append(make_error("type", "each scenario must be an object", base))
            continue
        slug, name, doc = item.get("slug"), item.get("name"), item.get("document")
        description, sid = item.get("description", ""), item.get("id")
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            errors.append(
                make_error("slug_invalid", "`slug` must be 1–64 letters, digits, - or _", f"{base}/slug")
            )
        elif slug in seen:
            errors.append(
                make_error("duplicate_slug", f"slug {slug!r} appears twice in the bundle", f"{base}/slug")
            )
        else:
            seen.add(slug)
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            errors.append(
                make_error("required", "`name` must be a non-empty string (≤ 200 characters)", f"{base}/name")
            )
        if not isinstance(description, str):
            errors.append(make_error("type", "`description` must be a string", f"{base}/description"))
        if sid is not None:
            try:
                sid = str(uuid.UUID(str(sid)))
            except ValueError:
                errors.append(make_error("id_invalid", "`id` must be a UUID", f"{base}/id"))
        if not isinstance(doc, dict):
            errors.append(
                make_error(
                    "required", "`document` must be a scenario document (an object)", f"{base}/document"
                )
            )
            continue
        entries.append(
            BundleScenario(slug=slug, name=name, document=doc, description=description or "", id=sid)
        )
    return entries, errors


def _document_errors(index: int, document: dict[str, Any]) -> list[Finding]:
    prefix = f"/scenarios/{index}/document"
    version = document.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > SCENARIO_VERSION:
        return [
            make_error(
                "version_unsupported",
                f"scenario format version {version} is newer than this installation supports "
                f"({SCENARIO_VERSION}); upgrade botflow",
                f"{prefix}/version",
            )
        ]
    found = [f for f in validate_document(document) if f.severity == "error"]
    if not found:
        found = [f for f in check_graph(document) if f.severity == "error" and f.code in BLOCKING_GRAPH_CODES]
    return [
        Finding(
            code=f.code, message=f.message, path=f"{prefix}{f.path}", node_id=f.node_id, severity=f.severity
        )
        for f in found
    ]


def parse_bundle(raw: bytes | str, *, max_bytes: int, max_nodes: int) -> Bundle:
    """Bytes from a file or request → a validated, upgraded Bundle, or TransferError listing every problem."""
    data = _decode(raw, max_bytes)
    if not isinstance(data, dict):
        raise TransferError([make_error("type", "the bundle must be a JSON object")])
    if data.get("format") == SCENARIO_FORMAT:
        data = _wrap_document(data)
    if data.get("format") != BUNDLE_FORMAT:
        raise TransferError(
            [
                make_error(
                    "format_unknown",
                    f"not a botflow bundle: `format` is {data.get('format')!r}, expected {BUNDLE_FORMAT!r}",
                    "/format",
                )
            ]
        )
    original = _check_version(data)
    if original < BUNDLE_VERSION:
        data = upgrade_bundle(data)
    entries, errors = _parse_entries(data)
    if errors:
        raise TransferError(errors)
    requires = data.get("requires") if isinstance(data.get("requires"), dict) else {}
    source = data.get("source") if isinstance(data.get("source"), dict) else {}
    bundle = Bundle(
        scenarios=entries,
        requires=requires,
        source=source,
        exported_at=data.get("exported_at") if isinstance(data.get("exported_at"), str) else None,
        upgraded_from=original if original < BUNDLE_VERSION else None,
    )
    if bundle.node_count > max_nodes:
        raise TransferError(
            [
                make_error(
                    "too_many_nodes", f"the bundle has {bundle.node_count} nodes; the limit is {max_nodes}"
                )
            ]
        )
    for i, entry in enumerate(entries):
        errors += _document_errors(i, entry.document)
    if errors:
        raise TransferError(errors)
    return bundle


def merge_bundles(bundles: Iterable[Bundle]) -> Bundle:
    """Several bundles as one, so jumps between them resolve in one import (the demo loader)."""
    merged = Bundle(scenarios=[], requires={"departments": [], "scenarios": [], "workspace_settings": {}})
    for bundle in bundles:
        merged.scenarios += bundle.scenarios
        for dept in bundle.requires.get("departments", []) or []:
            if dept not in merged.requires["departments"]:
                merged.requires["departments"].append(dept)
        merged.requires["workspace_settings"].update(bundle.requires.get("workspace_settings") or {})
    slugs = {s.slug for s in merged.scenarios}
    merged.requires["scenarios"] = sorted(
        {s for b in merged.scenarios for s in referenced_scenarios(b.document)} - slugs
    )
    return merged


# --- Plan (dry run) -------------------------------------------------------------------------------


@dataclass
class PlannedScenario:
    action: str  # "create" | "replace"
    source_slug: str
    slug: str
    source_id: str | None
    id: str | None  # the id here: the target's for "replace", assigned on apply for "create"
    name: str
    description: str
    document: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    source_name: str = ""  # the name in the bundle; `name` differs when a scenario here already has it


@dataclass
class ImportPlan:
    workspace: Workspace
    into: Scenario | None
    create_missing: bool
    scenarios: list[PlannedScenario]
    slug_remaps: dict[str, str]
    missing_departments: list[dict[str, str]]
    missing_scenarios: list[str]
    missing_settings: dict[str, Any]
    upgraded_from: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "workspace": self.workspace.slug,
            "upgraded_from": self.upgraded_from,
            "scenarios": [
                {
                    "action": p.action,
                    "source_slug": p.source_slug,
                    "slug": p.slug,
                    "source_id": p.source_id,
                    "id": p.id,
                    "name": p.name,
                    "source_name": p.source_name,
                    "renamed": p.action == "create" and p.name != p.source_name,
                    "nodes": len(_nodes(p.document)),
                    "findings": [f.as_dict() for f in p.findings],
                }
                for p in self.scenarios
            ],
            "slug_remaps": self.slug_remaps,
            "missing": {
                "departments": self.missing_departments,
                "scenarios": self.missing_scenarios,
                "workspace_settings": self.missing_settings,
            },
            "create_missing": self.create_missing,
        }


def _rewrite_jumps(document: dict[str, Any], remap: dict[str, str]) -> dict[str, Any]:
    doc = json.loads(json.dumps(document))  # deep copy: the bundle stays as parsed
    for node in _nodes(doc):
        data = _data(node)
        if node.get("type") == "jump" and data.get("scenario") in remap:
            data["scenario"] = remap[data["scenario"]]
    return doc


def _free_slug(slug: str, taken: set[str]) -> str:
    if slug not in taken:
        return slug
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = f"{slug[: 64 - len(suffix)]}{suffix}"
        if candidate not in taken:
            return candidate
        n += 1


def plan_import(
    bundle: Bundle, workspace: Workspace, *, into: Scenario | None = None, create_missing: bool = False
) -> ImportPlan:
    """What an import would do, without writing anything."""
    if into is not None:
        if into.workspace_id != workspace.pk:
            raise TransferError(
                [make_error("not_found", "the target scenario is not in this workspace", "/into")]
            )
        if len(bundle.scenarios) != 1:
            raise TransferError(
                [
                    make_error(
                        "into_needs_one_scenario",
                        f"importing into an existing scenario needs a bundle with exactly one scenario "
                        f"(this one has {len(bundle.scenarios)})",
                        "/scenarios",
                    )
                ]
            )

    existing_slugs = set(Scenario.objects.filter(workspace=workspace).values_list("slug", flat=True))
    slug_remaps: dict[str, str] = {}
    # (action, slug here, id here). Created scenarios get their id on apply: scenario ids belong to an
    # installation, links between scenarios go by slug, so a bundle's ids are never reused.
    targets: list[tuple[str, str, str | None]] = []
    if into is not None:
        entry = bundle.scenarios[0]
        targets.append(("replace", into.slug, str(into.pk)))
        if entry.slug != into.slug:
            slug_remaps[entry.slug] = into.slug
    else:
        taken = set(existing_slugs)
        for entry in bundle.scenarios:
            slug = _free_slug((slugify(entry.slug) or "scenario")[:64], taken)
            taken.add(slug)
            if slug != entry.slug:
                slug_remaps[entry.slug] = slug
            targets.append(("create", slug, None))

    # Departments: from the documents (authoritative) and the bundle's requires (for names).
    names = {
        d.get("slug"): d.get("name")
        for d in bundle.requires.get("departments", []) or []
        if isinstance(d, dict) and isinstance(d.get("slug"), str)
    }
    wanted = sorted({s for e in bundle.scenarios for s in referenced_departments(e.document)})
    present = set(
        Department.objects.filter(workspace=workspace, slug__in=wanted).values_list("slug", flat=True)
    )
    missing_departments = [
        {"slug": s, "name": (names.get(s) or s.replace("-", " ").replace("_", " ").title())[:120]}
        for s in wanted
        if s not in present
    ]

    planned: list[PlannedScenario] = []
    final_slugs = existing_slugs | {slug for _, slug, _ in targets}
    known_departments = present | ({d["slug"] for d in missing_departments} if create_missing else set())
    missing_scenarios: list[str] = []
    taken_names: set[str] = set()
    for entry, (action, slug, sid) in zip(bundle.scenarios, targets, strict=True):
        document = _rewrite_jumps(entry.document, slug_remaps)
        for target in referenced_scenarios(document):
            if target not in final_slugs and target not in missing_scenarios:
                missing_scenarios.append(target)
        findings = check_graph(document, departments=known_departments, scenarios=final_slugs)
        if into is not None:
            name = into.name
        else:
            # Two scenarios with one name cannot be told apart in the list: "Name (2)", like a duplicate.
            name = unique_name(workspace, entry.name, taken_names)
            taken_names.add(name)
        planned.append(
            PlannedScenario(
                action=action,
                source_slug=entry.slug,
                slug=slug,
                source_id=entry.id,
                id=sid,
                name=name,
                description=into.description if into is not None else entry.description,
                document=document,
                findings=findings,
                source_name=entry.name,
            )
        )

    ws_settings = workspace.settings if isinstance(workspace.settings, dict) else {}
    needed = bundle.requires.get("workspace_settings") or {}
    missing_settings = (
        {k: v for k, v in needed.items() if k in WORKSPACE_SETTING_KEYS and k not in ws_settings}
        if isinstance(needed, dict)
        else {}
    )
    return ImportPlan(
        workspace=workspace,
        into=into,
        create_missing=create_missing,
        scenarios=planned,
        slug_remaps=slug_remaps,
        missing_departments=missing_departments,
        missing_scenarios=sorted(missing_scenarios),
        missing_settings=missing_settings,
        upgraded_from=bundle.upgraded_from,
    )


# --- Apply ----------------------------------------------------------------------------------------


def _as_transfer_error(exc: Exception, index: int) -> TransferError:
    """A service's refusal as findings that point at the bundle entry that caused it."""
    prefix = f"/scenarios/{index}"
    if isinstance(exc, ValidationFailed):
        return TransferError(
            [
                Finding(code=f.code, message=f.message, path=f"{prefix}/document{f.path}", node_id=f.node_id)
                for f in exc.findings
                if f.severity == "error"
            ]
        )
    if isinstance(exc, ServiceError):
        return TransferError([make_error(exc.code, exc.message, f"{prefix}{exc.path}")])
    # IntegrityError: a concurrent write took a slug or department between plan and apply.
    return TransferError([make_error("conflict", f"the workspace changed during the import: {exc}", prefix)])


def apply_import(
    plan: ImportPlan,
    user: Any,
    *,
    publish: bool = False,
    note: str = "Imported",
    progress: Callable[[PlannedScenario], None] | None = None,
) -> list[Scenario]:
    """Carry out a plan in one transaction. Any failure (a slug taken meanwhile, a publish refused
    for graph errors, a concurrent save) rolls back everything, departments created for it included."""
    workspace = plan.workspace
    result: list[Scenario] = []
    index = 0
    try:
        with transaction.atomic():
            if plan.create_missing:
                for dept in plan.missing_departments:
                    Department.objects.get_or_create(
                        workspace=workspace, slug=dept["slug"], defaults={"name": dept["name"]}
                    )
                if plan.missing_settings:
                    ws = Workspace.objects.select_for_update().get(pk=workspace.pk)
                    ws.settings = {**(ws.settings or {}), **plan.missing_settings}
                    ws.save(update_fields=["settings"])
                    workspace.settings = ws.settings
            for position, item in enumerate(plan.scenarios):
                index = position  # reported if this one fails
                if item.action == "replace":
                    scenario = Scenario.objects.select_for_update().get(pk=item.id, workspace=workspace)
                    services.save_draft(scenario, item.document, scenario.revision, user)
                else:
                    scenario = services.create_scenario(
                        workspace,
                        item.name,
                        user=user,
                        slug=item.slug,
                        description=item.description,
                        document=item.document,
                    )
                    item.id = str(scenario.pk)
                result.append(scenario)
                if progress is not None:
                    progress(item)
            if publish:
                # After every scenario exists, so jumps between them resolve.
                for position, scenario in enumerate(result):
                    index = position
                    services.publish(scenario, user, note)
    except (services.ServiceError, IntegrityError) as exc:
        for item in plan.scenarios:
            if item.action == "create":
                item.id = None
        raise _as_transfer_error(exc, index) from exc
    for scenario in result:
        scenario.refresh_from_db()
    return result
