"""Structured fuzz of the scenario document: a valid document with a few values replaced or removed.

Schemathesis only knows `document` as "any JSON", so it rarely gets past the first type check. Here a real
document (every node type) is damaged in 1–3 places with any JSON value, or a key dropped, and sent
wherever a document goes in: validate, create, save draft, preview (plus a few turns), publish, and import
(as a bundle, dry run and real). Every answer must be below 500, and a refused import writes nothing.
Bounded and deterministic (derandomized, fixed example count).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from builder.models import Scenario
from tests.api_fuzz.conftest import server_errors
from tests.support.documents import full_document

WORDS = ["", "welcome", "sales", "support", "next", "else", "ask_email", "check", "buttons", "message", "ask",
         "handoff", "jump", "end", "{{email}}", "{{x", "email", "points", "1", "faq", "$.id", "a.b", "x\x01"]
SCALARS = (st.none() | st.booleans() | st.integers(-(2**70), 2**70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8) | st.sampled_from(WORDS))
JUNK = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.text(max_size=6) | st.sampled_from(WORDS), inner, max_size=3), max_leaves=6)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


BASE = full_document()
PATHS = _paths(BASE)


@st.composite
def damaged_documents(draw) -> dict[str, Any]:
    document = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent = document
        try:
            for key in path[:-1]:
                parent = parent[key]
            if draw(st.integers(0, 3)) == 0 and isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent[path[-1]] = draw(JUNK)
        except (KeyError, IndexError, TypeError):
            pass  # an earlier change replaced this branch
    return document


@given(document=damaged_documents())
@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_damaged_documents_never_500(world, document):
    api = APIClient()
    api.raise_request_exception = False
    api.credentials(HTTP_AUTHORIZATION=f"Token {world.token}")
    base = f"/api/w/acme/scenarios/{world.scenario.pk}/"

    def send(method: str, url: str, body: Any = None):
        server_errors.seen.clear()
        response = getattr(api, method)(url, body, format="json") if body is not None else getattr(api, method)(url)
        assert response.status_code < 500, (
            f"{method.upper()} {url} -> {response.status_code}\n{json.dumps(document)[:3000]}\n"
            + "".join(server_errors.seen[-1:])
        )
        return response

    send("post", base + "validate/", {"document": document})
    send("post", "/api/w/acme/scenarios/", {"name": "Fuzzed", "document": document})
    bundle = {"format": "botflow/bundle", "version": 1,
              "scenarios": [{"slug": "fuzzed-import", "name": "Fuzzed", "document": document}]}
    send("post", "/api/w/acme/import/?dry_run=1", bundle)
    before = Scenario.objects.count()
    if send("post", "/api/w/acme/import/?create_missing=1", bundle).status_code >= 400:
        assert Scenario.objects.count() == before  # all-or-nothing
    world.scenario.refresh_from_db(fields=["revision"])
    send("put", base + "draft/", {"document": document, "revision": world.scenario.revision})
    started = send("post", base + "preview/", {})
    if started.status_code == 201:
        preview = f"/api/w/acme/preview/{started.json()['conversation_id']}/"
        for turn in ({"button_id": "sales"}, {"text": "a@vip.example"}, {"text": "5"}, {"text": "operator"}):
            send("post", preview, turn)
        send("get", preview)
    send("post", base + "publish/", {})
