"""Workspace settings and the WhatsApp template node in a real browser against the real server: an admin
connects a web widget and a WhatsApp number on /settings/ and gets the webhook URL and the one-time verify
token; an editor of flows adds a template node from the palette, sees it on the canvas with its `next`
port, and picks one of the workspace's WhatsApp templates in the inspector."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e._browser import browser_context
from tests.e2e._server import ADMIN_PASSWORD, login

pytestmark = pytest.mark.e2e


def _csrf(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")


def test_admin_connects_a_web_widget_and_a_whatsapp_number(e2e_server, e2e_browser, steps):
    suffix = uuid.uuid4().hex[:6]
    with browser_context(e2e_browser, width=1440, height=1000) as context:
        page = steps.page("settings", context.new_page())
        with steps.step("the admin opens the settings page and sees the demo's web widget channel"):
            login(page, e2e_server.url, "admin", ADMIN_PASSWORD, next_path="/settings/")
            expect(page.get_by_role("heading", name="Channels")).to_be_visible()
            demo = page.get_by_test_id("channel-list").locator("tr", has_text="Website widget (demo)")
            expect(demo).to_contain_text("Welcome funnel")  # the scenario it runs, by name
        with steps.step("a web widget channel is created with its allowed origins"):
            page.get_by_test_id("channel-kind").select_option("web")
            page.get_by_test_id("channel-name").fill(f"Shop site {suffix}")
            page.get_by_test_id("channel-origins").fill("https://shop.example/, http://localhost:8000")
            page.get_by_role("button", name="Create channel").click()
            created = page.get_by_test_id("channel-created")
            expect(created).to_contain_text(f"Shop site {suffix}")
            expect(created.get_by_test_id("embed-snippet")).to_contain_text("/static/widget.js")
            row = page.get_by_test_id("channel-list").locator("tr", has_text=f"Shop site {suffix}")
            expect(row).to_contain_text("Web widget")
            page.get_by_role("button", name="Done").click()
        with steps.step("a WhatsApp channel needs its credentials, then shows the webhook URL and verify token once"):
            page.get_by_test_id("channel-kind").select_option("whatsapp")
            page.get_by_test_id("channel-name").fill(f"WhatsApp {suffix}")
            create = page.get_by_role("button", name="Create channel")
            expect(create).to_be_disabled()
            page.get_by_test_id("channel-phone_number_id").fill("105500000001")
            page.get_by_test_id("channel-access_token").fill("EAAG-test-access-token")
            page.get_by_test_id("channel-app_secret").fill("app-secret-value")
            expect(create).to_be_enabled()
            create.click()
            webhook = page.get_by_test_id("new-webhook-url")
            expect(webhook).to_have_text(re.compile(re.escape(e2e_server.url) + r"/webhooks/whatsapp/[^/]+/$"))
            token = page.get_by_test_id("secret-verify_token")
            expect(token).to_have_text(re.compile(r"\S{16,}"))
            verify_token = token.inner_text()
            url = webhook.inner_text()
            row = page.get_by_test_id("channel-list").locator("tr", has_text=f"WhatsApp {suffix}")
            expect(row).to_contain_text(url)
            expect(row.get_by_role("button", name="Copy")).to_be_visible()
            # The user's own secrets never come back, not even in the one-time answer.
            expect(page.locator("body")).not_to_contain_text("EAAG-test-access-token")
        with steps.step("after a reload the webhook URL is listed but no secret is shown"):
            page.reload()
            row = page.get_by_test_id("channel-list").locator("tr", has_text=f"WhatsApp {suffix}")
            expect(row).to_contain_text(url)
            expect(page.locator("body")).not_to_contain_text(verify_token)
            expect(page.get_by_test_id("channel-created")).to_have_count(0)
        with steps.step("rotating shows a new verify token once"):
            page.once("dialog", lambda dialog: dialog.accept())
            row.get_by_role("button", name="Rotate secrets").click()
            expect(page.get_by_test_id("secret-verify_token")).to_have_text(re.compile(r"\S{16,}"))
            assert page.get_by_test_id("secret-verify_token").inner_text() != verify_token
        with steps.step("a channel is deleted"):
            page.once("dialog", lambda dialog: dialog.accept())
            row.get_by_role("button", name="Delete").click()
            expect(page.get_by_test_id("channel-list").locator("tr", has_text=f"WhatsApp {suffix}")).to_have_count(0)


def test_editor_adds_a_whatsapp_template_node_from_the_palette(e2e_server, e2e_browser, steps):
    suffix = uuid.uuid4().hex[:6]
    template_name = f"order_update_{suffix}"
    with browser_context(e2e_browser) as context:
        page = steps.page("editor", context.new_page())
        with steps.step("the workspace has a WhatsApp channel with a two-placeholder template"):
            login(page, e2e_server.url, "admin", ADMIN_PASSWORD, next_path="/")
            headers = {"Content-Type": "application/json", "X-CSRFToken": _csrf(context)}
            channel = page.request.post(
                f"{e2e_server.url}/api/w/demo/channels/",
                data=json.dumps({
                    "kind": "whatsapp", "name": f"WA {suffix}", "config": {"phone_number_id": "105500000002"},
                    "secrets": {"access_token": "token", "app_secret": "secret"},
                }),
                headers=headers,
            )
            assert channel.status == 201, channel.text()
            template = page.request.post(
                f"{e2e_server.url}/api/w/demo/channels/{channel.json()['id']}/templates/",
                data=json.dumps({"name": template_name, "language": "en_US", "body": "Hi {{1}}, order {{2}} shipped."}),
                headers=headers,
            )
            assert template.status == 201, template.text()
        with steps.step("a new scenario gets a template node from the palette, with its Next port"):
            page.get_by_test_id("new-scenario-name").fill(f"Templates {suffix}")
            page.get_by_test_id("create-scenario").click()
            page.get_by_test_id("template-blank").click()  # "New scenario" offers a blank canvas or a template
            page.wait_for_url(re.compile(r"/editor/[0-9a-f-]{36}/$"))
            expect(page.get_by_test_id("save-state")).to_have_text("All changes saved")
            page.get_by_test_id("palette-template").click()
            card = page.locator(".react-flow__node-template")
            expect(card).to_have_count(1)
            expect(card).to_contain_text("WhatsApp template")
            expect(card.locator(".bf-port")).to_have_text(["Next"])
            expect(card.locator('.react-flow__handle.source[data-handleid="next"]')).to_have_count(1)
        with steps.step("the inspector offers the workspace's templates and one field per placeholder"):
            card.click()
            inspector = page.get_by_test_id("inspector")
            inspector.get_by_test_id("template-select").select_option(f"{template_name}|en_US")
            expect(inspector).to_contain_text("Hi {{1}}, order {{2}} shipped.")
            expect(inspector.get_by_test_id("template-var-1")).to_be_visible()
            expect(inspector.get_by_test_id("template-var-2")).to_be_visible()
            inspector.get_by_test_id("template-var-1").fill("{{contact_name}}")
            expect(card).to_contain_text(template_name)
            expect(card).to_contain_text("en_US")
            expect(page.get_by_test_id("save-state")).to_have_text("All changes saved", timeout=20_000)
        with steps.step("the saved draft holds the template node as the format says"):
            scenario_id = page.url.rstrip("/").split("/")[-1]
            draft = page.request.get(f"{e2e_server.url}/api/w/demo/scenarios/{scenario_id}/")
            assert draft.ok, draft.text()
            body = draft.json()
            document = body.get("draft") or body.get("document")
            nodes = [n for n in document["nodes"] if n["type"] == "template"]
            assert len(nodes) == 1
            assert nodes[0]["data"] == {
                "template": template_name, "language": "en_US", "variables": {"1": "{{contact_name}}", "2": ""},
            }
