"""Helpers the browser tests share: a fresh browser context per test, and the scenarios API called through a
page's own session (its cookies and CSRF token), the way the editor calls it."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def browser_context(browser: Any, *, locale: str = "en-US", width: int = 1440, height: int = 900,
                    **options: Any) -> Iterator[Any]:
    """A new context (its own cookies and storage) at this locale and window size, closed afterwards."""
    context = browser.new_context(locale=locale, viewport={"width": width, "height": height}, **options)
    try:
        yield context
    finally:
        context.close()


class ScenariosApi:
    """`/api/w/<workspace>/scenarios/` with the signed-in session of `page`."""

    def __init__(self, page: Any, base_url: str, workspace: str = "demo") -> None:
        self.page = page
        self.url = f"{base_url}/api/w/{workspace}/scenarios/"
        csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
        self.headers = {"Content-Type": "application/json", "X-CSRFToken": csrf}

    def call(self, method: str, path: str = "", body: Any = None) -> Any:
        data = None if body is None else json.dumps(body)
        response = self.page.request.fetch(self.url + path, method=method, data=data, headers=self.headers)
        assert response.ok, response.text()
        return response.json()

    def create(self, name: str, document: dict[str, Any]) -> dict[str, Any]:
        return self.call("POST", "", {"name": name, "document": document})


@contextlib.contextmanager
def customer_and_operator(browser: Any, steps: Any, *, locale: str = "en-US",
                          customer_height: int = 800) -> Iterator[tuple[Any, Any]]:
    """The customer's page (1280 px wide) and the operator's (1440 px), each in a context of its own."""
    with (
        browser_context(browser, locale=locale, width=1280, height=customer_height) as customer_ctx,
        browser_context(browser, locale=locale) as operator_ctx,
    ):
        yield steps.page("customer", customer_ctx.new_page()), steps.page("operator", operator_ctx.new_page())


def expand(toggle: Any, attempts: int = 3) -> None:
    """Click a disclosure button until it reports `aria-expanded="true"`. Under a loaded CI machine a click can
    land while the list is being re-rendered from a fetch; the user then clicks again, and so do we."""
    from playwright.sync_api import expect

    for attempt in range(attempts):
        if toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
        try:
            expect(toggle).to_have_attribute("aria-expanded", "true", timeout=5_000)
            return
        except AssertionError:
            if attempt == attempts - 1:
                raise
