"""The chat widget in a real browser against the real server (issue 6, test 2, plus the widget's promises:
resume after reload, Esc closes, text never becomes markup, phone-sized screens, the size budget)."""

from __future__ import annotations

import gzip
import re

import pytest
from playwright.sync_api import expect

from tests.e2e._server import ROOT, Widget, customer_reaches_queue

# Fixtures e2e_server, e2e_browser and steps: tests/e2e/_server.py, shared through tests/e2e/conftest.py.
pytestmark = pytest.mark.e2e

WIDGET_BUDGET_BYTES = 15 * 1024


def test_customer_calls_an_operator_from_the_widget(e2e_server, e2e_browser, steps):
    context = e2e_browser.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
    try:
        page = steps.page("customer", context.new_page())
        widget = customer_reaches_queue(page, e2e_server.url, steps)

        with steps.step("customer text is shown as text, never as markup"):
            widget.say("<b>not bold</b> <img src=x onerror=alert(1)>")
            expect(widget.log.locator(".msg.customer").last).to_have_text("<b>not bold</b> <img src=x onerror=alert(1)>")
            expect(widget.log.locator(".msg.customer").last).not_to_have_class(re.compile(r"\bpending\b"), timeout=10_000)
            assert widget.host.locator(".log b, .log img").count() == 0

        with steps.step("Esc closes the chat and gives focus back to the launcher"):
            widget.input.focus()
            page.keyboard.press("Escape")
            expect(widget.dialog).to_be_hidden()
            expect(widget.launcher).to_be_focused()
            expect(widget.launcher).to_have_attribute("aria-expanded", "false")

        with steps.step("after a reload the conversation resumes from the stored token"):
            page.reload()
            widget = Widget(page)
            widget.open()
            expect(widget.log).to_contain_text("Welcome to Botflow", timeout=15_000)
            expect(widget.log).to_contain_text("<b>not bold</b>")
            # Replayed once: every stored message appears exactly once.
            expect(widget.log.locator(".msg", has_text="Welcome to Botflow")).to_have_count(1)
            expect(widget.status).to_contain_text("in the queue", timeout=15_000)
    finally:
        context.close()


def test_widget_fills_a_phone_screen_and_speaks_russian(e2e_server, e2e_browser, steps):
    context = e2e_browser.new_context(locale="ru-RU", viewport={"width": 375, "height": 667}, is_mobile=True,
                                      has_touch=True)
    try:
        page = steps.page("phone", context.new_page())
        with steps.step("the launcher is labelled in Russian"):
            page.goto(f"{e2e_server.url}/demo/")
            launcher = page.get_by_role("button", name="Открыть чат")
            expect(launcher).to_be_visible()
        with steps.step("the open chat covers the whole phone screen"):
            launcher.click()
            dialog = page.get_by_role("dialog")
            expect(dialog).to_be_visible()
            expect(page.get_by_role("button", name="Позвать оператора")).to_be_visible()
            box = dialog.bounding_box()
            assert box is not None
            assert (round(box["width"]), round(box["height"])) == (375, 667)
            expect(page.get_by_role("log")).to_contain_text("Welcome to Botflow", timeout=15_000)
        with steps.step("the close button closes it"):
            page.get_by_role("button", name="Закрыть чат").first.click()
            expect(dialog).to_be_hidden()
    finally:
        context.close()


def test_widget_bundle_is_within_its_size_budget(e2e_server):
    # e2e_server builds frontend/dist when it is missing; the build itself also fails above the budget.
    bundle = (ROOT / "frontend" / "dist" / "widget.js").read_bytes()
    size = len(gzip.compress(bundle, compresslevel=9))
    assert 0 < size <= WIDGET_BUDGET_BYTES, f"widget.js is {size} bytes gzipped"
    assert b"innerHTML" not in bundle
