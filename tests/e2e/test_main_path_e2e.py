"""Issue 12, "Done when": the whole main path of a brand-new installation, through the UI only, in English and
in Russian.

The installation is fresh (no demo): its own server with the schema, one workspace in the test's language, a new
admin and a new editor made by the product's services (there is no sign-up or invite UI yet, issue 14), the task
workers `make run` starts (the scenario's CRM call runs on the io queue) and a Redis of its own as the channel
layer, as in the production layout: a worker is another process, and what it says reaches the open widget only
through a shared layer. Everything after login is the UI:

- the editor creates a scenario from the "Lead capture" template, points its CRM step at the team's CRM, changes
  the welcome text in the inspector and publishes;
- the admin connects it: "Connect to a channel" (from the scenario's history) → a new web widget channel, copies
  the snippet, pastes it into the team's site (a page served on another port) and allows that origin in
  Settings → Channels. The editor does not get channel rights: in a real team the admin owns channels and
  their embedding on the site, editors own the texts (the default role rule, kept);
- a customer on that site chats with the bot, gives name, phone and e-mail, calls a manager;
- the admin, in the inbox, claims, replies and resolves; the customer writes again in the same open widget and
  the bot answers; the admin finds the chat in History by the e-mail the bot collected.

Every screen is checked for internal ids and untranslated keys, and screenshotted into test-results/main-path/.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e._browser import expand
from tests.e2e._screen import assert_no_internals
from tests.e2e._server import (
    ROOT,
    SCHEMA_SCRIPT,
    Server,
    Steps,
    free_port,
    login,
    own_database,
    server_env,
    server_place,
    stop,
    wait_until_serving,
)

pytestmark = pytest.mark.e2e

SHOTS = ROOT / "test-results" / "main-path"
# The template's own step ids: never on screen either.
TEMPLATE_IDS = ("ask_name", "ask_phone", "ask_email", "send_crm", "ask_news", "tag_subscribed", "tag_lead",
                "crm_failed", "to_sales")
WAIT = 30_000  # generous: the machine running the suite may be busy

# A fresh installation: the tables, nothing else (like `migrate` on a new database).
_SCHEMA = SCHEMA_SCRIPT + 'print("SCHEMA-OK")\n'

# What an installer does for a new team until issue 14 gives it a UI: a workspace in the team's language, its
# admin and an editor, through the product's services.
_NEW_TEAM = r'''
import os, django
django.setup()
from django.contrib.auth import get_user_model
from builder import services
from builder.models import Role

User = get_user_model()
admin = User.objects.create_user(os.environ["T_ADMIN"], password=os.environ["T_PASSWORD"])
editor = User.objects.create_user(os.environ["T_EDITOR"], password=os.environ["T_PASSWORD"])
workspace = services.create_workspace(os.environ["T_NAME"], os.environ["T_SLUG"], owner=admin,
                                      language=os.environ["T_LANG"])
services.add_member(workspace, editor, Role.EDITOR)
print("TEAM-OK")
'''


def _run(script: str, env: dict[str, str], marker: str) -> None:
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    if marker not in done.stdout:
        pytest.fail(f"{marker} missing:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}")


def _private_redis() -> tuple[str, subprocess.Popen | None]:
    """A throwaway redis-server on a free port (never a shared one: ids of this database would meet another
    test database's in its groups); else REDIS_URL (CI's PostgreSQL + Redis pass); else skip, loudly."""
    if shutil.which("redis-server") is None:
        if os.environ.get("REDIS_URL"):
            return os.environ["REDIS_URL"], None
        pytest.skip("the main-path test needs the redis-server binary (or REDIS_URL)")
    import redis

    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + 60
    while True:
        try:
            client.ping()
            return f"redis://127.0.0.1:{port}/0", process
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)


@pytest.fixture(scope="module")
def fresh_install(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """daphne plus the live and io task workers, as `make run` starts them, on an empty database."""
    workdir, port, url = server_place(tmp_path_factory, "e2e-fresh-install")
    redis_url, redis_process = _private_redis()
    # The team's CRM in this test is a loopback server (an intranet CRM, the case this setting exists for).
    env = server_env(url, REDIS_URL=redis_url, HTTP_NODE_ALLOW_PRIVATE="1")
    with own_database(env, workdir / "fresh.sqlite3"):
        yield from _serve_fresh(workdir, port, url, env, redis_process)


def _serve_fresh(workdir: Path, port: int, url: str, env: dict[str, str],
                 redis_process: subprocess.Popen | None) -> Iterator[Server]:
    _run(_SCHEMA, env, "SCHEMA-OK")
    log_path = workdir / "server.log"
    log = log_path.open("w")
    bin_dir = Path(sys.executable).parent
    processes = [
        subprocess.Popen([str(bin_dir / "daphne"), "-b", "127.0.0.1", "-p", str(port),
                          "channels_app.asgi:application"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT),
        subprocess.Popen([sys.executable, "manage.py", "db_worker", "--queue-name", "live", "--interval", "0.5"],
                         cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT),
        subprocess.Popen([sys.executable, "manage.py", "db_worker", "--queue-name", "io", "--interval", "0.5"],
                         cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT),
    ]
    server = Server(url=url, process=processes[0], log_path=log_path, env=env)
    wait_until_serving(server, "/login/", 90)
    try:
        yield server
    finally:
        stop(*processes)
        log.close()
        if redis_process is not None:
            redis_process.kill()
            redis_process.wait(timeout=10)


class _TeamSite:
    """The team's own website (a page with whatever snippet they paste) and their CRM's lead webhook, on a port
    of their own: another origin than the product's."""

    def __init__(self) -> None:
        self.snippet = ""
        self.leads: list[dict] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = ("<!doctype html><html><head><meta charset='utf-8'><title>Acme</title></head><body>"
                        f"<h1>Acme windows</h1><p>Made to measure.</p>{site.snippet}</body></html>").encode()
                self._send(200, "text/html; charset=utf-8", body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                site.leads.append(json.loads(self.rfile.read(length) or b"{}"))
                self._send(201, "application/json", json.dumps({"id": f"L-{len(site.leads)}"}).encode())

            def _send(self, status: int, kind: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


WORDS = {
    "en": {
        "locale": "en-US", "saved": "All changes saved", "live_banner": "Version 1 is live.",
        "history_tab": "History", "new_scenario": "New scenario", "test_page": "Test on a sample page",
        "settings_embed": "Settings & embed", "save": "Save", "origins_saved": "Saved.",
        "only_admins": "Only admins change channels.",
        "bot_name": "What's your name?", "bot_phone": "What phone number", "bot_email": "And your e-mail",
        "bot_news": "Your request number is L-", "operator": "Call operator", "type": "Type a message…",
        "queue": re.compile(r"You are #\d+ in the queue"),
        "claim": "Claim", "live": "Live", "send": "Send", "resolve": "Resolve", "resolved": "Resolved",
        "history": "History", "search": "Search: text, name, e-mail, phone", "status": "Status", "find": "Search",
        "reply": "Hello Ann, a manager here. We will call you today.", "again": "One more question, please",
        "joined": "joined the chat", "closed": "The conversation was resolved.",
    },
    "ru": {
        "locale": "ru-RU", "saved": "Всё сохранено", "live_banner": "Версия 1 опубликована.",
        "history_tab": "История", "new_scenario": "Новый сценарий", "test_page": "Проверить на тестовой странице",
        "settings_embed": "Настройки и код", "save": "Сохранить", "origins_saved": "Сохранено.",
        "only_admins": "Менять каналы могут только администраторы.",
        "bot_name": "Как вас зовут?", "bot_phone": "По какому номеру", "bot_email": "И ваш e-mail",
        "bot_news": "Номер вашей заявки — L-", "operator": "Позвать оператора", "type": "Введите сообщение…",
        "queue": re.compile(r"Вы №\d+ в очереди"),
        "claim": "Взять", "live": "В работе", "send": "Отправить", "resolve": "Завершить", "resolved": "Завершён",
        "history": "История", "search": "Поиск: текст, имя, e-mail, телефон", "status": "Статус", "find": "Найти",
        "reply": "Здравствуйте, Анна! Это менеджер, мы позвоним вам сегодня.", "again": "Ещё один вопрос",
        "joined": "подключился к чату", "closed": "Диалог завершён.",
    },
}


def _shot(page, lang: str, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{lang}-{name}.png"), full_page=True)


def _check(page, lang: str, name: str) -> None:
    assert_no_internals(page, f"[{lang}] {name}", TEMPLATE_IDS)
    _shot(page, lang, name)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_main_path_from_an_empty_workspace(fresh_install, e2e_browser, request, lang):
    words = WORDS[lang]
    suffix = uuid.uuid4().hex[:6]
    password = f"pass-{uuid.uuid4().hex}"
    admin_name, editor_name = f"boss-{lang}-{suffix}", f"writer-{lang}-{suffix}"
    _run(_NEW_TEAM, {**fresh_install.env, "T_ADMIN": admin_name, "T_EDITOR": editor_name, "T_PASSWORD": password,
                     "T_NAME": "Acme" if lang == "en" else "Окна Акме", "T_SLUG": f"acme-{lang}-{suffix}",
                     "T_LANG": lang}, "TEAM-OK")
    steps = Steps(ROOT / "test-results" / f"main-path-failure-{lang}", fresh_install)
    welcome = (f"Hi! Acme windows here, leave your contacts and we call back ({suffix})." if lang == "en"
               else f"Здравствуйте! Это окна Акме, оставьте контакты, и мы перезвоним ({suffix}).")
    person = "Ann" if lang == "en" else "Анна"
    email = f"ann.{lang}.{suffix}@example.com"
    viewport = {"width": 1366, "height": 900}
    editor_ctx = e2e_browser.new_context(locale=words["locale"], viewport=viewport)
    admin_ctx = e2e_browser.new_context(locale=words["locale"], viewport=viewport)
    customer_ctx = e2e_browser.new_context(locale=words["locale"], viewport={"width": 1280, "height": 860})
    team_site = _TeamSite()
    try:
        editor = steps.page("editor", editor_ctx.new_page())
        with steps.step("the editor starts from the lead capture template"):
            login(editor, fresh_install.url, editor_name, password, next_path="/")
            expect(editor.get_by_test_id("scenario-table")).to_have_count(0)  # an empty workspace
            _check(editor, lang, "01-empty-list")
            editor.get_by_test_id("create-scenario").click()
            dialog = editor.get_by_role("dialog", name=words["new_scenario"])
            expect(dialog.get_by_test_id("template-lang")).to_have_value(lang)
            expect(dialog.get_by_test_id("template-lead_capture")).to_be_visible(timeout=WAIT)
            _check(editor, lang, "02-new-scenario-dialog")
            dialog.get_by_test_id("template-lead_capture").click()
            editor.wait_for_url(re.compile(r"/editor/[0-9a-f-]{36}/$"), timeout=WAIT)
            expect(editor.get_by_test_id("save-state")).to_have_text(words["saved"], timeout=WAIT)
            scenario_title = editor.locator(".bf-title-input").input_value()

        with steps.step("the editor changes the welcome text and the CRM address in the inspector"):
            editor.locator('.react-flow__node[data-id="intro"]').click()
            editor.get_by_test_id("inspector").get_by_test_id("field-text").fill(welcome)
            editor.locator('.react-flow__node[data-id="send_crm"]').click()
            editor.get_by_test_id("inspector").get_by_test_id("field-url").fill(f"{team_site.url}/crm/leads")
            editor.locator('.react-flow__node[data-id="intro"]').click()
            expect(editor.get_by_test_id("inspector").get_by_test_id("field-text")).to_have_value(welcome)
            expect(editor.get_by_test_id("save-state")).to_have_text(words["saved"], timeout=WAIT)
            _check(editor, lang, "03-editor-inspector")

        with steps.step("the editor publishes; channels stay the admin's"):
            editor.get_by_test_id("publish").click()
            editor.get_by_test_id("publish-confirm").click()
            banner = editor.get_by_test_id("published-banner")
            expect(banner).to_contain_text(words["live_banner"], timeout=WAIT)
            _check(editor, lang, "04-published")
            editor.get_by_test_id("connect-open").click()
            expect(editor.get_by_test_id("connect-dialog")).to_contain_text(words["only_admins"])
            expect(editor.get_by_test_id("connect-new-web")).to_have_count(0)
            _check(editor, lang, "05-editor-connect-admins-only")

        admin = steps.page("admin", admin_ctx.new_page())
        with steps.step("the admin opens the scenario and connects it to a new web widget channel"):
            login(admin, fresh_install.url, admin_name, password, next_path="/")
            admin.get_by_test_id("scenario-table").get_by_role("link", name=scenario_title).click()
            admin.get_by_role("button", name=words["history_tab"]).click()
            admin.get_by_test_id("versions-connect").click()
            dialog = admin.get_by_test_id("connect-dialog")
            dialog.get_by_test_id("connect-new-name").fill(f"Acme site {suffix}")
            dialog.get_by_test_id("connect-create").click()
            done = dialog.get_by_test_id("connect-done")
            expect(done.get_by_test_id("embed-snippet")).to_contain_text("data-key=", timeout=WAIT)
            expect(done.get_by_test_id("test-page-link")).to_contain_text(words["test_page"])
            _check(admin, lang, "06-admin-connect-done")

        with steps.step("the admin copies the snippet into the team's site"):
            admin_ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=fresh_install.url)
            done.get_by_test_id("copy-snippet").click()
            snippet = admin.evaluate("() => navigator.clipboard.readText()").strip()
            assert snippet == done.get_by_test_id("embed-snippet").inner_text().strip(), snippet
            assert re.fullmatch(r'<script src="[^"]+/static/widget\.js" data-key="[\w-]+" async></script>', snippet)
            team_site.snippet = snippet

        with steps.step("the admin allows the site's origin in Settings → Channels"):
            admin.goto(f"{fresh_install.url}/settings/")
            row = admin.get_by_test_id("channel-list").locator("tr", has_text=f"Acme site {suffix}")
            expect(row).to_contain_text(scenario_title, timeout=WAIT)
            expand(row.get_by_role("button", name=words["settings_embed"]))
            details = admin.locator("[data-testid^=channel-details-]")
            origins = details.get_by_test_id("details-origins")
            expect(details.get_by_test_id("embed-snippet")).to_have_text(snippet)
            current = origins.input_value().strip()
            origins.fill(f"{current}\n{team_site.url}".strip())
            details.get_by_role("button", name=words["save"]).last.click()
            expect(details).to_contain_text(words["origins_saved"], timeout=WAIT)
            _check(admin, lang, "07-settings-channel")

        customer = steps.page("customer", customer_ctx.new_page())
        host = customer.locator("[data-botflow-widget]")
        log = customer.get_by_role("log")
        box = customer.get_by_role("textbox", name=words["type"])

        def say(text: str) -> None:
            box.fill(text)
            box.press("Enter")

        with steps.step("on the team's site the customer chats with the bot and leaves the contacts"):
            customer.goto(team_site.url)
            host.locator("button.launcher").click()
            expect(log).to_contain_text(welcome, timeout=WAIT)
            expect(log).to_contain_text(words["bot_name"], timeout=WAIT)
            say(person)
            expect(log).to_contain_text(words["bot_phone"], timeout=WAIT)
            say("+1 555 123 4567")
            expect(log).to_contain_text(words["bot_email"], timeout=WAIT)
            say(email)
            # The CRM step runs on the io worker; its answer (the lead's number) comes back into the chat.
            expect(log).to_contain_text(words["bot_news"], timeout=WAIT)
            assert team_site.leads and team_site.leads[-1]["email"] == email, team_site.leads
            _check(customer, lang, "08-widget-contacts")

        with steps.step("the customer calls an operator and is queued"):
            # The widget's own footer button, in the visitor's language (the scenario's "Talk to a manager"
            # label names it in the operator's transcript).
            customer.get_by_role("button", name=words["operator"], exact=True).click()
            expect(host.locator(".status")).to_contain_text(words["queue"], timeout=WAIT)
            _check(customer, lang, "09-widget-queued")

        with steps.step("the admin claims the chat in the inbox: the person is named, not an id"):
            admin.goto(f"{fresh_install.url}/inbox/")
            row = admin.get_by_test_id("queue").locator("li[data-conversation]", has_text=person)
            expect(row).to_have_count(1, timeout=WAIT)
            _check(admin, lang, "10-inbox-queue")
            row.get_by_role("button", name=words["claim"]).click()
            chat = admin.get_by_role("main")
            expect(chat.locator(".ib-mode")).to_have_text(words["live"], timeout=WAIT)
            expect(admin.get_by_test_id("variables")).to_contain_text(email)

        with steps.step("the admin replies; the customer reads it"):
            composer = chat.locator("textarea")
            composer.fill(words["reply"])
            chat.get_by_role("button", name=words["send"], exact=True).click()
            expect(log).to_contain_text(words["reply"], timeout=WAIT)
            # The server records "X joined the chat" in English; the visitor reads it in their language.
            expect(log.locator(".sys", has_text=admin_name)).to_have_text(f"{admin_name} {words['joined']}")
            _check(admin, lang, "11-inbox-live")

        with steps.step("the admin resolves; the customer writes again in the same widget and the bot answers"):
            admin.get_by_role("button", name=words["resolve"], exact=True).click()
            expect(chat.locator(".ib-mode")).to_have_text(words["resolved"], timeout=WAIT)
            expect(log.locator(".sys").last).to_have_text(words["closed"], timeout=WAIT)
            welcomes = log.locator(".msg.bot", has_text=welcome)
            expect(welcomes).to_have_count(1)
            say(words["again"])
            expect(welcomes).to_have_count(2, timeout=WAIT)
            expect(log.locator(".msg.bot", has_text=words["bot_name"])).to_have_count(2, timeout=WAIT)
            _check(customer, lang, "12-widget-after-resolve")

        with steps.step("the admin finds the chat in History by the e-mail the bot collected"):
            admin.get_by_role("tab", name=words["history"]).click()
            history = admin.get_by_test_id("history")
            history.get_by_role("searchbox", name=words["search"]).fill(email)
            history.get_by_label(words["status"]).select_option("closed")
            history.get_by_role("button", name=words["find"]).click()
            rows = history.locator("li[data-conversation]")
            expect(rows).to_have_count(1, timeout=WAIT)
            rows.first.get_by_role("button").click()
            expect(history.locator(".ib-msgs")).to_contain_text(words["reply"], timeout=WAIT)
            expect(history.get_by_test_id("history-variables")).to_contain_text(email)
            _check(admin, lang, "13-inbox-history")
    finally:
        team_site.close()
        for context in (customer_ctx, admin_ctx, editor_ctx):
            with contextlib.suppress(Exception):
                context.close()
