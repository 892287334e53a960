"""Channel management API: create, list, rotate secrets, webhook URL, templates. Secrets never come back."""

from __future__ import annotations

from rest_framework.test import APIClient

from runtime.connectors.secrets import get_secrets
from runtime.models import Channel, MessageTemplate

from .conftest import ACCESS_TOKEN, APP_SECRET, BOT_TOKEN, WABA_ID, make_world, payload, post_telegram

NEW_TOKEN = "7000000001:BBBdqTcvCH1vGWJxfSeofSAs0K5PALDnew"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_create_telegram_channel_registers_the_webhook_and_hides_the_token(world, double):
    client = api(world.admin)
    response = client.post("/api/w/acme/channels/", {"kind": "telegram", "name": "Second bot",
                                                      "secrets": {"bot_token": NEW_TOKEN}}, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert NEW_TOKEN not in response.content.decode()
    assert data["secrets_set"] == ["bot_token", "webhook_secret"]
    generated = data["generated_secrets"]["webhook_secret"]
    assert data["webhook_url"].endswith(f"/webhooks/telegram/{data['key']}/")
    registered = double.webhooks[NEW_TOKEN]
    assert registered["url"] == data["webhook_url"] and registered["secret_token"] == generated

    listing = client.get("/api/w/acme/channels/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert NEW_TOKEN not in body and generated not in body and BOT_TOKEN not in body
    assert {c["kind"] for c in listing.json()["results"]} == {"telegram", "whatsapp"}
    detail = client.get(f"/api/w/acme/channels/{data['id']}/").content.decode()
    assert NEW_TOKEN not in detail and generated not in detail


def test_refused_token_creates_nothing(world, double):
    double.telegram_tokens = {BOT_TOKEN}
    response = api(world.admin).post("/api/w/acme/channels/", {"kind": "telegram", "name": "Bad",
                                                                "secrets": {"bot_token": NEW_TOKEN}}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "provider_error"
    assert not Channel.objects.filter(name="Bad").exists()


def test_whatsapp_channel_needs_its_ids_and_secrets(world, double):
    client = api(world.admin)
    missing = client.post("/api/w/acme/channels/", {"kind": "whatsapp", "name": "WA",
                                                     "secrets": {"access_token": "x", "app_secret": "y"}},
                          format="json")
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["path"] == "/config/phone_number_id"
    ok = client.post("/api/w/acme/channels/", {"kind": "whatsapp", "name": "WA",
                                                "config": {"phone_number_id": "555", "waba_id": "777"},
                                                "secrets": {"access_token": ACCESS_TOKEN, "app_secret": APP_SECRET}},
                     format="json")
    assert ok.status_code == 201
    assert set(ok.json()["generated_secrets"]) == {"verify_token"}
    assert APP_SECRET not in ok.content.decode() and ACCESS_TOKEN not in ok.content.decode()
    hook = client.get(f"/api/w/acme/channels/{ok.json()['id']}/webhook/")
    assert hook.status_code == 200 and hook.json()["url"].endswith(f"/webhooks/whatsapp/{ok.json()['key']}/")


def test_rotating_the_webhook_secret_re_registers_and_the_old_one_stops_working(world, double):
    client = api(world.admin)
    old = world.secrets["telegram"]["webhook_secret"]
    response = client.post(f"/api/w/acme/channels/{world.telegram.pk}/rotate-secrets/",
                           {"regenerate": ["webhook_secret"]}, format="json")
    assert response.status_code == 200
    new = response.json()["generated_secrets"]["webhook_secret"]
    assert new != old and double.webhooks[BOT_TOKEN]["secret_token"] == new
    from django.test import Client

    assert post_telegram(Client(), world, payload("telegram_message"), secret=old).status_code == 403
    assert post_telegram(Client(), world, payload("telegram_message"), secret=new).status_code == 200


def test_rotating_a_user_secret(world, double):
    response = api(world.admin).post(f"/api/w/acme/channels/{world.whatsapp.pk}/rotate-secrets/",
                                     {"secrets": {"app_secret": "new-app-secret"}}, format="json")
    assert response.status_code == 200 and "new-app-secret" not in response.content.decode()
    world.whatsapp.refresh_from_db()
    assert get_secrets(world.whatsapp)["app_secret"] == "new-app-secret"
    assert get_secrets(world.whatsapp)["verify_token"] == world.secrets["whatsapp"]["verify_token"]


def test_operators_read_admins_write_strangers_get_404(world, double):
    operator = api(world.operator)
    assert operator.get("/api/w/acme/channels/").status_code == 200
    refused = operator.post("/api/w/acme/channels/", {"kind": "telegram", "name": "x",
                                                       "secrets": {"bot_token": NEW_TOKEN}}, format="json")
    assert refused.status_code == 403
    assert operator.post(f"/api/w/acme/channels/{world.telegram.pk}/rotate-secrets/",
                         {"regenerate": ["webhook_secret"]}, format="json").status_code == 403
    other = make_world("globex")
    stranger = api(other.admin)
    assert stranger.get("/api/w/acme/channels/").status_code == 404
    assert stranger.get(f"/api/w/globex/channels/{world.telegram.pk}/").status_code == 404
    assert api(world.admin).get(f"/api/w/acme/channels/{other.telegram.pk}/").status_code == 404


def test_templates_sync_create_and_list(world, double):
    double.templates[WABA_ID] = [
        {"id": "806312974732579", "name": "order_update", "language": "en_US", "status": "APPROVED",
         "category": "UTILITY",
         "components": [{"type": "BODY", "text": "Your order {{1}} is {{2}}."},
                        {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Thanks"}]}]},
        {"id": "2", "name": "spring_sale", "language": "en_US", "status": "REJECTED", "category": "MARKETING",
         "rejected_reason": "PROMOTIONAL", "components": [{"type": "BODY", "text": "Sale!"}]},
    ]
    client = api(world.admin)
    synced = client.post(f"/api/w/acme/channels/{world.whatsapp.pk}/templates/sync/")
    assert synced.status_code == 200 and synced.json() == {"created": 2, "updated": 0, "total": 2}
    approved = client.get(f"/api/w/acme/channels/{world.whatsapp.pk}/templates/?status=approved").json()["results"]
    assert [(t["name"], t["placeholders"]) for t in approved] == [("order_update", ["1", "2"])]
    assert MessageTemplate.objects.get(name="spring_sale").rejected_reason == "PROMOTIONAL"

    created = client.post(f"/api/w/acme/channels/{world.whatsapp.pk}/templates/",
                          {"name": "follow_up", "language": "en", "category": "utility",
                           "body": "Hi {{1}}, any questions?", "submit": True}, format="json")
    assert created.status_code == 201 and created.json()["status"] == "submitted"
    assert double.calls("message_templates")[-1].body["components"][0]["text"] == "Hi {{1}}, any questions?"
    duplicate = client.post(f"/api/w/acme/channels/{world.whatsapp.pk}/templates/",
                            {"name": "follow_up", "language": "en", "body": "x"}, format="json")
    assert duplicate.status_code == 409
    bad = client.post(f"/api/w/acme/channels/{world.whatsapp.pk}/templates/",
                      {"name": "Has Spaces", "language": "en", "body": "x"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == "/name"
    # A later review result arrives by sync: the submitted template becomes approved.
    double.templates[WABA_ID][-1]["status"] = "APPROVED"
    client.post(f"/api/w/acme/channels/{world.whatsapp.pk}/templates/sync/")
    assert MessageTemplate.objects.get(name="follow_up").status == "approved"


def test_sync_templates_command(world, double):
    from io import StringIO

    from django.core.management import call_command

    double.templates[WABA_ID] = [{"id": "9", "name": "hello", "language": "ru", "status": "PENDING",
                                  "category": "UTILITY", "components": [{"type": "BODY", "text": "Привет, {{1}}"}]}]
    out = StringIO()
    call_command("sync_templates", stdout=out)
    assert "1 templates (1 new, 0 updated)" in out.getvalue()
    assert MessageTemplate.objects.get(name="hello").status == "submitted"


def test_create_web_widget_channel_with_its_allowed_origins(world, double):
    client = api(world.admin)
    bad = client.post("/api/w/acme/channels/", {"kind": "web", "name": "Site",
                                                 "config": {"allowed_origins": ["javascript:alert(1)"]}},
                      format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["path"] == "/config/allowed_origins/0"  # the bad one's index
    assert not Channel.objects.filter(name="Site").exists()

    ok = client.post("/api/w/acme/channels/", {"kind": "web", "name": "Site",
                                                "config": {"allowed_origins": ["https://shop.example"]}},
                     format="json")
    assert ok.status_code == 201, ok.content
    channel = Channel.objects.get(pk=ok.json()["id"])
    assert channel.kind == Channel.Kind.WEB and channel.workspace == world.workspace
    assert channel.config["allowed_origins"] == ["https://shop.example"]
    assert ok.json()["generated_secrets"] == {}
