"""Response headers (issue #11, item 8c): a Content-Security-Policy on our own pages, Referrer-Policy and
X-Content-Type-Options everywhere, HSTS only when the deployment says it serves TLS (and never with DEBUG).
That the pages still work under the policy in Chromium is tests/e2e/test_csp_e2e.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.test import Client

from tests.settings.test_settings import ROOT


@pytest.fixture
def admin(alpha) -> Client:
    client = Client()
    client.force_login(alpha.admin)
    return client


def pages(world) -> list[str]:
    return ["/", f"/editor/{world.scenario.pk}/", "/settings/", "/inbox/", "/demo/",
            f"/w/{world.web_channel.key}/test/"]


def csp(response) -> dict[str, str]:
    header = response.get("Content-Security-Policy", "")
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def assert_our_policy(response) -> None:
    policy = csp(response)
    assert policy, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    assert policy["script-src"] == "script-src 'self'"  # no inline or injected script runs
    assert policy["object-src"] == "object-src 'none'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert "'self'" in policy["connect-src"]


def test_our_pages_carry_the_policy(alpha, admin):
    for path in pages(alpha):
        response = admin.get(path)
        assert response.status_code == 200, path
        assert_our_policy(response)
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


def test_the_login_page_carries_the_policy(db):
    response = Client().get("/login/")
    assert response.status_code == 200
    assert_our_policy(response)


def test_json_and_the_widget_script_are_not_given_a_page_policy(alpha, admin, settings, tmp_path):
    api = admin.get("/api/workspaces/")
    assert api.status_code == 200 and "Content-Security-Policy" not in api
    assert api["X-Content-Type-Options"] == "nosniff"
    # The widget script runs inside customers' pages: their policy applies, ours would mean nothing.
    (tmp_path / "widget.js").write_text("/* widget */")
    settings.FRONTEND_DIST = tmp_path
    script = Client().get("/static/widget.js")
    assert script.status_code == 200
    assert "Content-Security-Policy" not in script
    assert script["Access-Control-Allow-Origin"] == "*"


def test_the_policy_is_a_setting(alpha, admin, settings):
    settings.CONTENT_SECURITY_POLICY = "default-src 'none'"
    assert admin.get("/inbox/")["Content-Security-Policy"] == "default-src 'none'"
    settings.CONTENT_SECURITY_POLICY = ""
    assert "Content-Security-Policy" not in admin.get("/inbox/")


def test_hsts_is_sent_on_https_when_configured(alpha, admin, settings):
    assert "Strict-Transport-Security" not in admin.get("/inbox/", secure=True)  # off unless configured
    settings.SECURE_HSTS_SECONDS = 31_536_000
    client = Client()  # SecurityMiddleware reads its settings when a handler loads it
    client.force_login(alpha.admin)
    assert "Strict-Transport-Security" not in client.get("/inbox/")  # never over plain http
    assert client.get("/inbox/", secure=True)["Strict-Transport-Security"] == "max-age=31536000"


def load(**env: str) -> dict:
    code = ("import json, os; os.environ['DJANGO_SETTINGS_MODULE']='channels_app.settings';"
            "from channels_app import settings as s;"
            "print(json.dumps([s.SECURE_HSTS_SECONDS, getattr(s, 'SECURE_PROXY_SSL_HEADER', None)]))")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SECURE_") and k not in ("DEBUG", "SECRET_KEY")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_hsts_settings_come_from_the_environment_and_need_debug_off():
    production = {"DEBUG": "0", "SECRET_KEY": "k" * 50}
    assert load(**production) == [0, None]  # off by default: a browser remembers HSTS, never by accident
    assert load(**production, SECURE_HSTS_SECONDS="31536000", SECURE_PROXY_SSL_HEADER="1") == [
        31536000, ["HTTP_X_FORWARDED_PROTO", "https"]]
    assert load(DEBUG="1", SECURE_HSTS_SECONDS="31536000")[0] == 0
