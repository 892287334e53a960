"""REST: departments, canned replies, operators, conversation history, transcript and export."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from channels_app import queue, services
from runtime.connectors.base import InboundMessage
from runtime.models import Conversation
from runtime.services import receive
from tests.channels_app.conftest import make_world
from tests.support.users import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(transactional_db):
    return make_world()


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def chat(world, visitor, text="operator"):
    result = receive(InboundMessage(channel_id=world.channel.pk, external_id=f"{visitor}-{text}",
                                    contact_external_id=visitor, text=text))
    return Conversation.objects.get(pk=result.conversation_id)


def test_departments_read_for_members_write_for_admins(world):
    operator = client_for(world.operator)
    listed = operator.get("/api/w/acme/departments/")
    assert listed.status_code == 200
    assert [d["slug"] for d in listed.json()] == ["sales", "support"]
    refused = operator.post("/api/w/acme/departments/", {"name": "Billing", "slug": "billing"}, format="json")
    assert refused.status_code == 403
    admin = client_for(world.admin)
    created = admin.post("/api/w/acme/departments/", {
        "name": "Billing", "slug": "billing", "assignment": "least_busy", "operators": [world.operator.pk],
        "business_hours": {"timezone": "Europe/Moscow", "weekly": {"mon": [["09:00", "18:00"]]}},
    }, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["operators"] == [world.operator.pk]
    bad = admin.post("/api/w/acme/departments/", {"name": "X", "slug": "x", "business_hours": {"timezone": "Mars/X"}},
                     format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["path"] == "/business_hours"
    duplicate = admin.post("/api/w/acme/departments/", {"name": "Sales 2", "slug": "sales"}, format="json")
    assert duplicate.status_code == 400
    stranger = make_user("stranger")
    other = make_world("globex")
    assert client_for(stranger).get("/api/w/acme/departments/").status_code == 404
    assert client_for(other.admin).get("/api/w/acme/departments/").status_code == 404


def test_canned_replies_crud(world):
    admin = client_for(world.admin)
    created = admin.post("/api/w/acme/canned-replies/",
                         {"title": "Hello", "shortcut": "hello", "text": "Hi {{contact_name|there}}!"}, format="json")
    assert created.status_code == 201
    pk = created.json()["id"]
    assert admin.patch(f"/api/w/acme/canned-replies/{pk}/", {"text": "Hello!"}, format="json").status_code == 200
    listed = client_for(world.operator).get("/api/w/acme/canned-replies/").json()
    assert [(c["shortcut"], c["text"]) for c in listed] == [("hello", "Hello!")]
    assert client_for(world.operator).delete(f"/api/w/acme/canned-replies/{pk}/").status_code == 403
    other = make_world("globex")
    assert client_for(other.admin).get(f"/api/w/globex/canned-replies/{pk}/").status_code == 404
    assert admin.delete(f"/api/w/acme/canned-replies/{pk}/").status_code == 204


def test_operators_presence_list(world):
    from channels_app import presence

    presence.socket_opened(world.operator, world.workspace.pk)
    rows = client_for(world.operator2).get("/api/w/acme/operators/").json()
    by_name = {r["name"]: r for r in rows}
    assert by_name["Olga"]["presence"] == "online"
    assert by_name["Oleg"]["presence"] == "offline"
    assert by_name["Ada Admin"]["role"] == "admin"
    # Capacity: admins for anyone, operators only for themselves.
    assert client_for(world.operator2).patch(f"/api/w/acme/operators/{world.operator.pk}/", {"capacity": 9},
                                             format="json").status_code == 403
    changed = client_for(world.admin).patch(f"/api/w/acme/operators/{world.operator.pk}/", {"capacity": 9},
                                            format="json")
    assert changed.status_code == 200 and changed.json()["capacity"] == 9
    bad = client_for(world.operator).patch(f"/api/w/acme/operators/{world.operator.pk}/", {"capacity": -1},
                                           format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == "/capacity"
    other = make_world("globex")
    assert client_for(other.admin).patch(f"/api/w/globex/operators/{world.operator.pk}/", {"capacity": 1},
                                         format="json").status_code == 404


def test_history_filters_search_transcript_and_export(world):
    first = chat(world, "v1")
    receive(InboundMessage(channel_id=world.channel.pk, external_id="v1-2", contact_external_id="v1",
                           text="my parcel tracking number is lost"))
    queue.claim(world.operator, first.pk)
    services.note(world.operator, first.pk, "check the warehouse")
    second = chat(world, "v2")
    api = client_for(world.operator2)

    def ids(query):
        response = api.get(f"/api/w/acme/conversations/{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids("") == {str(first.pk), str(second.pk)}
    assert ids("?status=live") == {str(first.pk)}
    assert ids("?status=queued&department=support") == {str(second.pk)}
    assert ids(f"?operator={world.operator.pk}") == {str(first.pk)}
    assert ids("?channel=web") == {str(first.pk), str(second.pk)}
    assert ids(f"?contact={first.contact_id}") == {str(first.pk)}
    assert ids("?q=parcel") == {str(first.pk)}
    assert ids("?q=warehouse") == {str(first.pk)}
    assert ids("?q=nothing-like-this") == set()
    assert ids("?since=2000-01-01&until=2999-01-01") == {str(first.pk), str(second.pk)}
    assert ids("?until=2000-01-01") == set()
    bad = api.get("/api/w/acme/conversations/?since=yesterday")
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == "/since"
    assert api.get("/api/w/acme/conversations/?status=sleeping").status_code == 400

    detail = api.get(f"/api/w/acme/conversations/{first.pk}/").json()
    assert ("customer", "my parcel tracking number is lost") in [(m["sender"], m["text"]) for m in detail["messages"]]
    assert detail["conversation"]["assignee"]["name"] == "Olga"
    assert any(m["direction"] == "internal" and m["text"] == "check the warehouse" for m in detail["messages"])
    export = api.get(f"/api/w/acme/conversations/{first.pk}/export/")
    assert export.status_code == 200
    assert export["Content-Disposition"] == f'attachment; filename="conversation-{first.pk}.json"'
    document = json.loads(export.content)
    assert document["format"] == "botflow/transcript"
    assert [m["seq"] for m in document["messages"]] == list(range(1, len(document["messages"]) + 1))

    other = make_world("globex")
    assert client_for(other.admin).get(f"/api/w/acme/conversations/{first.pk}/").status_code == 404
    assert client_for(other.admin).get(f"/api/w/globex/conversations/{first.pk}/").status_code == 404
    assert client_for(other.admin).get(f"/api/w/globex/conversations/{first.pk}/export/").status_code == 404
