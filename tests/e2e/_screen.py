"""What people must never read on screen: internal ids and untranslated UI keys (issue 12, item 4).

Shared by the browser tests. The key pattern is built from the frontend's own dictionaries, so a key family
added there (`connect.`, `inbox.reason.` …) is caught on screen without editing this file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_SRC = Path(__file__).resolve().parents[2] / "frontend" / "src"


def _key_prefixes() -> list[str]:
    prefixes: set[str] = set()
    for path in _SRC.glob("*/i18n*.ts"):
        prefixes.update(re.findall(r'^\s*"([a-z_]+)\.[a-z_.]+"\s*:', path.read_text(encoding="utf-8"), re.M))
    return sorted(prefixes, key=len, reverse=True)


# A dotted key of a known family ("inbox.reason.no_scenario", "connect.open", "finding.unreachable").
RAW_KEY = re.compile(r"\b(?:" + "|".join(map(re.escape, _key_prefixes())) + r")\.[a-z_]+(?:\.[a-z_]+)*\b")
# The ids the editor generates (`<kind>_` + 6 random characters: "buttons_f4cc8v", "b_fefv2l", "e_k2j9x1"),
# visitor ids ("v_zB7u4y14fz…") and the operator button's wire value.
GENERATED_ID = re.compile(
    r"__operator__|\bv_[A-Za-z0-9_-]{10,}|\b(?:b|r|e|n|msg|message|buttons|ask|rating|condition|set_variable|"
    r"http_request|wait|jump|tag|handoff|end|template)_[a-z0-9]{6}\b"
)


def internals(text: str, extra_ids: tuple[str, ...] = ()) -> list[str]:
    """Every internal id or raw key found in `text`; `extra_ids` are a document's own ids (e.g. a template's)."""
    found = RAW_KEY.findall(text) + GENERATED_ID.findall(text)
    found += [i for i in extra_ids if re.search(rf"\b{re.escape(i)}\b", text)]
    return found


def assert_no_internals(page: Any, where: str, extra_ids: tuple[str, ...] = ()) -> None:
    """The visible text of the page (open Shadow DOMs included, e.g. the widget) shows no internals."""
    texts = [page.locator("body").inner_text()]
    # inner_text() of the body does not enter shadow roots: read every open one too.
    texts += page.evaluate(
        "() => [...document.querySelectorAll('*')].filter(e => e.shadowRoot).flatMap(e =>"
        " [...e.shadowRoot.children].filter(c => c.tagName !== 'STYLE').map(c => c.innerText || ''))"
    )
    found = internals("\n".join(texts), extra_ids)
    assert not found, f"{where}: internal ids or untranslated keys on screen: {sorted(set(found))}"
