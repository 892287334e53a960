"""Starting points for a new scenario: the example scenarios of fixtures/, one export bundle per language.

`fixtures/templates/catalogue.json` lists them (key, title and description per language); the bundle of
template `key` in language `lang` is `fixtures/templates/<lang>/<key>.json`. Creating from a template is an
import of that bundle (same parse, plan and apply as a file import), so slugs, names and departments are
remapped exactly like an import: a free slug, "Name (2)" for a taken name, missing departments created.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

from builder import transfer
from builder.models import Scenario, Workspace
from builder.services import ServiceError

TEMPLATES_DIR = Path(settings.BASE_DIR) / "fixtures" / "templates"


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, Any]:
    return json.loads((TEMPLATES_DIR / "catalogue.json").read_text(encoding="utf-8"))


def languages() -> list[str]:
    return list(_catalogue()["languages"])


def check_language(lang: str | None, workspace: Workspace | None = None) -> str:
    """`lang`, or the workspace's language, or English; an unknown language is a 400 naming the known ones."""
    if not lang:
        ws_settings = workspace.settings if workspace is not None and isinstance(workspace.settings, dict) else {}
        lang = str(ws_settings.get("language") or "en")
    lang = lang.lower().split("-", 1)[0]
    if lang not in languages():
        raise ServiceError("unknown_language", f"Templates exist in: {', '.join(languages())}", "/lang")
    return lang


def keys() -> list[str]:
    return [t["key"] for t in _catalogue()["templates"]]


def bundle_path(key: str, lang: str) -> Path:
    return TEMPLATES_DIR / lang / f"{key}.json"


def catalogue(lang: str) -> list[dict[str, Any]]:
    """Title, description and size of every template, in `lang`."""
    out = []
    for item in _catalogue()["templates"]:
        bundle = load(item["key"], lang)
        out.append(
            {
                "key": item["key"],
                "title": item["title"][lang],
                "description": item["description"][lang],
                "nodes": sum(len(e.document.get("nodes", [])) for e in bundle.scenarios),
            }
        )
    return out


def load(key: str, lang: str) -> transfer.Bundle:
    if key not in keys():
        raise ServiceError("unknown_template", f"There is no template '{key}'", "/template")
    raw = bundle_path(key, lang).read_bytes()
    return transfer.parse_bundle(raw, max_bytes=settings.IMPORT_MAX_BYTES, max_nodes=settings.IMPORT_MAX_NODES)


def create_from_template(workspace: Workspace, key: str, lang: str, user: Any) -> tuple[Scenario, dict[str, Any]]:
    """A new draft scenario from template `key` in `lang`, through the import path; (scenario, import report)."""
    bundle = load(key, lang)
    plan = transfer.plan_import(bundle, workspace, create_missing=True)
    try:
        [scenario] = transfer.apply_import(plan, user, note="")
    except transfer.TransferError as exc:  # a concurrent write took the slug: the caller may retry
        error = exc.errors[0]
        raise ServiceError(error.code, error.message, error.path) from None
    return scenario, plan.as_dict()
