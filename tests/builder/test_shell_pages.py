"""The server-rendered shell pages of the editor (/, /editor/<uuid>/, /settings/): login required, scoped to
the caller's workspaces, bootstrap data as JSON (never interpolated into markup), bundles from the manifest."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from builder import services, views

pytestmark = pytest.mark.django_db

MANIFEST = {
    "_client-abc.js": {"file": "assets/client-abc.js", "css": ["assets/flow-1.css"]},
    "src/editor/main.tsx": {
        "file": "assets/editor-123.js",
        "src": "src/editor/main.tsx",
        "isEntry": True,
        "imports": ["_client-abc.js"],
        "css": ["assets/editor-9.css"],
    },
}


@pytest.fixture
def dist(tmp_path, settings):
    (tmp_path / ".vite").mkdir()
    (tmp_path / ".vite" / "manifest.json").write_text(json.dumps(MANIFEST))
    settings.FRONTEND_DIST = tmp_path
    return tmp_path


def bootstrap_of(response) -> dict:
    match = re.search(
        rb'<script id="bootstrap" type="application/json">(.*?)</script>', response.content, re.S
    )
    assert match, response.content[:500]
    return json.loads(match.group(1))


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", ["/", "/settings/", "/editor/00000000-0000-0000-0000-000000000000/"])
def test_pages_redirect_anonymous_users_to_login(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/login/?next={path}")


def test_scenario_list_loads_the_editor_bundle_with_bootstrap_data(dist, workspace, admin_user):
    response = logged_in(admin_user).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<link rel="stylesheet" href="/static/assets/flow-1.css">' in html
    assert '<link rel="stylesheet" href="/static/assets/editor-9.css">' in html
    assert '<link rel="modulepreload" href="/static/assets/client-abc.js">' in html
    assert '<script type="module" src="/static/assets/editor-123.js"></script>' in html
    assert 'data-page="list"' in html
    boot = bootstrap_of(response)
    assert boot["workspace"] == "acme"
    assert boot["role"] == "admin"
    assert boot["user"]["username"] == "alice"
    assert boot["workspaces"] == [{"slug": "acme", "name": "Acme", "role": "admin"}]
    assert boot["csrf_token"]


def test_bootstrap_data_cannot_break_out_of_the_script_tag(dist, make_user):
    user = make_user("mallory")
    services.create_workspace("</script><script>alert(1)</script>", "evil", owner=user)
    response = logged_in(user).get("/")
    assert b"<script>alert(1)" not in response.content
    assert bootstrap_of(response)["workspaces"][0]["name"] == "</script><script>alert(1)</script>"


def test_editor_page_is_scoped_to_the_callers_workspaces(dist, workspace, admin_user, make_user):
    scenario = services.create_scenario(workspace, "Welcome", user=admin_user)
    response = logged_in(admin_user).get(f"/editor/{scenario.pk}/")
    assert response.status_code == 200
    boot = bootstrap_of(response)
    assert boot["scenario_id"] == str(scenario.pk)
    assert boot["workspace"] == "acme"
    assert 'data-page="editor"' in response.content.decode()

    outsider = make_user("eve")
    services.create_workspace("Other", "other", owner=outsider)
    assert logged_in(outsider).get(f"/editor/{scenario.pk}/").status_code == 404


def test_workspace_is_picked_by_query_and_remembered(dist, admin_user):
    services.create_workspace("Beta", "beta", owner=admin_user)
    services.create_workspace("Alpha", "alpha", owner=admin_user)
    client = logged_in(admin_user)
    assert bootstrap_of(client.get("/"))["workspace"] == "alpha"  # first by name
    assert bootstrap_of(client.get("/?ws=beta"))["workspace"] == "beta"
    assert bootstrap_of(client.get("/settings/"))["workspace"] == "beta"
    assert bootstrap_of(client.get("/?ws=not-mine"))["workspace"] == "beta"


def test_user_without_a_workspace_is_told_so(dist, make_user):
    response = logged_in(make_user("nobody")).get("/")
    assert response.status_code == 403
    assert b"No workspace yet" in response.content


def test_missing_build_says_how_to_build_it(tmp_path, settings, workspace, admin_user):
    settings.FRONTEND_DIST = tmp_path / "nothing-here"
    response = logged_in(admin_user).get("/")
    assert response.status_code == 200
    assert b"make frontend" in response.content


def test_vite_assets_picks_up_a_rebuilt_manifest(dist):
    assert "editor-123.js" in views.vite_assets("src/editor/main.tsx")
    manifest = dict(MANIFEST)
    manifest["src/editor/main.tsx"] = {**MANIFEST["src/editor/main.tsx"], "file": "assets/editor-456.js"}
    path = dist / ".vite" / "manifest.json"
    path.write_text(json.dumps(manifest))
    import os

    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    assert "editor-456.js" in views.vite_assets("src/editor/main.tsx")
