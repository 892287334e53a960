"""WhatsApp Cloud API webhooks (handshake, signatures, messages, statuses) and outbound rendering."""

from __future__ import annotations

import copy
import json

from django.test import Client

from runtime.connectors.whatsapp import WhatsAppConnector
from runtime.models import Contact, Conversation, DeliveryEvent, Message, MessageTemplate

from .conftest import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    payload,
    post_whatsapp,
    run_deliveries,
    wa_url,
)


def test_handshake_echoes_the_challenge_only_for_our_verify_token(world, double):
    client = Client()
    token = world.secrets["whatsapp"]["verify_token"]
    ok = client.get(wa_url(world.whatsapp), {"hub.mode": "subscribe", "hub.verify_token": token,
                                             "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.content == b"1158201444"
    wrong = client.get(wa_url(world.whatsapp), {"hub.mode": "subscribe", "hub.verify_token": "guess",
                                                "hub.challenge": "1"})
    assert wrong.status_code == 403
    not_subscribe = client.get(wa_url(world.whatsapp), {"hub.mode": "unsubscribe", "hub.verify_token": token,
                                                        "hub.challenge": "1"})
    assert not_subscribe.status_code == 403


def test_text_message_runs_the_bot_and_reply_buttons_go_out(world, double):
    response = post_whatsapp(Client(), world, payload("whatsapp_text"))
    assert response.status_code == 200
    inbound = Message.objects.get(direction="in")
    assert inbound.external_id.startswith("wamid.")
    contact = Contact.objects.get(channel=world.whatsapp)
    assert contact.name == "Sheena Nelson" and contact.phone == "+16505551234"
    assert contact.last_inbound_at is not None

    assert run_deliveries() == ["sent"]
    call = double.calls("messages")[-1]
    assert call.path == f"/v21.0/{PHONE_NUMBER_ID}/messages"
    assert call.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    body = call.body
    assert body["to"] == "16505551234" and body["type"] == "interactive"
    interactive = body["interactive"]
    assert interactive["type"] == "button"
    assert interactive["body"]["text"] == "Hi Sheena Nelson! How can we help?"
    replies = [b["reply"] for b in interactive["action"]["buttons"]]
    assert [r["id"] for r in replies] == ["sales", "support", "__operator__"]
    assert all(len(r["title"]) <= 20 for r in replies)
    outbound = Message.objects.get(direction="out", sender="bot")
    assert outbound.delivery == "sent" and outbound.external_id.startswith("wamid.DOUBLE")


def test_signature_must_match_the_raw_body(world, double):
    client = Client()
    body = payload("whatsapp_text")
    raw = json.dumps(body).encode()
    assert post_whatsapp(client, world, raw, signature="sha256=" + "0" * 64).status_code == 403
    assert post_whatsapp(client, world, raw, signature=None).status_code == 403
    # Signed over a different serialisation of the same JSON: the raw bytes differ, so it is refused.
    from runtime.connectors.double import ProviderDouble

    other = ProviderDouble.sign(json.dumps(body, indent=2).encode(), APP_SECRET)
    assert post_whatsapp(client, world, raw, signature=other).status_code == 403
    assert Message.objects.count() == 0 and Contact.objects.count() == 0
    assert post_whatsapp(client, world, raw).status_code == 200


def test_button_and_list_replies_are_button_presses(world, double):
    client = Client()
    post_whatsapp(client, world, payload("whatsapp_text"))
    post_whatsapp(client, world, payload("whatsapp_button_reply"))
    press = Message.objects.get(external_id=payload("whatsapp_button_reply")["entry"][0]["changes"][0]["value"]
                                ["messages"][0]["id"])
    assert press.payload["button_id"] == "sales" and press.text == "Talk to sales"
    post_whatsapp(client, world, payload("whatsapp_list_reply"))
    listed = Message.objects.filter(direction="in").order_by("-id").first()
    assert listed.payload["button_id"] == "delivery" and listed.text == "Delivery status"


def test_image_arrives_as_media(world, double):
    post_whatsapp(Client(), world, payload("whatsapp_image"))
    image = Message.objects.get(direction="in")
    assert image.payload["media"]["kind"] == "image"
    assert image.payload["media"]["media_id"] == "1003383421387256"
    assert image.text == "Here is the damaged box"


def test_replay_is_processed_once(world, double):
    client = Client()
    assert post_whatsapp(client, world, payload("whatsapp_text")).status_code == 200
    assert post_whatsapp(client, world, payload("whatsapp_text")).status_code == 200
    assert Message.objects.filter(direction="in").count() == 1


def test_malformed_notification_is_400(world, double):
    client = Client()
    response = post_whatsapp(client, world, {"object": "page", "entry": []})
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "malformed_payload"
    broken = copy.deepcopy(payload("whatsapp_text"))
    del broken["entry"][0]["changes"][0]["value"]["messages"][0]["from"]
    assert post_whatsapp(client, world, broken).status_code == 400
    assert Message.objects.count() == 0


def test_unknown_channel_is_404(world, double):
    assert Client().get("/webhooks/whatsapp/nope/", {"hub.mode": "subscribe"}).status_code == 404
    assert Client().post("/webhooks/whatsapp/nope/", data="{}", content_type="application/json").status_code == 404


def _status(wamid: str, status: str, failed: bool = False) -> dict:
    body = payload("whatsapp_status_failed" if failed else "whatsapp_statuses")
    entry = body["entry"][0]["changes"][0]["value"]["statuses"][0]
    entry["id"], entry["status"] = wamid, status
    return body


def test_status_webhooks_move_delivery_forward_only(world, double):
    client = Client()
    post_whatsapp(client, world, payload("whatsapp_text"))
    run_deliveries()
    message = Message.objects.get(direction="out", sender="bot")
    wamid = message.external_id
    for status, expected in [("delivered", "delivered"), ("read", "read"), ("delivered", "read"), ("sent", "read")]:
        assert post_whatsapp(client, world, _status(wamid, status)).status_code == 200
        message.refresh_from_db()
        assert message.delivery == expected
    history = list(DeliveryEvent.objects.filter(message=message, kind="status").values_list("status", flat=True))
    assert history == ["delivered", "read", "delivered", "sent"]


def test_failed_status_is_recorded_with_the_reason(world, double):
    client = Client()
    post_whatsapp(client, world, payload("whatsapp_text"))
    run_deliveries()
    message = Message.objects.get(direction="out", sender="bot")
    post_whatsapp(client, world, _status(message.external_id, "failed", failed=True))
    message.refresh_from_db()
    assert message.delivery == "failed"
    assert message.delivery_error.startswith("131047")
    assert "24 hours" in message.delivery_error


def test_more_than_three_choices_become_a_list_within_limits(world, double):
    connector = WhatsAppConnector()
    buttons = [{"id": f"opt{i}", "label": f"A rather long option label number {i}"} for i in range(10)]
    buttons.append({"id": "__operator__", "label": "Call operator"})
    interactive = connector.interactive("Pick one " * 200, buttons)
    assert interactive["type"] == "list"
    assert len(interactive["body"]["text"]) <= 1024
    rows = interactive["action"]["sections"][0]["rows"]
    assert len(rows) == 10
    assert rows[-1]["id"] == "__operator__"  # the escape is never the one dropped
    assert all(len(r["title"]) <= 24 for r in rows)
    assert rows[0]["description"] == "A rather long option label number 0"
    three = connector.interactive("Hi", buttons[:2] + buttons[-1:])
    assert three["type"] == "button"
    assert three["action"]["buttons"][0]["reply"]["title"] == "A rather long optio…"


def test_list_message_is_accepted_by_the_double(world, double):
    # A 4-button node through the whole path: the double enforces the documented list limits.
    document = json.loads(json.dumps(world.whatsapp.scenario.published_version.document))
    document["nodes"][0]["data"]["buttons"] += [{"id": "billing", "label": "Billing and invoices questions"},
                                                {"id": "returns", "label": "Returns"}]
    document["edges"] += [{"id": "e5", "source": "menu", "source_port": "billing", "target": "support_info"},
                          {"id": "e6", "source": "menu", "source_port": "returns", "target": "support_info"}]
    from builder import services as builder_services

    scenario = world.whatsapp.scenario
    builder_services.save_draft(scenario, document, scenario.revision)
    builder_services.publish(scenario)
    post_whatsapp(Client(), world, payload("whatsapp_text"))
    assert run_deliveries() == ["sent"]
    call = double.calls("messages")[-1]
    assert call.body["interactive"]["type"] == "list"
    assert call.status == 200


def test_template_status_webhook_updates_the_template(world, double):
    MessageTemplate.objects.create(channel=world.whatsapp, name="order_update", language="en_US",
                                   body="Your order {{1}} is {{2}}.", status="submitted",
                                   provider_id="806312974732579")
    assert post_whatsapp(Client(), world, payload("whatsapp_template_status")).status_code == 200
    assert MessageTemplate.objects.get(name="order_update").status == "approved"


def test_other_phone_number_is_ignored(world, double):
    body = payload("whatsapp_text")
    body["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
    assert post_whatsapp(Client(), world, body).status_code == 200
    assert Conversation.objects.count() == 0


def test_status_changes_reach_open_inboxes(world, double, django_capture_on_commit_callbacks):
    from .test_telegram import event_after

    client = Client()
    post_whatsapp(client, world, payload("whatsapp_text"))
    run_deliveries()
    message = Message.objects.get(direction="out", sender="bot")

    def read_receipt():
        with django_capture_on_commit_callbacks(execute=True):
            post_whatsapp(client, world, _status(message.external_id, "read"))

    event = event_after(message.conversation_id, read_receipt)
    assert event["type"] == "conv.message"
    assert (event["message"]["seq"], event["message"]["delivery"]) == (message.seq, "read")
