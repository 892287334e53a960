"""What a channel runs and who may change that: the scenario field, the no-scenario behaviour, the allowed
origins and the embed snippet of a web widget, and the workspace rule that lets editors connect scenarios.

Role rule (README "Channels and roles"): admins manage channels (create, secrets, settings, delete). Editors
may change *only the scenario* of an existing channel, and only when an admin turned on the workspace
setting `editors_can_connect_channels` (off by default). Operators only read channels.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.html import escape

from builder.api_errors import ApiError
from builder.models import Membership, Role, Scenario, Workspace
from runtime.models import Channel
from runtime.pipeline.scenarios import DEFAULT_NO_SCENARIO_TEXT, NO_SCENARIO_ACTIONS, no_scenario_behaviour

EDITORS_CAN_CONNECT = "editors_can_connect_channels"
NO_SCENARIO_KEYS = ("no_scenario_action", "no_scenario_text")
NO_SCENARIO_TEXT_MAX = 1000
MAX_ORIGINS = 50
_UUID_RE = re.compile(r"[0-9a-fA-F-]{32,36}")


class SetupError(ApiError):
    """Bad input for a channel change: an HTTP status, a stable code, a message for people, the JSON path
    (the API's exception handler renders it like every other error)."""


# --- who may change what ------------------------------------------------------------------------------------


def editors_can_connect(workspace: Workspace) -> bool:
    return bool((workspace.settings or {}).get(EDITORS_CAN_CONNECT, False))


def can_connect(membership: Membership) -> bool:
    """May this member change which scenario a channel runs?"""
    if membership.role == Role.ADMIN:
        return True
    return membership.role == Role.EDITOR and editors_can_connect(membership.workspace)


def check_change(membership: Membership, fields: set[str]) -> None:
    """403 unless the member may change these fields of an existing channel (see the module's role rule)."""
    if membership.role == Role.ADMIN:
        return
    if not can_connect(membership):
        hint = (" An admin can let editors connect scenarios in Settings → Channels."
                if membership.role == Role.EDITOR else "")
        raise SetupError(403, "permission_denied", "Only workspace admins can change channels." + hint)
    if fields - {"scenario"}:
        raise SetupError(403, "permission_denied", "Editors may change only the scenario a channel runs.")


def set_editors_can_connect(workspace: Workspace, value: Any) -> None:
    if not isinstance(value, bool):
        raise SetupError(400, "invalid", f"{EDITORS_CAN_CONNECT} must be true or false.", f"/{EDITORS_CAN_CONNECT}")
    workspace.settings = {**(workspace.settings or {}), EDITORS_CAN_CONNECT: value}
    workspace.save(update_fields=["settings"])


# --- what a channel runs ------------------------------------------------------------------------------------


def resolve_scenario(workspace: Workspace, raw: Any) -> Scenario | None:
    """The scenario a channel should run: None to disconnect; a scenario of this workspace with a published
    version, else 400 (another workspace's id gets the same answer as an unknown one, so nothing leaks)."""
    if raw in (None, ""):
        return None
    scenario = (Scenario.objects.filter(workspace=workspace, pk=str(raw)).first()
                if _UUID_RE.fullmatch(str(raw)) else None)
    if scenario is None:
        raise SetupError(400, "not_found", "No scenario with this id in the workspace.", "/scenario")
    if scenario.published_version_id is None:
        raise SetupError(400, "unpublished", f"“{scenario.name}” has no published version yet: publish it "
                         "before connecting it to a channel.", "/scenario")
    return scenario


def clean_no_scenario(raw: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `no_scenario_action` (queue | auto_reply) and `no_scenario_text` keys of a channel's config."""
    out: dict[str, Any] = {k: (current or {})[k] for k in NO_SCENARIO_KEYS if k in (current or {})}
    if "no_scenario_action" in raw:
        action = raw["no_scenario_action"]
        if action not in NO_SCENARIO_ACTIONS:
            raise SetupError(400, "invalid", "no_scenario_action must be queue or auto_reply.",
                             "/config/no_scenario_action")
        out["no_scenario_action"] = action
    if "no_scenario_text" in raw:
        text = raw["no_scenario_text"]
        if text is None:
            text = ""
        if not isinstance(text, str) or len(text) > NO_SCENARIO_TEXT_MAX:
            raise SetupError(400, "invalid", f"no_scenario_text must be a text of at most {NO_SCENARIO_TEXT_MAX} "
                             "characters.", "/config/no_scenario_text")
        out["no_scenario_text"] = text.strip()
    if out.get("no_scenario_action") == "auto_reply" and not out.get("no_scenario_text"):
        out["no_scenario_text"] = DEFAULT_NO_SCENARIO_TEXT
    return out


def clean_origins(raw: Any) -> list[str]:
    """Allowed origins of a web widget: `scheme://host[:port]` each (or "*"), normalised, de-duplicated."""
    path = "/config/allowed_origins"
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_ORIGINS:
        raise SetupError(400, "invalid", f"allowed_origins must be a list of at most {MAX_ORIGINS} origins.", path)
    out: list[str] = []
    for i, item in enumerate(raw):
        origin = item.strip().rstrip("/") if isinstance(item, str) else ""
        normal = "*" if origin == "*" else _origin(origin)
        if normal is None:
            shown = item if isinstance(item, str) else repr(item)
            raise SetupError(400, "invalid", f"Not an origin: “{shown[:200]}”. Write scheme://host[:port], e.g. "
                             "https://shop.example or http://localhost:8080, without a path.", f"{path}/{i}")
        if normal not in out:
            out.append(normal)
    return out


def _origin(text: str) -> str | None:
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query
            or parts.fragment or parts.username or parts.password or "@" in parts.netloc):
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


# --- the web widget's embed ---------------------------------------------------------------------------------


def snippet(channel: Channel) -> str:
    """The one line a site owner pastes into their pages."""
    return f'<script src="{settings.SITE_URL}/static/widget.js" data-key="{escape(channel.key)}" async></script>'


def test_page_url(channel: Channel) -> str:
    """Our own page that embeds this widget: it connects whatever the allowed origins (runtime.widget)."""
    return f"{settings.SITE_URL}/w/{channel.key}/test/"


def describe(channel: Channel) -> dict[str, Any]:
    """The fields the API adds to a channel: what it runs, what it does without a scenario, the embed."""
    scenario = channel.scenario if channel.scenario_id else None
    action, text = no_scenario_behaviour(channel)
    out: dict[str, Any] = {
        "scenario_name": scenario.name if scenario is not None else None,
        "scenario_published": bool(scenario is not None and scenario.published_version_id),
        "no_scenario_action": action,
        "no_scenario_text": text,
    }
    if channel.kind == Channel.Kind.WEB:
        out.update(snippet=snippet(channel), test_url=test_page_url(channel),
                   allowed_origins=list((channel.config or {}).get("allowed_origins") or []))
    return out
