"""Issue 12 in a real browser: "Call operator" pressed twice shows no internals on either side; after the
operator resolves, the customer writes again in the same open widget and the bot answers."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e._browser import browser_context, customer_and_operator
from tests.e2e._server import OPERATOR_PASSWORD, customer_reaches_queue, login

# Fixtures e2e_server, e2e_browser and steps: tests/e2e/_server.py, shared through tests/e2e/conftest.py.
pytestmark = pytest.mark.e2e

RAW_ID = re.compile(r"__operator__|\binbox\.[a-z_.]+\b|\b[a-z]+_[A-Za-z0-9]{6,}\b")


def test_call_operator_twice_then_resolve_then_write_again(e2e_server, e2e_browser, steps):
    with customer_and_operator(e2e_browser, steps) as (customer, operator):
        widget = customer_reaches_queue(customer, e2e_server.url, steps)

        with steps.step("call operator again while queued: the place in the queue, no raw id"):
            widget.operator_button.click()
            expect(widget.log).to_contain_text("already in the queue", timeout=15_000)
            expect(widget.log.locator(".msg.customer", has_text="Call operator")).to_have_count(2)
            expect(widget.log.locator(".msg.customer.pending")).to_have_count(0)
            assert "__operator__" not in widget.log.inner_text()

        with steps.step("operator claims the chat; the transcript shows labels, not ids"):
            login(operator, e2e_server.url, "operator", OPERATOR_PASSWORD, "/inbox/")
            item = operator.get_by_test_id("queue").locator("li[data-conversation]").last
            expect(item).to_be_visible(timeout=15_000)
            item.get_by_role("button", name="Claim").click()
            chat = operator.get_by_role("main")
            expect(chat.locator(".ib-mode")).to_have_text("Live", timeout=15_000)
            transcript = operator.locator(".ib-msgs")
            expect(transcript.locator('[data-sender="customer"]', has_text="Call operator")).to_have_count(2)
            assert "__operator__" not in transcript.inner_text()

        with steps.step("operator resolves; the customer writes again in the same widget and the bot answers"):
            operator.get_by_role("button", name="Resolve").click()
            expect(chat.locator(".ib-mode")).to_have_text("Resolved", timeout=10_000)
            expect(widget.log).to_contain_text("resolved", timeout=10_000)
            welcomes = widget.log.locator(".msg.bot", has_text="Welcome to Botflow")
            expect(welcomes).to_have_count(1)
            widget.say("Hello again, one more question")
            expect(welcomes).to_have_count(2, timeout=15_000)
            again = widget.log.locator(".msg.customer", has_text="Hello again, one more question")
            expect(again).to_have_count(1)
            expect(again).not_to_have_class(re.compile(r"\bpending\b"), timeout=10_000)
            demo = widget.log.get_by_role("button", name="Try the demo bot", exact=True).last
            expect(demo).to_be_enabled()
            demo.click()
            expect(widget.log).to_contain_text("short quiz", timeout=15_000)


# A web channel whose bot asks for the e-mail into a variable named `email` (the scenario's default contact
# field), made through the real services in the server's own database.
_LEAD_CHANNEL = r"""
import os, django
django.setup()
from builder import services
from builder.models import Scenario, Workspace
from runtime import widget
from runtime.models import Channel

key = os.environ["E2E_LEAD_KEY"]
if not Channel.objects.filter(key=key).exists():
    workspace = Workspace.objects.get(slug="demo")
    scenario = Scenario.objects.filter(workspace=workspace, slug="e2e-email").first()
    if scenario is None:
        node = lambda i, t, d, x: {"id": i, "type": t, "position": {"x": x, "y": 0}, "data": d}
        document = {
            "format": "botflow/scenario", "version": 1, "name": "E-mail first", "start": "ask_email",
            "variables": [{"name": "email", "type": "string"}],
            "settings": {"operator_button": {"department": "support"}},
            "nodes": [node("ask_email", "ask", {"prompt": "Hello! What is your e-mail?", "variable": "email",
                                                "kind": "email"}, 0),
                      node("thanks", "buttons", {"text": "Thanks, {{email}}! What next?",
                                                 "buttons": [{"id": "done", "label": "Nothing else"}]}, 300),
                      node("bye", "end", {"text": "Bye!"}, 600)],
            "edges": [{"id": "e1", "source": "ask_email", "source_port": "next", "target": "thanks"},
                      {"id": "e2", "source": "thanks", "source_port": "done", "target": "bye"}],
        }
        scenario = services.create_scenario(workspace, "E-mail first", slug="e2e-email", document=document)
        services.publish(scenario)
    channel = widget.create_web_channel(workspace, name="Leads site", scenario=scenario,
                                        allowed_origins=[os.environ["E2E_ORIGIN"]])
    channel.key = key
    channel.save(update_fields=["key"])
print("LEAD-OK")
"""
INTERNAL = re.compile(r"__operator__|\binbox\.[a-z][A-Za-z_.]+|\bv_[A-Za-z0-9_-]{12,}|"
                      r"\b(?:buttons|message|ask|rating|handoff|end|condition|b)_[a-z0-9]{6}\b")


def _lead_channel(server, key):
    import subprocess
    import sys

    from tests.e2e._server import ROOT

    done = subprocess.run([sys.executable, "-c", _LEAD_CHANNEL], cwd=ROOT, env={**server.env, "E2E_LEAD_KEY": key},
                          capture_output=True, text=True, timeout=120)
    assert "LEAD-OK" in done.stdout, done.stderr[-3000:]


def _no_internals(page, where):
    text = page.locator("body").inner_text()
    found = INTERNAL.findall(text)
    assert not found, f"{where}: internal ids or keys on screen: {found}"


WORDS = {
    "en": {"locale": "en-US", "operator": "Call operator", "type": "Type a message…", "claim": "Claim", "live": "Live",
           "resolve": "Resolve", "resolved": "Resolved", "history": "History", "find": "Search",
           "search": "Search: text, name, e-mail, phone", "status": "Status", "reason": "Pressed “call operator”",
           "queued": "already in the queue"},
    "ru": {"locale": "ru-RU", "operator": "Позвать оператора", "type": "Введите сообщение…", "claim": "Взять",
           "live": "В работе", "resolve": "Завершить", "resolved": "Завершён", "history": "История",
           "find": "Найти", "search": "Поиск: текст, имя, e-mail, телефон", "status": "Статус",
           "reason": "Нажал «позвать оператора»", "queued": "already in the queue"},
}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_contact_named_by_email_and_history_finds_the_resolved_chat(e2e_server, e2e_browser, steps, lang):
    words = WORDS[lang]
    key = f"e2e-leads-{lang}"
    email = f"ann.{lang}.e2e@example.com"
    _lead_channel(e2e_server, key)
    shots = steps.output
    shots.mkdir(parents=True, exist_ok=True)
    with customer_and_operator(e2e_browser, steps, locale=words["locale"]) as (customer, operator):
        host = customer.locator("[data-botflow-widget]")
        log = customer.get_by_role("log")
        with steps.step("the customer gives the bot an e-mail, then calls an operator twice"):
            customer.goto(f"{e2e_server.url}/demo/?key={key}")
            host.locator("button.launcher").click()
            expect(log).to_contain_text("What is your e-mail?", timeout=15_000)
            box = customer.get_by_role("textbox", name=words["type"])
            box.fill(email)
            box.press("Enter")
            expect(log).to_contain_text(f"Thanks, {email}!", timeout=15_000)
            call = customer.get_by_role("button", name=words["operator"], exact=True)
            call.click()
            expect(host.locator(".status")).to_be_visible(timeout=15_000)
            call.click()
            expect(log.locator(".msg.customer", has_text=words["operator"])).to_have_count(2, timeout=15_000)
            expect(log.locator(".sys").last).to_be_visible()
            _no_internals(customer, "widget")
            customer.screenshot(path=str(shots / f"{lang}-1-widget-queued.png"))

        with steps.step("the queue names the customer by the collected e-mail; claim"):
            login(operator, e2e_server.url, "operator", OPERATOR_PASSWORD, "/inbox/")
            operator.get_by_role("combobox", name=re.compile("Language|Язык")).select_option(lang)
            row = operator.get_by_test_id("queue").locator("li[data-conversation]", has_text=email)
            expect(row).to_have_count(1, timeout=15_000)
            _no_internals(operator, "inbox queue")
            row.get_by_role("button", name=words["claim"]).click()
            chat = operator.get_by_role("main")
            expect(chat.locator(".ib-mode")).to_have_text(words["live"], timeout=15_000)
            expect(chat.get_by_role("heading", name=email)).to_be_visible()
            expect(operator.get_by_test_id("handoff")).to_contain_text(words["reason"])
            # The transcript shows the scenario's own label (this scenario speaks English), never the button id.
            expect(operator.locator(".ib-msgs [data-sender='customer']", has_text="Call operator")).to_have_count(2)
            _no_internals(operator, "inbox chat")
            operator.screenshot(path=str(shots / f"{lang}-2-inbox-live.png"))

        with steps.step("resolve: the status refreshes live, the customer writes again and the bot answers"):
            operator.get_by_role("button", name=words["resolve"]).click()
            expect(chat.locator(".ib-mode")).to_have_text(words["resolved"], timeout=10_000)
            asks = log.locator(".msg.bot", has_text="What is your e-mail?")
            expect(asks).to_have_count(1)
            box.fill("me again")
            box.press("Enter")
            expect(asks).to_have_count(2, timeout=15_000)
            customer.screenshot(path=str(shots / f"{lang}-3-widget-again.png"))

        with steps.step("history finds the resolved chat by the e-mail and opens it read-only"):
            operator.get_by_role("tab", name=words["history"]).click()
            history = operator.get_by_test_id("history")
            history.get_by_role("searchbox", name=words["search"]).fill(f"ann.{lang}.e2e@")
            history.get_by_label(words["status"]).select_option("closed")
            history.get_by_role("button", name=words["find"]).click()
            rows = history.locator("li[data-conversation]")
            expect(rows).to_have_count(1, timeout=10_000)
            expect(rows.first).to_contain_text(email)
            rows.first.get_by_role("button").click()
            expect(history.locator(".ib-msgs [data-sender='customer']", has_text=email)).to_have_count(1)
            expect(history.get_by_test_id("history-variables")).to_contain_text(email)
            expect(history.locator("textarea")).to_have_count(0)  # read-only: no composer
            _no_internals(operator, "inbox history")
            operator.screenshot(path=str(shots / f"{lang}-4-inbox-history.png"))


EDITOR_WORDS = {
    "en": {"locale": "en-US", "problems": "Problems", "saved": "All changes saved", "start": "Start node",
           "exit": "Exit “Sales” of Buttons “Choose a topic” is not connected"},
    "ru": {"locale": "ru-RU", "problems": "Проблемы", "saved": "Всё сохранено", "start": "Стартовый блок",
           "exit": "Выход «Sales» шага Кнопки «Choose a topic» никуда не ведёт"},
}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_editor_problems_and_start_list_name_steps_not_ids(e2e_server, e2e_browser, editor_account, steps, lang):
    import json

    words = EDITOR_WORDS[lang]
    with browser_context(e2e_browser, locale=words["locale"]) as context:
        page = steps.page("editor", context.new_page())
        with steps.step("a scenario with an unconnected button and an unreachable step"):
            login(page, e2e_server.url, *editor_account, next_path="/")
            csrf = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
            document = {
                "format": "botflow/scenario", "version": 1, "start": "buttons_f4cc8v",
                "nodes": [
                    {"id": "buttons_f4cc8v", "type": "buttons", "position": {"x": 0, "y": 0},
                     "data": {"text": "Choose a topic", "buttons": [{"id": "b_fefv2l", "label": "Sales"}]}},
                    {"id": "message_q9w8e7", "type": "message", "position": {"x": 360, "y": 200},
                     "data": {"text": "Nobody comes here"}},
                    {"id": "end_a1s2d3", "type": "end", "position": {"x": 700, "y": 200}, "data": {}},
                    {"id": "jump_k7l8m9", "type": "jump", "position": {"x": 360, "y": 400},
                     "data": {"node": "buttons_f4cc8v"}},
                ],
                "edges": [{"id": "e1", "source": "message_q9w8e7", "source_port": "next", "target": "end_a1s2d3"}],
            }
            created = page.request.post(f"{e2e_server.url}/api/w/demo/scenarios/",
                                        data=json.dumps({"name": f"Ids {lang}", "document": document}),
                                        headers={"Content-Type": "application/json", "X-CSRFToken": csrf})
            assert created.status == 201, created.text()
            page.goto(f"{e2e_server.url}/editor/{created.json()['id']}/")
            page.get_by_role("combobox", name=re.compile("Language|Язык")).first.select_option(lang)
            expect(page.get_by_test_id("save-state")).to_have_text(words["saved"], timeout=15_000)
        with steps.step("the problems panel and the start list speak of steps and buttons"):
            page.get_by_role("button", name=words["problems"]).first.click()
            problems = page.get_by_test_id("problems")
            expect(problems).to_contain_text(words["exit"])
            text = problems.inner_text()
            assert not re.search(r"buttons_f4cc8v|b_fefv2l|message_q9w8e7|end_a1s2d3|jump_k7l8m9|finding\.", text), text
            jump = page.locator('[data-node-id="jump_k7l8m9"]')
            expect(jump).to_contain_text("Choose a topic")
            canvas = page.locator(".react-flow").inner_text()
            assert not re.search(r"buttons_f4cc8v|b_fefv2l|message_q9w8e7|end_a1s2d3|jump_k7l8m9", canvas), canvas
            settings = page.get_by_test_id("scenario-settings")
            options = settings.locator("select").first.locator("option").all_inner_texts()
            assert any("Choose a topic" in o for o in options), options
            assert not any(re.search(r"_[a-z0-9]{6}$", o) for o in options), options
            steps.output.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(steps.output / f"{lang}-editor-problems.png"))
