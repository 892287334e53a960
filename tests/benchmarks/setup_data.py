"""Create (or recreate) the benchmark workspace through the real services; print what the load needs.

Run in the benchmark's environment: `python -m tests.benchmarks.setup_data` → JSON on stdout with the
widget key, the operator's session cookie and the workspace slug.
"""

from __future__ import annotations

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "channels_app.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402

from builder import services as builder  # noqa: E402
from builder.models import Department, Role, Workspace  # noqa: E402
from channels_app.models import OperatorStatus  # noqa: E402
from channels_app.services import create_department  # noqa: E402
from runtime.models import Channel  # noqa: E402

ORIGIN = "http://127.0.0.1:8000"
SLUG = "bench"

# A welcome funnel that loops: the customer types a button label, the bot answers and shows the menu again.
FUNNEL = {
    "format": "botflow/scenario",
    "version": 1,
    "name": "Bench funnel",
    "start": "welcome",
    "variables": [],
    "settings": {
        "language": "en",
        "operator_button": {"enabled": True, "label": "Call operator", "department": "support"},
        "fallback_text": "Please choose one of the buttons.",
    },
    "nodes": [
        {"id": "welcome", "type": "buttons", "position": {"x": 0, "y": 0},
         "data": {"text": "Hi! How can we help?",
                  "buttons": [{"id": "sales", "label": "Sales"}, {"id": "support", "label": "Support"}]}},
        {"id": "sales_info", "type": "message", "position": {"x": 300, "y": -80},
         "data": {"text": "Our plans start at $10 per month."}},
        {"id": "support_info", "type": "message", "position": {"x": 300, "y": 80},
         "data": {"text": "Have you tried turning it off and on again?"}},
        {"id": "back", "type": "jump", "position": {"x": 600, "y": 0}, "data": {"node": "welcome"}},
    ],
    "edges": [
        {"id": "e1", "source": "welcome", "source_port": "sales", "target": "sales_info"},
        {"id": "e2", "source": "welcome", "source_port": "support", "target": "support_info"},
        {"id": "e3", "source": "sales_info", "source_port": "next", "target": "back"},
        {"id": "e4", "source": "support_info", "source_port": "next", "target": "back"},
    ],
}


def main() -> dict:
    Workspace.objects.filter(slug=SLUG).delete()
    user_model = get_user_model()
    operator, _ = user_model.objects.get_or_create(username="bench-operator")
    workspace = builder.create_workspace("Bench", SLUG)
    builder.add_member(workspace, operator, Role.OPERATOR)
    create_department(workspace, name="Support", slug="support", operators=[operator],
                      assignment=Department.Assignment.OFF)
    scenario = builder.create_scenario(workspace, "Bench funnel", slug="funnel", document=FUNNEL)
    builder.publish(scenario, note="benchmark")
    channel = Channel.objects.create(
        workspace=workspace, kind=Channel.Kind.WEB, name="Bench widget", scenario=scenario,
        config={"allowed_origins": [ORIGIN], "title": "Bench"},
    )
    OperatorStatus.objects.update_or_create(user=operator, workspace=workspace, defaults={"capacity": 10_000})
    session = SessionStore()
    session["_auth_user_id"] = str(operator.pk)
    # The backend the deployment signs in with: a session naming any other is anonymous to AuthMiddleware.
    session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
    session["_auth_user_hash"] = operator.get_session_auth_hash()
    session.create()
    return {"widget_key": channel.key, "workspace": SLUG, "session": session.session_key, "origin": ORIGIN,
            "text": "Support"}


if __name__ == "__main__":
    print(json.dumps(main()))
