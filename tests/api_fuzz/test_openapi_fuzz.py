"""Fuzz every operation of our own OpenAPI schema (drf-spectacular) with schemathesis: never a 5xx.

The schema is loaded from the app itself (GET /api/schema/?format=json, in-process WSGI, no network), so a
new endpoint is fuzzed as soon as it is routed. Each operation runs against a populated workspace; path
parameters point at that workspace's real objects (its slug, scenario, published version, department,
canned reply, channel, conversation, preview) so generated bodies reach the views' real code, not just the
404 of a random id. Integer ids and revisions keep their generated value half of the time, to also
exercise odd values (huge, zero, stale) against the database.

Scenarios, previews and export/import are called as an editor (the role the editor UI uses). Channel,
department, canned-reply and operator management is admin-only, so those run as the workspace admin
(as an editor every call would stop at the 403).

Every 4xx a DRF view answers must be `{"errors": [{path, node_id, code, message}]}` (DESIGN.md).

Bounded and deterministic: a fixed number of examples per operation, derandomized, no example database.
"""

from __future__ import annotations

import json
import os

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.api_fuzz.conftest import server_errors, wsgi_app

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)

# CI default; a deeper (still derandomized) run: API_FUZZ_EXAMPLES=200 pytest tests/api_fuzz
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "15"))
ADMIN_AREAS = ("/channels/", "/departments/", "/canned-replies/", "/operators/")
ERROR_KEYS = {"path", "node_id", "code", "message"}

# (method, path) → (file, exception) of a 500 to tolerate while its fix is pending. Empty: every 500 the fuzz
# found is fixed, with a regression test (test_regressions.py, test_inbox_api_regressions.py). Keep it empty.
KNOWN_SERVER_ERRORS: dict[tuple[str, str], tuple[str, str]] = {}


def is_known(case, traceback: str) -> bool:
    known = KNOWN_SERVER_ERRORS.get((case.method.upper(), case.operation.path))
    if known is None or not traceback:
        return False
    where, error = known
    app_frames = [line for line in traceback.splitlines()
                  if line.lstrip().startswith('File "') and "site-packages" not in line and "/lib/python" not in line]
    return bool(app_frames) and where in app_frames[-1] and traceback.strip().splitlines()[-1].startswith(error)


def _real(generated, real):
    """Keep an odd generated integer (exercises 404s, stale revisions, out-of-range ids); else the real value."""
    if isinstance(generated, int) and not isinstance(generated, bool) and generated % 2:
        return generated
    return real


def point_at_world(case, world) -> None:
    params = dict(case.path_parameters or {})
    path = case.operation.path
    for name in list(params):
        if name in ("ws", "workspace"):
            params[name] = world.workspace.slug
        elif name == "scenario_id":
            params[name] = str(world.scenario.pk)
        elif name == "conversation_id":
            params[name] = world.preview_id if "/preview/" in path else str(world.conversation.pk)
        elif name == "number":
            params[name] = _real(params[name], 1)
        elif name == "user_id":
            params[name] = _real(params[name], world.editor.pk)
        elif name == "id":
            if "/departments/" in path:
                real = world.department.pk
            elif "/canned-replies/" in path:
                real = world.canned.pk
            else:
                real = world.messenger.pk
            params[name] = _real(params[name], real)
    case.path_parameters = params
    if isinstance(case.body, dict) and "revision" in case.body:
        world.scenario.refresh_from_db(fields=["revision"])
        case.body["revision"] = _real(case.body["revision"], world.scenario.revision)


def check_error_shape(response) -> None:
    if not 400 <= response.status_code < 500 or "json" not in response.headers.get("content-type", [""])[0]:
        return
    body = json.loads(response.content)
    assert isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"], body
    for error in body["errors"]:
        assert set(error) >= ERROR_KEYS, error


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large],
)
def test_no_server_errors(case, world):
    point_at_world(case, world)
    auth = world.admin_auth if any(area in case.operation.path for area in ADMIN_AREAS) else world.auth
    server_errors.seen.clear()
    response = case.call(headers=auth)
    if response.status_code >= 500 and is_known(case, "".join(server_errors.seen[-1:])):
        return
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}\n"
        f"body={case.body!r}\nquery={case.query!r}\n" + "\n".join(server_errors.seen[-1:])
    )
    case.validate_response(response, checks=[not_a_server_error])
    check_error_shape(response)
