"""Login pages, per-user API tokens, session CSRF, and the OpenAPI schema."""

from __future__ import annotations

from django.test import Client
from rest_framework.test import APIClient

from tests.builder.conftest import url
from tests.support.users import PASSWORD


def test_token_for_valid_credentials_and_errors_for_bad_ones(editor, workspace):
    client = APIClient()
    response = client.post("/api/auth/token/", {"username": "eddie", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    # The same user gets the same token; scripts use it without a session or CSRF.
    assert client.post("/api/auth/token/", {"username": "eddie", "password": PASSWORD}, format="json").json() == {"token": token}
    scripted = APIClient(enforce_csrf_checks=True)
    scripted.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert scripted.get("/api/workspaces/").json()[0]["slug"] == "acme"
    assert scripted.post(url("acme"), {"name": "Via token"}, format="json").status_code == 201

    bad = client.post("/api/auth/token/", {"username": "eddie", "password": "nope"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["code"] == "authorization"
    assert client.post("/api/auth/token/", {}, format="json").json()["errors"][0]["path"] in ("/username", "/password")


def test_anonymous_and_bad_token_are_refused(workspace):
    assert APIClient().get("/api/workspaces/").status_code in (401, 403)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = client.get("/api/workspaces/")
    # 403 rather than 401: session auth is listed first and has no WWW-Authenticate challenge.
    assert response.status_code in (401, 403)
    assert response.json()["errors"][0]["code"] == "authentication_failed"


def test_session_writes_need_csrf(client_for, editor):
    client = client_for(editor, csrf=True)
    response = client.post(url("acme"), {"name": "No CSRF"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["errors"][0]["message"]


def test_login_page_logs_in_and_escapes_input(editor):
    client = Client(enforce_csrf_checks=False)
    page = client.get("/login/")
    assert page.status_code == 200
    assert b'name="password"' in page.content
    failed = client.post("/login/", {"username": "<script>alert(1)</script>", "password": "x"})
    assert failed.status_code == 200
    assert b"<script>alert(1)</script>" not in failed.content
    assert b"&lt;script&gt;" in failed.content
    ok = client.post("/login/", {"username": "eddie", "password": PASSWORD})
    assert ok.status_code == 302
    assert client.get("/api/workspaces/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/api/workspaces/").status_code == 403


def test_openapi_schema_and_docs(api):
    schema = api.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ("/api/w/{ws}/scenarios/{scenario_id}/draft/", "/api/auth/token/", "/api/w/{ws}/scenarios/{scenario_id}/diff/"):
        assert path in text
    assert api.get("/api/docs/").status_code == 200
