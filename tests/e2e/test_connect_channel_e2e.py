"""Issue 12, items 1 and 2 in a real browser against the real server: an admin publishes a scenario, clicks
"Connect to a channel", creates a web widget channel there, copies the snippet, chats with the bot on our
sample test page, sees a page on another port refused with a reason (not an endless "Reconnecting…"), allows
that origin in Settings and chats there too; the demo page works on this server's random port; the same
screens in Russian, with no raw keys on screen."""

from __future__ import annotations

import contextlib
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from tests.e2e._browser import browser_context, expand
from tests.e2e._server import ADMIN_PASSWORD, ROOT, Widget, login

pytestmark = pytest.mark.e2e

SCREENS = ROOT / "test-results" / "issue12-screens"
# An untranslated UI key on screen ("connect.open", "channels.no_scenario") or an internal node/channel id.
RAW_KEY = re.compile(r"\b(?:connect|channels|settings|common|role)\.[a-z_]+\b")


def _document(greeting: str) -> dict:
    return {
        "format": "botflow/scenario", "version": 1, "name": "Connect test", "start": "hello", "variables": [],
        "settings": {},
        "nodes": [
            {"id": "hello", "type": "buttons", "position": {"x": 0, "y": 0},
             "data": {"text": greeting, "buttons": [{"id": "prices", "label": "Prices"}]}},
            {"id": "price", "type": "message", "position": {"x": 320, "y": 0}, "data": {"text": "Beans from $14."}},
            {"id": "bye", "type": "end", "position": {"x": 640, "y": 0}, "data": {}},
        ],
        "edges": [
            {"id": "e1", "source": "hello", "source_port": "prices", "target": "price"},
            {"id": "e2", "source": "price", "source_port": "next", "target": "bye"},
        ],
    }


def _csrf(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")


@contextlib.contextmanager
def _site_with(snippet: str):
    """A customer's own site on another port: a plain page with the pasted snippet."""
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>Shop</title></head><body>"
            f"<h1>My shop</h1>{snippet}</body></html>").encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _shot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def _no_raw_keys(page) -> None:
    text = page.locator("body").inner_text()
    assert not RAW_KEY.search(text), RAW_KEY.search(text).group(0)


def _publish_new_scenario(page, base_url: str, context, name: str, greeting: str) -> str:
    created = page.request.post(f"{base_url}/api/w/demo/scenarios/",
                                data=json.dumps({"name": name, "document": _document(greeting)}),
                                headers={"Content-Type": "application/json", "X-CSRFToken": _csrf(context)})
    assert created.status == 201, created.text()
    scenario_id = created.json()["id"]
    page.goto(f"{base_url}/editor/{scenario_id}/")
    page.get_by_test_id("publish").click()
    page.get_by_test_id("publish-confirm").click()
    return scenario_id


def test_admin_publishes_connects_a_new_widget_and_chats_on_the_test_page_and_another_site(
        e2e_server, e2e_browser, steps):
    suffix = uuid.uuid4().hex[:6]
    greeting = f"Hi from the connect test {suffix}!"
    with browser_context(e2e_browser, width=1440, height=1000) as context:
        page = steps.page("editor", context.new_page())
        with steps.step("the admin publishes a scenario and is offered to connect it"):
            login(page, e2e_server.url, "admin", ADMIN_PASSWORD, next_path="/")
            _publish_new_scenario(page, e2e_server.url, context, f"Connect {suffix}", greeting)
            banner = page.get_by_test_id("published-banner")
            expect(banner).to_contain_text("Version 1 is live.")
            banner.get_by_role("button", name="Connect to a channel").click()
        with steps.step("the dialog lists the workspace's channels with what each runs"):
            dialog = page.get_by_test_id("connect-dialog")
            expect(dialog).to_contain_text(f"Connect “Connect {suffix}” to a channel")
            demo_row = dialog.locator("li", has_text="Website widget (demo)")
            expect(demo_row).to_contain_text("Welcome funnel")
            expect(demo_row.get_by_role("button", name="Connect")).to_be_visible()
            _no_raw_keys(page)
        with steps.step("a new web widget channel is created right there and runs the scenario"):
            dialog.get_by_test_id("connect-new-name").fill(f"Shop site {suffix}")
            dialog.get_by_test_id("connect-create").click()
            done = dialog.get_by_test_id("connect-done")
            expect(done).to_contain_text(f"“Shop site {suffix}” now runs this scenario.")
            expect(dialog.locator("li", has_text=f"Shop site {suffix}")).to_contain_text("Runs this scenario")
            snippet = done.get_by_test_id("embed-snippet").inner_text().strip()
            assert re.fullmatch(
                re.escape(f'<script src="{e2e_server.url}/static/widget.js" data-key="') + r'[\w-]+" async></script>',
                snippet), snippet
            done.get_by_test_id("copy-snippet").click()
            # The clipboard may be refused in a headless browser: then the snippet is selected for Ctrl+C.
            expect(done).to_contain_text(re.compile(r"Copied|Selected: press Ctrl\+C"))
            _shot(page, "en-connect-dialog")
            test_url = done.get_by_test_id("test-page-link").get_attribute("href")
            assert test_url and test_url.startswith(f"{e2e_server.url}/w/") and test_url.endswith("/test/")

        customer = steps.page("test-page", context.new_page())
        with steps.step("on our sample page the widget chats with the bot"):
            customer.goto(test_url)
            expect(customer.get_by_role("heading", name=f"Test page: Shop site {suffix}")).to_be_visible()
            widget = Widget(customer)
            widget.open()
            expect(widget.log).to_contain_text(greeting, timeout=15_000)
            widget.press("Prices")
            expect(widget.log).to_contain_text("Beans from $14.", timeout=15_000)
            _shot(customer, "en-test-page-chat")

        with _site_with(snippet) as site:
            other = steps.page("other-site", context.new_page())
            errors: list[str] = []
            other.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            with steps.step("a site not in the allowed origins is refused with a reason, not an endless reconnect"):
                other.goto(site)
                widget = Widget(other)
                widget.open()
                expect(widget.status).to_have_text("This chat is not available on this site", timeout=15_000)
                expect(widget.status).not_to_contain_text("Reconnecting")
                expect(widget.input).to_be_disabled()
                assert any(site in e and "allowed origins" in e and f"Shop site {suffix}" in e for e in errors), errors
                _shot(other, "en-other-site-refused")
            with steps.step("the admin allows that site in Settings → Channels"):
                settings = steps.page("settings", context.new_page())
                settings.goto(f"{e2e_server.url}/settings/")
                row = settings.get_by_test_id("channel-list").locator("tr", has_text=f"Shop site {suffix}")
                expect(row).to_contain_text(f"Connect {suffix}")
                expand(row.get_by_role("button", name="Settings & embed"))
                details = settings.locator("[data-testid^=channel-details-]")
                expect(details.get_by_test_id("embed-snippet")).to_have_text(snippet)
                details.get_by_test_id("details-origins").fill(f"{site}/path-is-refused")
                details.get_by_role("button", name="Save").last.click()
                expect(details.get_by_role("alert")).to_contain_text("Not an origin")
                details.get_by_test_id("details-origins").fill(site)
                details.get_by_role("button", name="Save").last.click()
                expect(details).to_contain_text("Saved.")
                _no_raw_keys(settings)
                _shot(settings, "en-settings-channel-details")
            with steps.step("the customer's site now chats with the bot"):
                other.reload()
                widget = Widget(other)
                widget.open()
                expect(widget.log).to_contain_text(greeting, timeout=15_000)

        demo = steps.page("demo", context.new_page())
        with steps.step("the demo page works on this server's (random) port"):
            assert not e2e_server.url.endswith(":8000")
            demo.goto(f"{e2e_server.url}/demo/")
            widget = Widget(demo)
            widget.open()
            expect(widget.log).to_contain_text("Welcome to Botflow", timeout=15_000)
            expect(widget.status).to_be_hidden()


def test_the_same_screens_in_russian(e2e_server, e2e_browser, steps):
    suffix = uuid.uuid4().hex[:6]
    with browser_context(e2e_browser, locale="ru-RU", width=1280, height=900) as context:
        page = steps.page("editor", context.new_page())
        with steps.step("the Russian editor offers to connect after publishing"):
            login(page, e2e_server.url, "admin", ADMIN_PASSWORD, next_path="/")
            _publish_new_scenario(page, e2e_server.url, context, f"Подключение {suffix}", "Здравствуйте!")
            expect(page.get_by_test_id("published-banner")).to_contain_text("Версия 1 опубликована.")
            page.get_by_test_id("connect-open").click()
            dialog = page.get_by_test_id("connect-dialog")
            expect(dialog).to_contain_text(f"Подключить «Подключение {suffix}» к каналу")
            expect(dialog).to_contain_text("Создать новый канал: виджет на сайте")
            dialog.get_by_test_id("connect-new-name").fill(f"Сайт {suffix}")
            dialog.get_by_test_id("connect-create").click()
            expect(dialog.get_by_test_id("connect-done")).to_contain_text("теперь работает этот сценарий")
            expect(dialog.get_by_test_id("test-page-link")).to_have_text("Проверить на тестовой странице ↗")
            _no_raw_keys(page)
            _shot(page, "ru-connect-dialog")
        with steps.step("Settings → Channels in Russian: scenarios, no-scenario behaviour, editors' access"):
            page.goto(f"{e2e_server.url}/settings/")
            expect(page.get_by_test_id("editors-access")).to_contain_text("Редакторы могут подключать")
            row = page.get_by_test_id("channel-list").locator("tr", has_text=f"Сайт {suffix}")
            expect(row).to_contain_text(f"Подключение {suffix}")
            row.get_by_role("button", name="Настройки и код").click()
            details = page.locator("[data-testid^=channel-details-]")
            expect(details).to_contain_text("Пока у канала нет сценария")
            details.get_by_test_id("details-scenario").select_option("")
            details.get_by_role("button", name="Сохранить").first.click()
            expect(row).to_contain_text("Без сценария")
            expect(row).to_contain_text("Каждый клиент сразу попадает в очередь операторов.")
            _no_raw_keys(page)
            _shot(page, "ru-settings-channel-details")
        with steps.step("a refused site in Russian says the chat is not available here"):
            snippet = details.get_by_test_id("embed-snippet").inner_text().strip()
            with _site_with(snippet) as site:
                other = steps.page("other-site", context.new_page())
                other.goto(site)
                widget = other.locator("[data-botflow-widget]")
                widget.locator("button.launcher").click()
                expect(widget.locator(".status")).to_have_text("Этот чат недоступен на этом сайте", timeout=15_000)
                _shot(other, "ru-other-site-refused")



def test_editors_connect_scenarios_only_when_an_admin_allows_it(e2e_server, e2e_browser, editor_account, steps):
    admin_ctx = e2e_browser.new_context(locale="en-US", viewport={"width": 1440, "height": 1000})
    editor_ctx = e2e_browser.new_context(locale="en-US", viewport={"width": 1440, "height": 1000})
    suffix = uuid.uuid4().hex[:6]
    try:
        admin = steps.page("admin", admin_ctx.new_page())
        with steps.step("the admin has a scenario and a web channel without one"):
            login(admin, e2e_server.url, "admin", ADMIN_PASSWORD, next_path="/")
            scenario_id = _publish_new_scenario(admin, e2e_server.url, admin_ctx, f"Editors {suffix}", "Hello!")
            channel = admin.request.post(
                f"{e2e_server.url}/api/w/demo/channels/",
                data=json.dumps({"kind": "web", "name": f"Landing {suffix}"}),
                headers={"Content-Type": "application/json", "X-CSRFToken": _csrf(admin_ctx)})
            assert channel.status == 201, channel.text()
        editor = steps.page("editor", editor_ctx.new_page())
        with steps.step("by default the editor sees the channels but may not change them"):
            login(editor, e2e_server.url, *editor_account, next_path="/")
            editor.goto(f"{e2e_server.url}/editor/{scenario_id}/")
            editor.get_by_role("button", name="History").click()
            editor.get_by_test_id("versions-connect").click()
            dialog = editor.get_by_test_id("connect-dialog")
            expect(dialog).to_contain_text("Only admins change channels.")
            row = dialog.locator("li", has_text=f"Landing {suffix}")
            expect(row).to_contain_text("No scenario")
            expect(row).to_contain_text("Every customer goes straight to the operator queue.")
            expect(row.get_by_role("button", name="Connect")).to_have_count(0)
            expect(dialog.get_by_test_id("connect-new-web")).to_have_count(0)
        with steps.step("the admin lets editors connect scenarios in Settings"):
            admin.goto(f"{e2e_server.url}/settings/")
            admin.get_by_test_id("editors-can-connect").check()
            expect(admin.get_by_test_id("editors-can-connect")).to_be_checked()
        with steps.step("now the editor connects the scenario in one click, and still cannot create channels"):
            editor.reload()
            editor.get_by_role("button", name="History").click()
            editor.get_by_test_id("versions-connect").click()
            dialog = editor.get_by_test_id("connect-dialog")
            row = dialog.locator("li", has_text=f"Landing {suffix}")
            row.get_by_role("button", name="Connect").click()
            expect(row).to_contain_text("Runs this scenario")
            expect(dialog.get_by_test_id("connect-done")).to_contain_text(f"“Landing {suffix}” now runs this scenario.")
            expect(dialog.get_by_test_id("connect-new-web")).to_have_count(0)
            _no_raw_keys(editor)
        with steps.step("the editor's settings page shows the rule, not the admin controls"):
            editor.goto(f"{e2e_server.url}/settings/")
            expect(editor.get_by_test_id("editors-access")).to_have_text(
                "You can change which scenario a channel runs; an admin manages everything else.")
            expect(editor.get_by_test_id("channel-form")).to_have_count(0)
    finally:
        with contextlib.suppress(Exception):
            admin.goto(f"{e2e_server.url}/settings/")
            admin.get_by_test_id("editors-can-connect").uncheck()
            expect(admin.get_by_test_id("editors-can-connect")).not_to_be_checked()
        admin_ctx.close()
        editor_ctx.close()
