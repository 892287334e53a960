"""Server-rendered shells for the operator inbox and the demo site, and the widget's public endpoints.

The shells only hand the frontend bundle its bootstrap data (json_script, never string-interpolated);
everything live happens over the inbox websocket.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from builder.models import Department
from builder.views import bootstrap_data, current_membership, render_shell
from channels_app.models import CannedReply
from channels_app.queue import INBOX_ROLES, get_conversation
from runtime.errors import ActionError
from runtime.models import Channel

DEMO_WIDGET_KEY = "demo-widget"
MANIFEST_ENTRY_INBOX = "src/inbox/main.tsx"
# Channel.config keys the widget may read; anything else there (allowed origins, …) stays private.
WIDGET_PUBLIC_CONFIG = ("title", "subtitle", "color", "text_color", "position")


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The operator console. Any member of the workspace (operator, editor, admin) may answer chats."""
    membership = current_membership(request, request.GET.get("workspace"))
    if membership is None or membership.role not in INBOX_ROLES:
        return render(request, "channels_app/no_workspace.html", status=403)
    workspace = membership.workspace
    bootstrap = bootstrap_data(
        request,
        membership,
        page="inbox",
        workspace_name=workspace.name,
        departments=list(Department.objects.filter(workspace=workspace).order_by("name").values("id", "slug", "name")),
        canned=list(
            CannedReply.objects.filter(workspace=workspace).order_by("shortcut").values("id", "title", "shortcut", "text")
        ),
    )
    bootstrap["urls"].update({
        "socket": f"/ws/inbox/?workspace={workspace.slug}",
        "editor": "/",
        "nodes": "/inbox/conversations/{id}/nodes",
    })
    return render_shell(request, title="Inbox", entry=MANIFEST_ENTRY_INBOX, bootstrap=bootstrap)


@require_GET
def demo(request: HttpRequest) -> HttpResponse:
    """A sample business site that embeds the widget exactly as a customer's site would."""
    key = request.GET.get("key") or DEMO_WIDGET_KEY
    return render(request, "channels_app/demo.html", {"widget_key": key})


@require_GET
def widget_test_page(request: HttpRequest, key: str) -> HttpResponse:
    """A plain page of ours embedding one web channel's widget, to try it before touching a real site. Being
    served from our own origin it connects whatever the channel's allowed origins (runtime.widget.own_origin)."""
    channel = Channel.objects.filter(key=key, kind=Channel.Kind.WEB, is_active=True).first()
    if channel is None:
        raise Http404("No active web widget with this key")
    return render(request, "channels_app/widget_test.html", {"channel": channel})


@require_GET
def widget_js(request: HttpRequest) -> HttpResponse:
    """/static/widget.js when whitenoise does not have it (dist built after the server started)."""
    path = Path(settings.FRONTEND_DIST) / "widget.js"
    if not path.is_file():
        raise Http404("widget.js is not built: run `make frontend`")
    response = FileResponse(path.open("rb"), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def widget_config(request: HttpRequest, key: str) -> JsonResponse:
    """Public look of a web channel (title, colours): fetched by the widget on any site, hence CORS *."""
    channel = Channel.objects.filter(key=key, kind=Channel.Kind.WEB, is_active=True).first()
    if channel is None:
        response = JsonResponse(
            {"errors": [{"path": "key", "node_id": None, "code": "unknown_widget", "message": "Unknown widget key"}]},
            status=404,
        )
    else:
        config = channel.config if isinstance(channel.config, dict) else {}
        data = {k: config[k] for k in WIDGET_PUBLIC_CONFIG if isinstance(config.get(k), str)}
        data.setdefault("title", channel.name)
        response = JsonResponse(data)
        response["Cache-Control"] = "public, max-age=60"
    response["Access-Control-Allow-Origin"] = "*"
    return response


_TEMPLATE_TAG = re.compile(r"\{\{.*?\}\}", re.S)
# Node types worth returning a customer to: the steps that talk to or wait for the customer.
RETURNABLE_NODE_TYPES = ("message", "buttons", "ask", "rating", "handoff", "end", "wait", "jump")


def node_label(node: dict[str, Any]) -> str:
    """A short human label for a node: its text or prompt, else "" (the inbox then names it by its kind; the
    node id is internal and never shown to operators)."""
    data = node.get("data") if isinstance(node.get("data"), dict) else {}
    for key in ("prompt", "text", "message"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            text = " ".join(_TEMPLATE_TAG.sub("…", value).split())  # {{variables}} are the bot's, not people's
            return text if len(text) <= 60 else text[:57] + "…"
    return ""


@login_required
@require_GET
def conversation_nodes(request: HttpRequest, conversation_id: str) -> JsonResponse:
    """The nodes of the scenario version a conversation runs: the "return to bot" picker's choices."""
    try:
        conversation = get_conversation(request.user, conversation_id)
    except ActionError as error:
        return JsonResponse(
            {"errors": [{"path": "conversation_id", "node_id": None, "code": error.code, "message": error.message}]},
            status=404,
        )
    document: Any = None
    if conversation.version_id:
        document = conversation.version.document
    elif conversation.scenario_id:
        document = conversation.scenario.draft
    nodes = document.get("nodes", []) if isinstance(document, dict) else []
    return JsonResponse({
        "nodes": [
            {"id": n["id"], "type": n.get("type", ""), "label": node_label(n)}
            for n in nodes
            if isinstance(n, dict) and isinstance(n.get("id"), str) and n.get("type") in RETURNABLE_NODE_TYPES
        ],
    })
