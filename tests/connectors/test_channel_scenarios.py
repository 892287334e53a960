"""Which scenario a channel runs, who may change it, and what a channel without one does (issue 12, item 1),
plus the web widget's allowed origins and embed snippet (item 2)."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from builder import services as builder_services
from builder.models import Role
from runtime.models import Channel, Conversation
from runtime.widget import create_web_channel
from tests.support.users import make_user

from .conftest import MENU_BOT, make_world, payload, post_telegram

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(world, channel=None, suffix="") -> str:
    base = f"/api/w/{world.workspace.slug}/channels/"
    return base + (f"{channel.pk}/" if channel is not None else "") + suffix


@pytest.fixture
def editor(world):
    user = make_user("acme-eddie")
    builder_services.add_member(world.workspace, user, Role.EDITOR)
    return user


@pytest.fixture
def scenarios(world):
    """A second published scenario and an unpublished draft in the same workspace."""
    doc = json.loads(json.dumps(MENU_BOT))
    published = builder_services.create_scenario(world.workspace, "Second bot", user=world.admin, slug="second",
                                                 document=doc)
    builder_services.publish(published, world.admin)
    draft = builder_services.create_scenario(world.workspace, "Draft bot", user=world.admin, slug="draft",
                                             document=json.loads(json.dumps(MENU_BOT)))
    return {"published": published, "draft": draft}


# --- the scenario field ---------------------------------------------------------------------------------------


def test_admin_connects_a_published_scenario_and_the_list_names_it(world, scenarios):
    client = api(world.admin)
    response = client.patch(url(world, world.telegram), {"scenario": str(scenarios["published"].pk)}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["scenario"] == str(scenarios["published"].pk)
    assert response.json()["scenario_name"] == "Second bot" and response.json()["scenario_published"] is True
    listing = client.get(url(world)).json()
    row = next(c for c in listing["results"] if c["id"] == world.telegram.pk)
    assert row["scenario_name"] == "Second bot"
    assert listing["can_manage"] is True and listing["can_connect"] is True
    # Disconnecting is allowed and shown as such.
    off = client.patch(url(world, world.telegram), {"scenario": None}, format="json").json()
    assert off["scenario"] is None and off["scenario_name"] is None and off["no_scenario_action"] == "queue"


def test_an_unpublished_scenario_is_refused_with_a_clear_message(world, scenarios):
    response = api(world.admin).patch(url(world, world.telegram), {"scenario": str(scenarios["draft"].pk)},
                                      format="json")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "unpublished" and error["path"] == "/scenario"
    assert "Draft bot" in error["message"] and "publish" in error["message"]
    world.telegram.refresh_from_db()
    assert world.telegram.scenario.slug == "menu-bot"
    created = api(world.admin).post(url(world), {"kind": "web", "name": "Site",
                                                 "scenario": str(scenarios["draft"].pk)}, format="json")
    assert created.status_code == 400 and created.json()["errors"][0]["code"] == "unpublished"


def test_another_workspaces_scenario_and_channel_are_not_found(world, double):
    other = make_world("globex")
    client = api(world.admin)
    foreign_scenario = other.telegram.scenario
    response = client.patch(url(world, world.telegram), {"scenario": str(foreign_scenario.pk)}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "not_found"
    # The same answer as for an id that exists nowhere: nothing confirms the other workspace's scenario.
    unknown = client.patch(url(world, world.telegram), {"scenario": "00000000-0000-0000-0000-000000000000"},
                           format="json")
    assert unknown.json()["errors"] == response.json()["errors"]
    # Another workspace's channel is a 404 for reading and for writing.
    assert client.get(f"/api/w/acme/channels/{other.telegram.pk}/").status_code == 404
    assert client.patch(f"/api/w/acme/channels/{other.telegram.pk}/", {"scenario": None},
                        format="json").status_code == 404
    assert client.patch(f"/api/w/globex/channels/{other.telegram.pk}/", {"scenario": None},
                        format="json").status_code == 404


# --- roles ------------------------------------------------------------------------------------------------------


def test_editors_change_nothing_until_an_admin_allows_it(world, editor, scenarios):
    client = api(editor)
    listing = client.get(url(world)).json()
    assert listing["can_connect"] is False and listing["editors_can_connect_channels"] is False
    refused = client.patch(url(world, world.telegram), {"scenario": str(scenarios["published"].pk)}, format="json")
    assert refused.status_code == 403
    assert "admin can let editors" in refused.json()["errors"][0]["message"]
    # Only admins flip the setting.
    assert client.patch(url(world, suffix="settings/"), {"editors_can_connect_channels": True},
                        format="json").status_code == 403
    world.telegram.refresh_from_db()
    assert world.telegram.scenario.slug == "menu-bot"


def test_with_the_setting_on_editors_change_only_the_scenario_of_existing_channels(world, editor, scenarios,
                                                                                  double):
    admin = api(world.admin)
    on = admin.patch(url(world, suffix="settings/"), {"editors_can_connect_channels": True}, format="json")
    assert on.status_code == 200 and on.json()["editors_can_connect_channels"] is True
    assert admin.patch(url(world, suffix="settings/"), {"editors_can_connect_channels": "yes"},
                       format="json").status_code == 400
    client = api(editor)
    assert client.get(url(world, suffix="settings/")).json()["can_connect"] is True
    ok = client.patch(url(world, world.telegram), {"scenario": str(scenarios["published"].pk)}, format="json")
    assert ok.status_code == 200 and ok.json()["scenario_name"] == "Second bot"
    # Anything else stays with admins: name, settings, activity, secrets, creation, deletion.
    for body in ({"name": "Renamed"}, {"config": {"no_scenario_action": "auto_reply"}}, {"is_active": False},
                 {"scenario": str(scenarios["published"].pk), "name": "Renamed"}):
        response = client.patch(url(world, world.telegram), body, format="json")
        assert response.status_code == 403, body
        assert response.json()["errors"][0]["message"] == "Editors may change only the scenario a channel runs."
    assert client.post(url(world, world.telegram, "rotate-secrets/"), {"regenerate": ["webhook_secret"]},
                       format="json").status_code == 403
    assert client.post(url(world), {"kind": "web", "name": "Mine"}, format="json").status_code == 403
    assert client.delete(url(world, world.telegram)).status_code == 403
    world.telegram.refresh_from_db()
    assert (world.telegram.name, world.telegram.is_active) == ("Shop bot", True)
    # The unpublished rule holds for editors too.
    assert client.patch(url(world, world.telegram), {"scenario": str(scenarios["draft"].pk)},
                        format="json").status_code == 400


def test_operators_never_change_channels(world, scenarios):
    api(world.admin).patch(url(world, suffix="settings/"), {"editors_can_connect_channels": True}, format="json")
    client = api(world.operator)
    assert client.get(url(world)).json()["can_connect"] is False
    assert client.patch(url(world, world.telegram), {"scenario": str(scenarios["published"].pk)},
                        format="json").status_code == 403


# --- the web widget: origins, snippet, test page ---------------------------------------------------------------


def test_web_channel_with_scenario_origins_snippet_and_test_page(world, settings):
    settings.SITE_URL = "https://bots.example.com"
    client = api(world.admin)
    created = client.post(url(world), {
        "kind": "web", "name": "Shop site", "scenario": str(world.telegram.scenario_id),
        "config": {"allowed_origins": ["https://Shop.Example/", "http://localhost:8080", "https://shop.example"]},
    }, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["scenario_name"] == "Menu bot"
    assert data["allowed_origins"] == ["https://shop.example", "http://localhost:8080"]
    assert data["snippet"] == (f'<script src="https://bots.example.com/static/widget.js" data-key="{data["key"]}" '
                               'async></script>')
    assert data["test_url"] == f"https://bots.example.com/w/{data['key']}/test/"
    page = Client().get(f"/w/{data['key']}/test/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'data-key="{data["key"]}"' in body and "Shop site" in body
    assert Client().get("/w/no-such-key/test/").status_code == 404


def test_bad_origins_are_refused_with_their_path(world):
    client = api(world.admin)
    channel = create_web_channel(world.workspace, name="Site", allowed_origins=["https://shop.example"])
    for bad in ("shop.example", "https://shop.example/path", "ftp://shop.example", "https://", "https://a:99999",
                "https://user@shop.example", 42):
        response = client.patch(url(world, channel), {"config": {"allowed_origins": ["https://ok.example", bad]}},
                                format="json")
        assert response.status_code == 400, bad
        assert response.json()["errors"][0]["path"] == "/config/allowed_origins/1"
    ok = client.patch(url(world, channel), {"config": {"allowed_origins": ["http://[::1]:8000", "*"]}},
                      format="json")
    assert ok.status_code == 200 and ok.json()["allowed_origins"] == ["http://[::1]:8000", "*"]
    created = client.post(url(world), {"kind": "web", "name": "X", "config": {"allowed_origins": ["nope"]}},
                          format="json")
    assert created.status_code == 400 and created.json()["errors"][0]["path"] == "/config/allowed_origins/0"


def test_no_scenario_action_is_validated_and_shown(world):
    client = api(world.admin)
    bad = client.patch(url(world, world.telegram), {"config": {"no_scenario_action": "ignore"}}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == "/config/no_scenario_action"
    ok = client.patch(url(world, world.telegram), {"config": {"no_scenario_action": "auto_reply"}}, format="json")
    assert ok.status_code == 200
    # No text given: the default, in English and Russian.
    assert "operator" in ok.json()["no_scenario_text"] and "оператор" in ok.json()["no_scenario_text"]
    custom = client.patch(url(world, world.telegram), {"config": {"no_scenario_text": "We moved to @newshop."}},
                          format="json").json()
    assert (custom["no_scenario_action"], custom["no_scenario_text"]) == ("auto_reply", "We moved to @newshop.")
    # The provider settings of the channel are untouched.
    wa = client.patch(url(world, world.whatsapp), {"config": {"no_scenario_action": "queue"}}, format="json").json()
    assert wa["config"]["phone_number_id"] and wa["no_scenario_action"] == "queue"


# --- a channel without a scenario, through the real pipeline ---------------------------------------------------


def _say(client: Client, world, text: str, update_id: int):
    update = copy.deepcopy(payload("telegram_message"))
    update["update_id"] = update_id
    update["message"]["message_id"] = update_id
    update["message"]["text"] = text
    assert post_telegram(client, world, update).status_code == 200


def _conversation() -> Conversation:
    return Conversation.objects.filter(channel__kind="telegram").order_by("-started_at").first()


def _bot_texts(conversation: Conversation) -> list[str]:
    return list(conversation.messages.filter(sender="bot").order_by("seq").values_list("text", flat=True))


def test_without_a_scenario_queue_sends_every_customer_to_the_operators(world, double):
    Channel.objects.filter(pk=world.telegram.pk).update(scenario=None, config={"no_scenario_action": "queue"})
    _say(Client(), world, "Hello?", 20001)
    conversation = _conversation()
    assert conversation.mode == Conversation.Mode.QUEUED
    assert conversation.handoff["reason"] == "no_scenario"
    assert _bot_texts(conversation) == []


def test_without_a_scenario_auto_reply_answers_at_most_hourly_and_operator_still_works(world, double):
    Channel.objects.filter(pk=world.telegram.pk).update(
        scenario=None, config={"no_scenario_action": "auto_reply", "no_scenario_text": "We moved to @newshop."})
    client = Client()
    with time_machine.travel(dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC), tick=False) as clock:
        _say(client, world, "Hello?", 20011)
        conversation = _conversation()
        assert conversation.mode == Conversation.Mode.BOT
        assert _bot_texts(conversation) == ["We moved to @newshop."]
        clock.shift(dt.timedelta(minutes=30))
        _say(client, world, "Anyone there?", 20012)
        assert _bot_texts(conversation) == ["We moved to @newshop."]  # not again within the hour
        clock.shift(dt.timedelta(minutes=31))
        _say(client, world, "Still there?", 20013)
        assert _bot_texts(conversation) == ["We moved to @newshop."] * 2
        # Asking for a person reaches one: the customer is never trapped by an auto-responder.
        _say(client, world, "operator", 20014)
        conversation.refresh_from_db()
        assert conversation.mode == Conversation.Mode.QUEUED and conversation.handoff["reason"] == "keyword"
    assert conversation.pk == _conversation().pk


def test_a_chat_that_began_without_a_scenario_runs_the_one_connected_later(world, double):
    Channel.objects.filter(pk=world.telegram.pk).update(scenario=None, config={"no_scenario_action": "auto_reply"})
    client = Client()
    _say(client, world, "Hello?", 20021)
    conversation = _conversation()
    assert conversation.version_id is None and len(_bot_texts(conversation)) == 1
    response = api(world.admin).patch(url(world, world.telegram), {"scenario": str(world.whatsapp.scenario_id)},
                                      format="json")
    assert response.status_code == 200
    _say(client, world, "Hi again", 20022)
    conversation.refresh_from_db()
    assert conversation.version_id == world.whatsapp.scenario.published_version_id
    assert _bot_texts(conversation)[-1].endswith("How can we help?")


def test_origin_rules(settings):
    """Our own pages always connect (SITE_URL, or the very host:port the socket reached, when it is one of ours);
    any other page, also on our host name at another port, must be listed."""
    from runtime.widget import origin_allowed

    settings.SITE_URL = "https://bots.example.com"
    settings.ALLOWED_HOSTS = ["bots.example.com", "127.0.0.1"]
    none = Channel(kind="web", config={"allowed_origins": []})
    assert origin_allowed(none, "https://bots.example.com", None)
    assert origin_allowed(none, "http://127.0.0.1:8101", "127.0.0.1:8101")
    assert origin_allowed(none, "https://bots.example.com", "bots.example.com")
    assert not origin_allowed(none, "http://127.0.0.1:3000", "127.0.0.1:8101")
    assert not origin_allowed(none, "https://evil.example", "evil.example")  # DNS rebinding: not our host
    assert not origin_allowed(none, None, "127.0.0.1:8101")
    listed = Channel(kind="web", config={"allowed_origins": ["http://127.0.0.1:3000"]})
    assert origin_allowed(listed, "http://127.0.0.1:3000/", "127.0.0.1:8101")
    assert origin_allowed(Channel(kind="web", config={"allowed_origins": ["*"]}), "https://any.example", None)
