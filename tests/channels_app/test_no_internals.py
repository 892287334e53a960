"""Issue 12: no internals in front of people. Every handoff reason the backend can emit is enumerated from the
source (so a new reason breaks this test) and must have an English and a Russian text in the inbox, where the
frontend also falls back to a generic text (frontend/src/inbox/people.test.ts)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REASON_SOURCES = ["runtime/engine/interpreter.py", "runtime/pipeline/turn.py", "runtime/services.py",
                  "channels_app/queue.py", "channels_app/services.py"]
REASON_PATTERNS = [re.compile(r'_handoff\(run,\s*"([a-z_]+)"'), re.compile(r'reason="([a-z_]+)"')]


def backend_reasons() -> set[str]:
    found: set[str] = set()
    for name in REASON_SOURCES:
        text = (ROOT / name).read_text()
        for pattern in REASON_PATTERNS:
            found.update(pattern.findall(text))
    return found


def dictionary(path: str, lang: str) -> dict[str, str]:
    """The English / Russian table of a frontend i18n module (`const EN = {…}` / `const RU: Dict<…> = {…}`),
    as key → text."""
    text = (ROOT / path).read_text()
    start = re.search(rf"^const {lang.upper()}(?::[^=]*)? = \{{", text, re.M)
    assert start, f"no {lang} table in {path}"
    depth, i = 0, start.end() - 1
    for i in range(start.end() - 1, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            break
    body = text[start.end():i]
    return dict(re.findall(r'"([^"]+)":\s*"((?:[^"\\]|\\.)*)"', body))


def test_the_source_scan_sees_the_known_reasons():
    assert {"button", "keyword", "node", "error", "reopened", "no_scenario"} <= backend_reasons()


def test_every_handoff_reason_reads_as_text_in_english_and_russian():
    for lang in ("en", "ru"):
        table = dictionary("frontend/src/inbox/i18n.ts", lang)
        missing = sorted(r for r in backend_reasons() if not table.get(f"inbox.reason.{r}"))
        assert not missing, f"{lang}: no inbox text for handoff reason(s) {missing}"
        assert table.get("inbox.reason.other"), f"{lang}: no generic reason text"


def test_every_handoff_reason_reads_as_text_in_the_editors_preview_too():
    for lang in ("en", "ru"):
        table = dictionary("frontend/src/editor/i18n.ts", lang)
        missing = sorted(r for r in backend_reasons() if not table.get(f"preview.reason.{r}"))
        assert not missing, f"{lang}: no preview text for handoff reason(s) {missing}"
