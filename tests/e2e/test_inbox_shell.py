"""The server side of the inbox and widget pages (no browser): who may open the inbox, what the widget may
read about its channel, and the node list the "return to bot" picker offers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import RequestFactory

from builder import services as builder_services
from builder.models import Role
from channels_app import views
from runtime import widget
from tests.support.documents import document, node
from tests.support.users import PASSWORD, make_user
from tests.support.world import add_user, make_workspace, publish_document

BOT = document(
    [
        node("welcome", "buttons", {"text": "Hi! How can we help?",
                                    "buttons": [{"id": "order", "label": "My order"}]}),
        node("to_support", "handoff", {"message": "Connecting you…"}, 200),
        node("csat", "rating", {"prompt": "How did we do?", "ask_comment": False}, 400),
        node("bye", "end", {"text": "Bye!"}, 600),
    ],
    [("welcome", "order", "to_support"), ("csat", "next", "bye")],
    name="Shop bot",
)


def make_shop(slug: str) -> dict[str, Any]:
    """A workspace with its admin, an operator and a published bot on a web channel."""
    admin = make_user(f"{slug}-admin")
    workspace = make_workspace(slug, admin)
    operator = add_user(workspace, f"{slug}-operator", Role.OPERATOR)
    scenario = publish_document(workspace, "shop", BOT, admin, name="Shop bot")
    channel = widget.create_web_channel(workspace, scenario=scenario, allowed_origins=["*"], title=f"{slug} help",
                                        color="#0f766e", subtitle="Replies in minutes")
    return {"workspace": workspace, "admin": admin, "operator": operator, "channel": channel}


def bootstrap_of(response) -> dict[str, Any]:
    html = response.content.decode()
    start = html.index('<script id="bootstrap" type="application/json">') + len(
        '<script id="bootstrap" type="application/json">')
    return json.loads(html[start:html.index("</script>", start)])


@pytest.mark.django_db
def test_inbox_requires_login(client):
    response = client.get("/inbox/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_inbox_is_refused_to_a_user_without_a_workspace(client):
    make_user("stranger")
    client.login(username="stranger", password=PASSWORD)
    response = client.get("/inbox/")
    assert response.status_code == 403
    assert b"not a member of any workspace" in response.content


@pytest.mark.django_db
def test_inbox_shell_gives_the_operator_their_workspace_socket_and_departments(client):
    acme = make_shop("acme")
    builder_services.create_workspace("Other", "other")
    from channels_app import services as inbox_services

    inbox_services.create_department(acme["workspace"], name="Support", slug="support")
    client.login(username="acme-operator", password=PASSWORD)
    response = client.get("/inbox/")
    assert response.status_code == 200
    boot = bootstrap_of(response)
    assert boot["workspace"] == "acme"
    assert boot["role"] == "operator"
    assert boot["user"]["username"] == "acme-operator"
    assert boot["urls"]["socket"] == "/ws/inbox/?workspace=acme"
    assert [d["slug"] for d in boot["departments"]] == ["support"]
    assert [w["slug"] for w in boot["workspaces"]] == ["acme"]  # never another workspace


@pytest.mark.django_db
def test_widget_config_is_public_but_only_the_look(client):
    acme = make_shop("acme")
    response = client.get(f"/api/widget/{acme['channel'].key}/config")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json() == {"title": "acme help", "subtitle": "Replies in minutes", "color": "#0f766e"}


@pytest.mark.django_db
def test_widget_config_of_an_unknown_key_is_a_404_with_errors(client):
    response = client.get("/api/widget/no-such-key/config")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "unknown_widget"


@pytest.mark.django_db
def test_demo_page_embeds_the_widget_with_the_demo_key(client):
    response = client.get("/demo/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<script src="/static/widget.js" data-key="demo-widget" async></script>' in html


def test_widget_js_is_served_from_dist(tmp_path, settings):
    (tmp_path / "widget.js").write_text("(function(){})();")
    settings.FRONTEND_DIST = tmp_path
    response = views.widget_js(RequestFactory().get("/static/widget.js"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"".join(response.streaming_content) == b"(function(){})();"


def test_widget_js_missing_is_a_404(tmp_path, settings):
    settings.FRONTEND_DIST = tmp_path
    from django.http import Http404

    with pytest.raises(Http404):
        views.widget_js(RequestFactory().get("/static/widget.js"))


@pytest.mark.django_db
def test_return_to_bot_picker_lists_the_conversation_scenario_nodes(client):
    acme = make_shop("acme")
    session = widget.start_session(acme["channel"])
    client.login(username="acme-operator", password=PASSWORD)
    response = client.get(f"/inbox/conversations/{session['conversation_id']}/nodes")
    assert response.status_code == 200
    nodes = {n["id"]: n for n in response.json()["nodes"]}
    assert nodes["csat"] == {"id": "csat", "type": "rating", "label": "How did we do?"}
    assert nodes["welcome"]["label"] == "Hi! How can we help?"
    assert set(nodes) == {"welcome", "to_support", "csat", "bye"}


@pytest.mark.django_db
def test_another_workspace_cannot_read_a_conversation_nodes(client):
    acme = make_shop("acme")
    make_shop("globex")
    session = widget.start_session(acme["channel"])
    client.login(username="globex-operator", password=PASSWORD)
    url = f"/inbox/conversations/{session['conversation_id']}/nodes"
    response = client.get(url)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
    assert client.get("/inbox/conversations/not-a-uuid/nodes").status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # anonymous: to the login page
