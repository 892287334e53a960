"""Shared e2e fixtures: the real server (daphne on a free port, its own database, the demo loaded) and
Debian's Chromium come from `tests/e2e/_server.py`; this file adds the editor's account.

Chromium missing → the browser tests skip with a loud message (only then).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e._server import ROOT, Server, e2e_browser, e2e_server, steps  # noqa: F401  (shared fixtures)

EDITOR_PASSWORD = "editor-e2e-pass-1"

_SET_PASSWORD = r"""
import os, django
django.setup()
from django.contrib.auth import get_user_model
user = get_user_model().objects.get(username="editor")
user.set_password(os.environ["E2E_EDITOR_PASSWORD"])
user.save(update_fields=["password"])
print("PASSWORD-OK")
"""


@pytest.fixture(scope="session")
def editor_account(e2e_server: Server) -> tuple[str, str]:  # noqa: F811  (the fixture, by name)
    """The demo's `editor` user (role: editor) with a known password, set in the server's own database."""
    env = {**e2e_server.env, "E2E_EDITOR_PASSWORD": EDITOR_PASSWORD}
    done = subprocess.run(
        [sys.executable, "-c", _SET_PASSWORD], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if "PASSWORD-OK" not in done.stdout:
        pytest.fail(f"could not set the editor's password:\n{done.stdout}\n{done.stderr[-4000:]}")
    return "editor", EDITOR_PASSWORD
