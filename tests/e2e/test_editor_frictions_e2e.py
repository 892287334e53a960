"""Issue 12 items 6 and 7 in a real browser: start from a template (English and Russian), the inline
new-variable field, a condition's problem with its column next to the field, the "changes not published"
indicator, return-to-bot entry nodes, and the top bar in Russian at 1280 and 1024 px (screenshots under
test-results/editor-frictions/ for a person to look at)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.e2e._browser import browser_context
from tests.e2e._server import ROOT, login

_WHATSAPP_CHANNEL = r"""
import os, django
django.setup()
from builder.models import Scenario
from runtime.models import Channel
scenario = Scenario.objects.get(pk=os.environ["E2E_SCENARIO"])
Channel.objects.create(workspace=scenario.workspace, kind="whatsapp", name="WhatsApp", scenario=scenario,
                       config={"phone_number_id": "e2e"})
print("CHANNEL-OK")
"""


def run_on_whatsapp(server, scenario_id: str) -> None:
    """A WhatsApp channel (in the server's own database) that runs the scenario."""
    env = {**server.env, "E2E_SCENARIO": scenario_id}
    done = subprocess.run([sys.executable, "-c", _WHATSAPP_CHANNEL], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert "CHANNEL-OK" in done.stdout, done.stderr[-3000:]

pytestmark = pytest.mark.e2e

SHOTS = ROOT / "test-results" / "editor-frictions"


def shot(page, name: str, locator=None) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    (locator or page).screenshot(path=str(SHOTS / f"{name}.png"))


def csrf(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")


def create_via_api(page, context, base_url: str, name: str, document: dict) -> str:
    created = page.request.post(
        f"{base_url}/api/w/demo/scenarios/",
        data=json.dumps({"name": name, "document": document}),
        headers={"Content-Type": "application/json", "X-CSRFToken": csrf(context)},
    )
    assert created.status == 201, created.text()
    return created.json()["id"]


def saved(page) -> None:
    expect(page.get_by_test_id("save-state")).to_have_class(re.compile("bf-save--saved"), timeout=15_000)


def no_overflow(page, locator) -> None:
    """The element is fully visible: not cut by its own box (ellipsis) nor pushed out of the top bar."""
    box, bar = locator.bounding_box(), page.locator(".bf-topbar").bounding_box()
    assert box and bar and box["x"] >= bar["x"] and box["x"] + box["width"] <= bar["x"] + bar["width"] + 0.5
    clipped = locator.evaluate("el => el.scrollWidth > el.clientWidth + 1")
    assert not clipped, locator.inner_text()


@pytest.mark.parametrize(
    ("locale", "title", "name", "not_published", "problems"),
    [
        ("en-US", "New scenario", "Frequently asked questions (FAQ)", "Not published yet", "Problems"),
        ("ru-RU", "Новый сценарий", "Частые вопросы (FAQ) (2)", "Ещё не опубликован", "Проблемы"),
    ],
)
def test_new_scenario_from_a_template(e2e_server, e2e_browser, editor_account, steps, locale, title, name,
                                      not_published, problems):
    lang = locale[:2]
    with browser_context(e2e_browser, locale=locale, width=1280, height=860) as context:
        page = steps.page("editor", context.new_page())
        with steps.step(f"[{lang}] 'New scenario' offers Blank and the six examples in the UI's language"):
            login(page, e2e_server.url, *editor_account, next_path="/")
            page.set_viewport_size({"width": 1024, "height": 860})
            expect(page.get_by_test_id("scenario-table")).to_be_visible()
            shot(page, f"list-{lang}-1024")
            page.set_viewport_size({"width": 1280, "height": 860})
            page.get_by_test_id("create-scenario").click()
            dialog = page.get_by_role("dialog", name=title)
            expect(dialog).to_be_visible()
            expect(dialog.locator(".bf-template-card")).to_have_count(7)
            expect(dialog.get_by_test_id("template-lang")).to_have_value(lang)
            expect(dialog.get_by_test_id("template-quiz")).to_contain_text("Quiz" if lang == "en" else "Викторина")
            shot(page, f"new-scenario-dialog-{lang}")

        with steps.step(f"[{lang}] the FAQ template opens as a draft with zero problems, named uniquely"):
            dialog.get_by_test_id("template-faq").click()
            page.wait_for_url(re.compile(r"/editor/[0-9a-f-]{36}/$"))
            saved(page)
            # The demo already has the Russian FAQ: the Russian copy is numbered, like an import.
            expect(page.locator(".bf-title-input")).to_have_value(name)
            expect(page.locator(".react-flow__node")).to_have_count(8)
            expect(page.get_by_test_id("publish-state")).to_have_text(not_published)
            toggle = page.get_by_test_id("problems-toggle")
            expect(toggle).to_have_attribute("aria-label", problems)
            expect(toggle.locator(".bf-badge")).to_have_count(0)
            expect(page.get_by_test_id("publish")).to_be_enabled()
            shot(page, f"template-faq-{lang}")

        with steps.step(f"[{lang}] the top bar shows the whole title, save state and publish state at 1280 and 1024 px"):
            for width in (1280, 1024):
                page.set_viewport_size({"width": width, "height": 860})
                for part in (page.locator(".bf-title-input"), page.get_by_test_id("save-state"),
                             page.get_by_test_id("publish-state"), page.get_by_test_id("publish")):
                    expect(part).to_be_visible()
                    no_overflow(page, part)
                title_input = page.locator(".bf-title-input")
                assert title_input.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), f"title cut at {width}px"
                shot(page, f"topbar-{lang}-{width}", page.locator(".bf-topbar"))


CONDITION_DOC = {
    "format": "botflow/scenario", "version": 1, "start": "ask",
    "variables": [{"name": "topic", "type": "string"}],
    "nodes": [
        {"id": "ask", "type": "ask", "position": {"x": 0, "y": 0},
         "data": {"prompt": "What is it about?", "variable": "topic", "kind": "text"}},
        {"id": "route", "type": "condition", "position": {"x": 320, "y": 0},
         "data": {"rules": [{"id": "sales", "label": "Sales", "expression": 'topic == "Sales"'}]}},
        {"id": "yes", "type": "end", "position": {"x": 640, "y": 0}, "data": {"text": "Sales"}},
        {"id": "no", "type": "end", "position": {"x": 640, "y": 160}, "data": {"text": "Other"}},
    ],
    "edges": [
        {"id": "e1", "source": "ask", "source_port": "next", "target": "route"},
        {"id": "e2", "source": "route", "source_port": "sales", "target": "yes"},
        {"id": "e3", "source": "route", "source_port": "else", "target": "no"},
    ],
}


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en-US", "Column 7: use == to compare (a single = is not allowed)"),
        ("ru-RU", "Столбец 7: для сравнения пишите == (одиночный = не допускается)"),
    ],
)
def test_a_condition_says_what_is_expected_and_where(e2e_server, e2e_browser, editor_account, steps, locale, expected):
    lang = locale[:2]
    with browser_context(e2e_browser, locale=locale, width=1280, height=860) as context:
        page = steps.page("editor", context.new_page())
        with steps.step(f"[{lang}] typing topic = \"Sales\" shows the problem and its column under the field"):
            login(page, e2e_server.url, *editor_account, next_path="/")
            scenario_id = create_via_api(page, context, e2e_server.url, f"Condition {lang}", CONDITION_DOC)
            page.goto(f"{e2e_server.url}/editor/{scenario_id}/")
            saved(page)
            page.locator('.react-flow__node[data-id="route"]').click()
            field = page.get_by_test_id("rule-expression-0")
            field.fill('topic = "Sales"')
            error = page.get_by_test_id("rule-error-0")
            expect(error).to_contain_text(expected, timeout=15_000)
            expect(error).to_contain_text("topic")  # the variables in scope are listed
            expect(error).not_to_contain_text("invalid syntax")
            expect(field).to_have_attribute("aria-invalid", "true")
            shot(page, f"condition-error-{lang}", page.get_by_test_id("inspector"))
            page.get_by_test_id("problems-toggle").click()
            expect(page.get_by_test_id("problems")).to_contain_text(expected)  # the same words in the list
            page.get_by_test_id("problems-toggle").click()

        with steps.step(f"[{lang}] an unquoted word is named, with quotes suggested"):
            field.fill("topic == Sales")
            expect(error).to_contain_text('("Sales")', timeout=15_000)
            expect(error).to_contain_text("10")

        with steps.step(f"[{lang}] the fixed expression clears the message"):
            field.fill('topic == "Sales"')
            saved(page)
            expect(page.get_by_test_id("rule-error-0")).to_have_count(0, timeout=15_000)


def test_new_variable_inline_field(e2e_server, e2e_browser, editor_account, steps):
    dialogs: list[str] = []
    with browser_context(e2e_browser, width=1280, height=860) as context:
        page = steps.page("editor", context.new_page())
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        with steps.step("'+ New variable…' opens an inline field, not a browser prompt; Esc cancels"):
            login(page, e2e_server.url, *editor_account, next_path="/")
            scenario_id = create_via_api(page, context, e2e_server.url, "Variables", CONDITION_DOC)
            page.goto(f"{e2e_server.url}/editor/{scenario_id}/")
            saved(page)
            page.locator('.react-flow__node[data-id="ask"]').click()
            select = page.get_by_test_id("inspector").get_by_role("combobox", name="Variable")
            select.select_option("__new__")
            name = page.get_by_test_id("new-variable-name")
            expect(name).to_be_focused()
            name.press("Escape")
            expect(page.get_by_test_id("new-variable")).to_have_count(0)
            expect(select).to_have_value("topic")

        with steps.step("an invalid name is refused in place; Enter adds a valid one and selects it"):
            select.select_option("__new__")
            name = page.get_by_test_id("new-variable-name")
            name.fill("1st answer")
            expect(page.get_by_test_id("new-variable-message")).to_contain_text("starts with a letter or _")
            expect(name).to_have_attribute("aria-invalid", "true")
            name.press("Enter")
            expect(name).to_be_visible()  # still there: nothing was added
            shot(page, "new-variable-invalid-en", page.get_by_test_id("inspector"))
            name.fill("order_number")
            expect(page.get_by_test_id("new-variable-message")).to_contain_text("Enter adds it, Esc cancels")
            name.press("Enter")
            expect(page.get_by_test_id("new-variable")).to_have_count(0)
            expect(select).to_have_value("order_number")
            saved(page)
            detail = page.request.get(f"{e2e_server.url}/api/w/demo/scenarios/{scenario_id}/").json()
            assert {"name": "order_number", "type": "string"} in detail["draft"]["variables"]
            assert next(n for n in detail["draft"]["nodes"] if n["id"] == "ask")["data"]["variable"] == "order_number"
            assert dialogs == []
            shot(page, "new-variable-en", page.get_by_test_id("inspector"))


def test_changes_not_published_indicator_and_return_points(e2e_server, e2e_browser, editor_account, steps):
    with browser_context(e2e_browser, width=1280, height=860) as context:
        page = steps.page("editor", context.new_page())
        document = json.loads(json.dumps(CONDITION_DOC))
        document["nodes"].append({"id": "back", "type": "message", "position": {"x": 0, "y": 320},
                                  "data": {"text": "Welcome back!"}})
        document["edges"].append({"id": "e4", "source": "back", "source_port": "next", "target": "ask"})
        with steps.step("a node reached only by 'return to bot' is a warning until it is marked as a return point"):
            login(page, e2e_server.url, *editor_account, next_path="/")
            scenario_id = create_via_api(page, context, e2e_server.url, "Publish state", document)
            page.goto(f"{e2e_server.url}/editor/{scenario_id}/")
            saved(page)
            back = page.locator('.react-flow__node[data-id="back"]')
            expect(back.get_by_test_id("warning-badge")).to_be_visible()
            back.click()
            expect(page.get_by_test_id("outside-window-hint")).to_contain_text("appears when a WhatsApp channel")
            expect(back.locator('[data-port="outside_window"]')).to_have_count(0)  # web only: not offered
            page.get_by_test_id("entry-flag").check()
            saved(page)
            expect(back.get_by_test_id("warning-badge")).to_have_count(0, timeout=15_000)
            expect(back.get_by_test_id("entry-chip")).to_have_text("↩ Return point")

        with steps.step("once a WhatsApp channel runs the scenario, the selected message offers 'Outside 24h window'"):
            run_on_whatsapp(e2e_server, scenario_id)
            page.reload()
            saved(page)
            back = page.locator('.react-flow__node[data-id="back"]')
            back.click()
            expect(page.get_by_test_id("outside-window-hint")).to_contain_text("Connect “Outside 24h window”")
            expect(back.locator(".bf-port")).to_have_text(["Next", "Outside 24h window"])
            page.locator('.react-flow__node[data-id="yes"]').click()
            expect(back.locator('[data-port="outside_window"]')).to_have_count(0)  # not selected, not in use

        with steps.step("publishing shows the live version; an edit shows 'Changes not published'"):
            state = page.get_by_test_id("publish-state")
            expect(state).to_have_text("Not published yet")
            page.get_by_test_id("publish").click()
            page.get_by_test_id("publish-confirm").click()
            expect(state).to_have_text("Published v1")
            page.locator('.react-flow__node[data-id="yes"]').click()
            page.get_by_test_id("field-text").fill("Our sales team will answer shortly")
            expect(state).to_have_text("Changes not published", timeout=15_000)
            shot(page, "topbar-unpublished-en", page.locator(".bf-topbar"))
            page.goto(f"{e2e_server.url}/")  # the list says so too
            row = page.get_by_test_id("scenario-table").locator("tr", has_text="Publish state")
            expect(row.get_by_test_id("list-unpublished")).to_have_text("Changes not published")
            page.go_back()
            saved(page)
            page.locator('.react-flow__node[data-id="yes"]').click()

        with steps.step("undoing the edit by hand means nothing to publish; publishing again clears it"):
            page.get_by_test_id("field-text").fill("Sales")
            expect(state).to_have_text("Published v1", timeout=15_000)
            page.get_by_test_id("field-text").fill("Sales, right away")
            expect(state).to_have_text("Changes not published", timeout=15_000)
            page.get_by_test_id("publish").click()
            page.get_by_test_id("publish-confirm").click()
            expect(state).to_have_text("Published v2")
            page.reload()
            expect(page.get_by_test_id("publish-state")).to_have_text("Published v2")


def test_importing_a_taken_name_says_it_was_renamed(e2e_server, e2e_browser, editor_account, steps):
    with browser_context(e2e_browser, locale="ru-RU", width=1280, height=860) as context:
        page = steps.page("editor", context.new_page())
        with steps.step("the import preview says the taken name gets a number, and the list has no twins"):
            login(page, e2e_server.url, *editor_account, next_path="/")
            bundle = page.request.get(f"{e2e_server.url}/api/w/demo/scenarios/").json()
            quiz = next(s for s in bundle if s["slug"] == "quiz")
            exported = page.request.get(f"{e2e_server.url}/api/w/demo/scenarios/{quiz['id']}/export/").body()
            page.get_by_test_id("import-file").set_input_files(
                {"name": "quiz.json", "mimeType": "application/json", "buffer": exported})
            plan = page.get_by_test_id("import-plan")
            expect(plan.get_by_test_id("import-renamed")).to_have_text(
                f"«{quiz['name']}» здесь уже есть: импортирован как «{quiz['name']} (2)»")
            shot(page, "import-renamed-ru", plan)
            plan.get_by_test_id("import-confirm").click()
            page.wait_for_url(re.compile(r"/editor/[0-9a-f-]{36}/$"))
            names = [s["name"] for s in page.request.get(f"{e2e_server.url}/api/w/demo/scenarios/").json()]
            assert len(names) == len(set(names)), names
