"""The operator inbox and the widget together in a real browser (issue 6, test 3): the operator gets the
chat in the queue, claims it, sees the transcript and the handoff context, both sides see each other
typing, a private note stays private, the reply reaches the customer, the operator returns the customer
to the bot's rating node and the customer rates."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from tests.e2e._browser import customer_and_operator
from tests.e2e._server import OPERATOR_PASSWORD, ROOT, Widget, customer_reaches_queue, login

# Fixtures e2e_server, e2e_browser and steps: tests/e2e/_server.py, shared through tests/e2e/conftest.py.
pytestmark = pytest.mark.e2e

# `E2E_DOCS_SCREENSHOTS=1 pytest tests/e2e/test_inbox_e2e.py` refreshes the README screenshots.
DOCS_SCREENSHOTS = os.environ.get("E2E_DOCS_SCREENSHOTS") == "1"
REPLY = "Hi! I'm from the support team. How can I help you today?"


def test_operator_claims_replies_and_returns_the_customer_to_the_rating(e2e_server, e2e_browser, steps):
    with customer_and_operator(e2e_browser, steps) as (customer, operator):
        widget = customer_reaches_queue(customer, e2e_server.url, steps)

        with steps.step("operator logs in and sees the chat in the queue"):
            login(operator, e2e_server.url, "operator", OPERATOR_PASSWORD, "/inbox/")
            expect(operator.get_by_role("status").filter(has_text="Connected")).to_be_visible(timeout=15_000)
            queue = operator.get_by_test_id("queue")
            items = queue.locator("li[data-conversation]")
            expect(items.first).to_be_visible(timeout=15_000)
            # Oldest first: the chat that just arrived is the last one.
            item = items.last
            conversation_id = item.get_attribute("data-conversation")
            assert conversation_id

        with steps.step("operator claims it and sees the bot transcript and the handoff context"):
            item.get_by_role("button", name="Claim").click()
            chat = operator.get_by_role("main")
            expect(chat.locator(".ib-mode")).to_have_text("Live", timeout=15_000)
            transcript = operator.locator(".ib-msgs")
            expect(transcript.locator('[data-sender="bot"]', has_text="Welcome to Botflow")).to_have_count(1)
            expect(transcript.locator('[data-sender="customer"]', has_text="Try the demo bot")).to_have_count(1)
            expect(transcript.locator('[data-sender="system"]').first).to_be_visible()
            expect(operator.get_by_test_id("handoff")).to_contain_text("call operator")
            mine = operator.get_by_test_id("mine")
            expect(mine.locator(f'li[data-conversation="{conversation_id}"]')).to_be_visible()
            expect(queue.locator(f'li[data-conversation="{conversation_id}"]')).to_have_count(0)
            expect(widget.log).to_contain_text("joined the chat", timeout=15_000)
            expect(widget.status).to_be_hidden()

        with steps.step("typing indicators both ways"):
            reply_box = operator.get_by_role("textbox", name="Reply")
            reply_box.press_sequentially("Hi", delay=30)
            expect(widget.typing).to_be_visible(timeout=10_000)
            expect(widget.typing).to_have_text("Operator is typing…")
            widget.input.press_sequentially("hel", delay=30)
            expect(operator.locator(".ib-typing")).to_have_text("Customer is typing…", timeout=10_000)
            widget.input.fill("")

        with steps.step("a private note stays with the operators"):
            operator.get_by_role("tab", name=re.compile("Private note")).click()
            note_box = operator.get_by_role("textbox", name="Private note")
            note_box.fill("VIP customer, offer the annual plan")
            note_box.press("Enter")
            expect(transcript.locator('[data-sender="note"]', has_text="VIP customer")).to_have_count(1,
                                                                                                     timeout=10_000)
            operator.get_by_role("tab", name="Reply").click()

        with steps.step("operator replies and the customer sees it in the widget"):
            widget.close_button.click()  # the customer looks away: the reply shows up as an unread badge
            expect(widget.dialog).to_be_hidden()
            reply_box.fill(REPLY)
            reply_box.press("Enter")
            expect(transcript.locator('[data-sender="operator"]', has_text=REPLY)).to_have_count(1, timeout=10_000)
            expect(widget.badge).to_have_text("1", timeout=10_000)
            widget.open()
            expect(widget.badge).to_be_hidden()
            expect(widget.log.locator(".msg.operator", has_text=REPLY)).to_have_count(1, timeout=10_000)
            expect(widget.log).not_to_contain_text("VIP customer")
            widget.say("My order #1234 has not arrived yet.")
            expect(transcript.locator('[data-sender="customer"]', has_text="#1234")).to_have_count(1, timeout=10_000)

        with steps.step("a canned reply picked with / is filled in and sent"):
            reply_box.fill("/ord")
            picker = operator.get_by_role("listbox", name="Canned replies")
            expect(picker.get_by_role("option")).to_have_count(1)
            expect(picker.get_by_role("option")).to_contain_text("/order")
            reply_box.press("Enter")
            expect(reply_box).to_have_value("Thanks for waiting! Let me check your order right away.")
            reply_box.press("Enter")
            expect(widget.log.locator(".msg.operator", has_text="Let me check your order")).to_have_count(1)

        if DOCS_SCREENSHOTS:
            # A second visitor waiting in the Sales queue makes the README picture tell the whole story.
            other_ctx = e2e_browser.new_context(locale="en-US")
            other = other_ctx.new_page()
            other_widget = Widget(other)
            other.goto(f"{e2e_server.url}/demo/")
            other_widget.open()
            other_widget.press("Talk to sales")
            expect(queue.locator("li[data-conversation]")).to_have_count(1)
            other_ctx.close()
            shots = ROOT / "docs" / "screenshots"
            shots.mkdir(parents=True, exist_ok=True)
            operator.screenshot(path=str(shots / "inbox.png"))
            customer.screenshot(path=str(shots / "widget.png"))

        with steps.step("operator returns the customer to the bot's rating node"):
            operator.get_by_role("button", name="Return to bot").click()
            dialog = operator.get_by_role("dialog", name="Return to bot")
            picker = dialog.get_by_test_id("return-node")
            # Steps are named by kind and text, never by their id.
            expect(picker.locator("option", has_text="Rating: How did we do?")).to_have_count(1, timeout=10_000)
            picker.select_option("rate")
            dialog.get_by_role("button", name="Return to bot").click()
            expect(dialog).to_be_hidden()
            expect(mine.locator(f'li[data-conversation="{conversation_id}"]')).to_have_count(0, timeout=10_000)
            expect(chat.locator(".ib-mode")).to_have_text("With the bot", timeout=10_000)

        with steps.step("the customer rates"):
            expect(widget.log).to_contain_text("How did we do?", timeout=15_000)
            buttons = widget.last_buttons()
            expect(buttons.first).to_be_visible()
            assert buttons.count() == 5, [buttons.nth(i).inner_text() for i in range(buttons.count())]
            buttons.last.click()
            expect(widget.log).to_contain_text("Thank you for your rating!", timeout=15_000)
            expect(transcript).to_contain_text("Thank you for your rating!", timeout=10_000)
            # Live, without a reload: the rating among the variables and the mode the bot's end left the chat in.
            rating = operator.get_by_test_id("variables").locator("tr", has=operator.locator("th", has_text=re.compile(r"^rating$")))
            expect(rating).to_contain_text("5", timeout=10_000)
            expect(chat.locator(".ib-mode")).to_have_text("Resolved", timeout=10_000)


def test_operator_transfers_to_sales_then_resolves(e2e_server, e2e_browser, steps):
    with customer_and_operator(e2e_browser, steps, customer_height=720) as (customer, operator):
        widget = customer_reaches_queue(customer, e2e_server.url, steps)
        with steps.step("operator claims the newest chat"):
            login(operator, e2e_server.url, "operator", OPERATOR_PASSWORD, "/inbox/")
            queue = operator.get_by_test_id("queue")
            item = queue.locator("li[data-conversation]").last
            expect(item).to_be_visible()
            conversation_id = item.get_attribute("data-conversation")
            item.get_by_role("button", name="Claim").click()
            expect(operator.get_by_role("main").locator(".ib-mode")).to_have_text("Live")
        with steps.step("operator transfers it to the Sales department with a note"):
            operator.get_by_role("button", name="Transfer").click()
            dialog = operator.get_by_role("dialog", name="Transfer")
            dialog.get_by_role("combobox").first.select_option(label="Sales")
            dialog.get_by_role("textbox").fill("Wants the annual plan")
            dialog.get_by_role("button", name="Transfer").click()
            expect(dialog).to_be_hidden()
            row = queue.locator(f'li[data-conversation="{conversation_id}"]')
            expect(row).to_be_visible()
            expect(row.locator(".ib-chip")).to_have_text("Sales")
            expect(operator.get_by_test_id("mine").locator(f'li[data-conversation="{conversation_id}"]')).to_have_count(0)
            expect(operator.locator(".ib-msgs [data-sender='note']", has_text="Wants the annual plan")).to_have_count(1)
            expect(widget.log).not_to_contain_text("Wants the annual plan")
        with steps.step("operator resolves the queued chat and the customer is told"):
            operator.get_by_role("button", name="Resolve").click()
            expect(operator.get_by_role("main").locator(".ib-mode")).to_have_text("Resolved")
            expect(queue.locator(f'li[data-conversation="{conversation_id}"]')).to_have_count(0)
            expect(widget.log).to_contain_text("resolved")
            expect(widget.status).to_be_hidden()
