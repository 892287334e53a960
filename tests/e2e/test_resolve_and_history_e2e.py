"""Issue 12 in a real browser: "Call operator" pressed twice shows no internals on either side; after the
operator resolves, the customer writes again in the same open widget and the bot answers."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e._server import OPERATOR_PASSWORD, customer_reaches_queue, login

# Fixtures e2e_server, e2e_browser and steps: tests/e2e/_server.py, shared through tests/e2e/conftest.py.
pytestmark = pytest.mark.e2e

RAW_ID = re.compile(r"__operator__|\binbox\.[a-z_.]+\b|\b[a-z]+_[A-Za-z0-9]{6,}\b")


def test_call_operator_twice_then_resolve_then_write_again(e2e_server, e2e_browser, steps):
    customer_ctx = e2e_browser.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
    operator_ctx = e2e_browser.new_context(locale="en-US", viewport={"width": 1440, "height": 900})
    try:
        customer = steps.page("customer", customer_ctx.new_page())
        widget = customer_reaches_queue(customer, e2e_server.url, steps)

        with steps.step("call operator again while queued: the place in the queue, no raw id"):
            widget.operator_button.click()
            expect(widget.log).to_contain_text("already in the queue", timeout=15_000)
            expect(widget.log.locator(".msg.customer", has_text="Call operator")).to_have_count(2)
            expect(widget.log.locator(".msg.customer.pending")).to_have_count(0)
            assert "__operator__" not in widget.log.inner_text()

        operator = steps.page("operator", operator_ctx.new_page())
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
    finally:
        operator_ctx.close()
        customer_ctx.close()
