"""Our pages work under their Content-Security-Policy in Chromium (issue #11, item 8c): login, the scenario
list, the editor, settings, the inbox and the demo site with the widget render and connect, and the browser
reports no policy violation (neither a `securitypolicyviolation` event nor a console error)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e._server import ADMIN_PASSWORD, Widget, login

pytestmark = pytest.mark.e2e

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
});
"""


def violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def test_our_pages_run_under_their_policy(e2e_server, e2e_browser, steps):
    context = e2e_browser.new_context(locale="en-US", viewport={"width": 1280, "height": 860})
    context.add_init_script(RECORD_VIOLATIONS)
    page = steps.page("admin", context.new_page())
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    policies: list[str] = []
    page.on("response", lambda r: policies.append(r.headers.get("content-security-policy", ""))
            if r.request.resource_type == "document" else None)
    base = e2e_server.url
    seen: dict[str, list[str]] = {}

    with steps.step("the login page carries the policy and logs in"):
        login(page, base, "admin", ADMIN_PASSWORD, next_path="/")
        assert policies and all("script-src 'self'" in p for p in policies), policies
        seen["login"] = violations(page)
    with steps.step("the scenario list renders"):
        expect(page.get_by_test_id("new-scenario-name")).to_be_visible()
        seen["list"] = violations(page)
    with steps.step("the editor renders and saves"):
        page.locator('a[href^="/editor/"]').first.click()
        page.wait_for_url(re.compile(r"/editor/[0-9a-f-]{36}/$"))
        expect(page.get_by_test_id("canvas")).to_be_visible()
        expect(page.locator(".react-flow__node").first).to_be_visible()
        seen["editor"] = violations(page)
    with steps.step("the settings page renders"):
        page.goto(f"{base}/settings/")
        expect(page.locator("#root > *").first).to_be_visible()
        seen["settings"] = violations(page)
    with steps.step("the inbox renders and its socket connects"):
        page.goto(f"{base}/inbox/")
        expect(page.locator("#root > *").first).to_be_visible()
        expect(page.get_by_text("Connected", exact=True)).to_be_visible(timeout=15_000)  # the inbox socket
        seen["inbox"] = violations(page)
    with steps.step("the demo site's widget opens and talks to the bot"):
        customer = steps.page("customer", context.new_page())
        customer.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        customer.goto(f"{base}/demo/")
        widget = Widget(customer)
        widget.open()
        expect(widget.log).to_contain_text("Welcome to Botflow", timeout=15_000)
        seen["demo"] = violations(customer)

    assert all("script-src 'self'" in p for p in policies), policies
    assert {name: v for name, v in seen.items() if v} == {}
    assert [e for e in console_errors if "Content Security Policy" in e or "Refused to" in e] == []
    context.close()
