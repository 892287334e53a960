"""The editor's draft preview over the HTTP API: the real runtime on the current draft, in a sandbox."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from builder import services as builder
from builder.models import Role
from channels_app.models import AssignmentEvent
from runtime.engine.effects import OPERATOR_BUTTON_ID
from runtime.models import Channel, Contact, Conversation, Message
from tests.runtime.pipeline.conftest import welcome_document
from tests.support.documents import node
from tests.support.users import PASSWORD


@pytest.fixture
def client(editor) -> APIClient:
    api = APIClient()
    assert api.login(username="eddie", password=PASSWORD)
    return api


@pytest.fixture
def draft(workspace, owner):
    """A scenario that was never published: preview runs its draft."""
    return builder.create_scenario(workspace, "Welcome", slug="welcome", document=welcome_document("Draft hello"),
                                   user=owner)


def _start(client, draft, ws="acme"):
    return client.post(f"/api/w/{ws}/scenarios/{draft.pk}/preview/", {}, format="json")


def test_preview_runs_the_current_draft(client, draft, owner):
    response = _start(client, draft)
    assert response.status_code == 201, response.content
    body = response.json()
    assert [m["text"] for m in body["messages"]] == ["Draft hello"]
    assert body["node_id"] == "welcome" and body["mode"] == "bot"
    assert [b["id"] for b in body["messages"][0]["payload"]["buttons"]][-1] == OPERATOR_BUTTON_ID
    conv = Conversation.objects.get(pk=body["conversation_id"])
    assert conv.is_preview and conv.version is None and conv.channel.kind == Channel.Kind.PREVIEW
    assert conv.expires_at > timezone.now() + dt.timedelta(minutes=55)

    url = f"/api/w/acme/preview/{body['conversation_id']}/"
    turn = client.post(url, {"button_id": "sales"}, format="json").json()
    assert [(m["sender"], m["text"]) for m in turn["messages"]] == [("customer", "Sales"), ("bot", "Your e-mail?")]
    assert turn["node_id"] == "ask_email"
    turn = client.post(url, {"text": "ann@example.com"}, format="json").json()
    assert [m["text"] for m in turn["messages"]] == ["ann@example.com", "Thanks, ann@example.com!", "Bye!"]
    assert turn["variables"]["email"] == "ann@example.com" and turn["mode"] == "closed"

    full = client.get(url).json()
    assert [m["seq"] for m in full["messages"]] == [1, 2, 3, 4, 5, 6]
    ended = client.post(url, {"text": "again"}, format="json")
    assert ended.status_code == 409 and ended.json()["errors"][0]["code"] == "preview_ended"


def test_preview_follows_later_draft_edits_in_a_new_preview_only(client, draft, owner):
    first = _start(client, draft).json()
    doc = welcome_document("Edited hello")
    for item in doc["nodes"] + doc["edges"]:
        for key in ("id", "source", "target"):
            if item.get(key) == "ask_email":
                item[key] = "ask_mail"
    builder.save_draft(draft, doc, draft.revision, owner)
    url = f"/api/w/acme/preview/{first['conversation_id']}/"
    # The running preview keeps its snapshot (node ids of a half-edited draft could vanish under it).
    assert client.post(url, {"button_id": "sales"}, format="json").json()["node_id"] == "ask_email"
    second = _start(client, draft).json()
    assert [m["text"] for m in second["messages"]] == ["Edited hello"]
    url = f"/api/w/acme/preview/{second['conversation_id']}/"
    assert client.post(url, {"button_id": "sales"}, format="json").json()["node_id"] == "ask_mail"


def test_preview_handoff_does_not_reach_real_operators(client, draft):
    body = _start(client, draft).json()
    turn = client.post(f"/api/w/acme/preview/{body['conversation_id']}/", {"button_id": "support"},
                       format="json").json()
    assert turn["mode"] == "queued"
    assert turn["messages"][-1]["payload"]["preview_handoff"] is True
    bot_texts = [m["text"] for m in turn["messages"] if m["sender"] == "bot"]
    assert len(bot_texts) == len(set(bot_texts))  # the handoff node's text is shown once, not twice
    assert not AssignmentEvent.objects.exists()


def test_invalid_draft_is_a_400_with_findings(client, draft, owner):
    broken = welcome_document()
    broken["edges"].append({"id": "bad", "source": "thanks", "source_port": "next", "target": "nowhere"})
    builder.save_draft(draft, broken, draft.revision, owner)
    response = _start(client, draft)
    assert response.status_code == 400
    codes = {e["code"] for e in response.json()["errors"]}
    assert "edge_target_missing" in codes
    assert not Conversation.objects.exists()


def test_empty_message_is_a_400(client, draft):
    body = _start(client, draft).json()
    response = client.post(f"/api/w/acme/preview/{body['conversation_id']}/", {}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "/text"


def test_foreign_workspace_and_operators(client, draft, owner):
    other_owner = get_user_model().objects.create_user(username="mallory", password=PASSWORD)
    other_ws = builder.create_workspace("Other", "other", owner=other_owner)
    foreign = builder.create_scenario(other_ws, "Theirs", slug="theirs",
                                      document={"format": "botflow/scenario", "version": 1, "name": "x",
                                                "start": "a", "nodes": [node("a", "end")], "edges": []})
    assert _start(client, foreign).status_code == 404  # their scenario through our workspace
    assert _start(client, foreign, ws="other").status_code == 404  # their workspace
    ours = _start(client, draft).json()
    other_client = APIClient()
    other_client.login(username="mallory", password=PASSWORD)
    assert other_client.get(f"/api/w/other/preview/{ours['conversation_id']}/").status_code == 404
    assert other_client.get(f"/api/w/acme/preview/{ours['conversation_id']}/").status_code == 404

    olga = get_user_model().objects.create_user(username="olga", password=PASSWORD)
    builder.add_member(draft.workspace, olga, Role.OPERATOR)
    operator_client = APIClient()
    operator_client.login(username="olga", password=PASSWORD)
    assert _start(operator_client, draft).status_code == 403
    assert APIClient().post(f"/api/w/acme/scenarios/{draft.pk}/preview/").status_code in (401, 403)


def test_expired_previews_are_purged(client, draft):
    old = _start(client, draft).json()
    Conversation.objects.filter(pk=old["conversation_id"]).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(f"/api/w/acme/preview/{old['conversation_id']}/").status_code == 404
    fresh = _start(client, draft).json()  # creating a preview purges expired ones on the way
    assert not Conversation.objects.filter(pk=old["conversation_id"]).exists()
    assert Conversation.objects.filter(pk=fresh["conversation_id"]).exists()
    assert Contact.objects.filter(channel__kind=Channel.Kind.PREVIEW).count() == 1

    Conversation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    call_command("purge_previews")
    assert not Conversation.objects.exists() and not Message.objects.exists()
