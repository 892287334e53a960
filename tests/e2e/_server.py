"""Fixtures for the widget and inbox browser tests: a real daphne server with the demo loaded, and Chromium.

Shared with the editor tests through tests/e2e/conftest.py, which imports them. The server runs in its own
process on a free loopback port with its own database: a SQLite file under the test's temp folder, or (when
DATABASE_URL points at PostgreSQL) a fresh database next to it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit, urlunsplit
from urllib.request import urlopen

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
DIST = FRONTEND / "dist"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
OPERATOR_PASSWORD = "operator-e2e-pass-1"
ADMIN_PASSWORD = "admin-e2e-pass-1"

# A server's tables straight from the models (no migration files, like `pytest --nomigrations`), run in its
# environment (same settings, same database) before daphne starts.
SCHEMA_SCRIPT = r'''
import os, sys
import django
django.setup()
from django.conf import settings

class _NoMigrations(dict):
    def __contains__(self, item):
        return True
    def __getitem__(self, item):
        return None

settings.MIGRATION_MODULES = _NoMigrations()
from django.core.management import call_command
call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
'''

# The tables, then the demo, known passwords, and a rating node in the welcome scenario (published through the
# real builder services) so an operator can return the customer to it.
SETUP_SCRIPT = SCHEMA_SCRIPT + r'''
call_command("load_demo", verbosity=0)

from django.contrib.auth import get_user_model
from builder import services
from builder.models import Scenario
from runtime.models import Channel

User = get_user_model()
for name, password in (("operator", os.environ["E2E_OPERATOR_PASSWORD"]), ("admin", os.environ["E2E_ADMIN_PASSWORD"])):
    user = User.objects.get(username=name)
    user.set_password(password)
    user.save(update_fields=["password"])

# load_demo itself lets SITE_URL (this server's random port) embed the demo widget.
channel = Channel.objects.get(key="demo-widget")

from channels_app import services as inbox_services
from channels_app.models import CannedReply
if not CannedReply.objects.filter(workspace=channel.workspace, shortcut="order").exists():
    inbox_services.create_canned_reply(channel.workspace, title="Order status", shortcut="order",
                                    text="Thanks {{contact_name|for waiting}}! Let me check your order right away.")

# The widget's scenario and the one its "demo" button jumps to, so whichever one the conversation runs
# when it is handed off offers a rating node.
for scenario in Scenario.objects.filter(workspace=channel.workspace, slug__in=["welcome", "quiz"]):
    document = scenario.published_version.document if scenario.published_version_id else scenario.draft
    if any(n.get("type") == "rating" for n in document["nodes"]):
        continue
    document = dict(document)
    document["nodes"] = [*document["nodes"],
        {"id": "rate", "type": "rating", "position": {"x": 900, "y": 400},
         "data": {"prompt": "How did we do? Please rate the conversation.", "ask_comment": False,
                  "thanks_text": "Thank you for your rating!"}},
        {"id": "rate_end", "type": "end", "position": {"x": 1200, "y": 400}, "data": {}}]
    document["edges"] = [*document["edges"],
        {"id": "e_rate_end", "source": "rate", "source_port": "next", "target": "rate_end"}]
    services.save_draft(scenario, document, scenario.revision)
    services.publish(scenario, note="e2e: rating node")
print("SETUP-OK")
'''


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chromium_or_skip() -> str:
    if not Path(CHROMIUM).exists():
        message = (f"\n{'!' * 78}\n!! Chromium not found at {CHROMIUM}: the widget/inbox browser tests are SKIPPED.\n"
                   f"!! Install it (apt-get install chromium) to run them; CI does.\n{'!' * 78}\n")
        sys.stderr.write(message)
        pytest.skip(message.strip())
    return CHROMIUM


def ensure_frontend_built() -> None:
    """The shells need dist/ (manifest + widget.js); build it once when missing."""
    if (DIST / ".vite" / "manifest.json").is_file() and (DIST / "widget.js").is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("frontend/dist is missing and npm is not installed: run `make frontend` first")
    if not (FRONTEND / "node_modules").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, check=True)
    subprocess.run([npm, "run", "build"], cwd=FRONTEND, check=True)


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _postgres_database(url: str) -> tuple[str, str, str] | None:
    """(server url, test db url, db name) for a PostgreSQL DATABASE_URL, else None."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        return None
    name = f"test_botflow_e2e_rt_{uuid.uuid4().hex[:8]}"
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path="/" + name)), name


def _pg_admin(server_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql)


def stop(*processes: subprocess.Popen) -> None:
    """Terminate the processes, then wait for each (killing one that does not stop within 10 s)."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def server_place(tmp_path_factory: pytest.TempPathFactory, name: str) -> tuple[Path, int, str]:
    """What a browser-test server needs first: Chromium (or a skip), a built frontend, a folder, a free port."""
    chromium_or_skip()
    ensure_frontend_built()
    port = free_port()
    return tmp_path_factory.mktemp(name), port, f"http://127.0.0.1:{port}"


def server_env(url: str, **extra: str) -> dict[str, str]:
    """A server process's environment: this one's, the app's settings with DEBUG on, `url` as its own address."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update({"DJANGO_SETTINGS_MODULE": "channels_app.settings", "DEBUG": "1", "SITE_URL": url,
                "ALLOWED_HOSTS": "127.0.0.1,localhost", "PYTHONUNBUFFERED": "1", **extra})
    return env


@contextlib.contextmanager
def own_database(env: dict[str, str], sqlite_path: Path) -> Iterator[None]:
    """Point a server's `env` at a database of its own: a new PostgreSQL database beside DATABASE_URL's
    (dropped afterwards), else a SQLite file."""
    pg = _postgres_database(env.get("DATABASE_URL", ""))
    if pg:
        _pg_admin(pg[0], f'CREATE DATABASE "{pg[2]}"')
        env["DATABASE_URL"] = pg[1]
    else:
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(sqlite_path)
    try:
        yield
    finally:
        if pg:
            with contextlib.suppress(Exception):
                _pg_admin(pg[0], f'DROP DATABASE IF EXISTS "{pg[2]}" WITH (FORCE)')


def wait_until_serving(server: Server, path: str, limit: float) -> None:
    """Poll `path` until the server answers 200; fail with its log if daphne exits or `limit` seconds pass."""
    deadline = time.monotonic() + limit
    while True:
        if server.process.poll() is not None:
            pytest.fail(f"daphne exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            with urlopen(f"{server.url}{path}", timeout=2) as response:
                if response.status == 200:
                    return
        except (URLError, OSError):
            pass
        if time.monotonic() > deadline:
            server.process.kill()
            pytest.fail(f"daphne did not answer within {limit:.0f} s:\n{server.log_tail()}")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """daphne serving the whole app (HTTP + websockets) on a free port, the demo loaded."""
    workdir, port, url = server_place(tmp_path_factory, "e2e-realtime-server")
    env = server_env(
        url, E2E_ORIGIN=url, E2E_OPERATOR_PASSWORD=OPERATOR_PASSWORD, E2E_ADMIN_PASSWORD=ADMIN_PASSWORD,
        # Every browser of the session connects from 127.0.0.1: room for all their new widget chats in a minute.
        WIDGET_NEW_CONVERSATIONS_PER_IP_PER_MINUTE="1000",
    )
    with own_database(env, workdir / "e2e.sqlite3"):
        yield from _serve_demo(workdir, port, url, env)


def _serve_demo(workdir: Path, port: int, url: str, env: dict[str, str]) -> Iterator[Server]:
    python = sys.executable
    setup = subprocess.run([python, "-c", SETUP_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=300)
    if setup.returncode != 0 or "SETUP-OK" not in setup.stdout:
        pytest.fail(f"e2e database setup failed:\n{setup.stdout[-3000:]}\n{setup.stderr[-6000:]}")
    log_path = workdir / "daphne.log"
    log = log_path.open("w")
    daphne = str(Path(python).with_name("daphne"))
    process = subprocess.Popen(
        [daphne, "-b", "127.0.0.1", "-p", str(port), "channels_app.asgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    server = Server(url=url, process=process, log_path=log_path, env=env)
    wait_until_serving(server, "/demo/", 60)
    try:
        yield server
    finally:
        stop(process)
        log.close()


@pytest.fixture(scope="session")
def e2e_browser(e2e_server: Server) -> Iterator[Any]:
    """One headless Debian Chromium for the session; each test opens its own contexts."""
    from playwright.sync_api import expect, sync_playwright

    # The machine running the suite may be busy (CI, parallel builds): wait longer than Playwright's 5 s.
    expect.set_options(timeout=15_000)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_or_skip(), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120]


class Steps:
    """Named steps; when one fails, every open page is screenshotted under the test's output folder."""

    def __init__(self, output: Path, server: Server) -> None:
        self.output = output
        self.server = server
        self.pages: dict[str, Any] = {}
        self.count = 0

    def page(self, name: str, page: Any) -> Any:
        self.pages[name] = page
        return page

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        self.count += 1
        label = f"{self.count:02d}-{_slug(name)}"
        try:
            yield
        except BaseException:
            self.output.mkdir(parents=True, exist_ok=True)
            for page_name, page in self.pages.items():
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(self.output / f"{label}-{page_name}.png"), full_page=True)
            with contextlib.suppress(Exception):
                (self.output / "daphne.log").write_text(self.server.log_tail(400))
            raise


@pytest.fixture
def steps(request: pytest.FixtureRequest, e2e_server: Server) -> Steps:
    """Per-test output folder: test-results/<test name>/ at the repository root."""
    output = ROOT / "test-results" / _slug(request.node.nodeid.replace("/", "-").replace("::", "-"))
    return Steps(output, e2e_server)


def login(page: Any, base_url: str, username: str, password: str, next_path: str = "/inbox/") -> None:
    """Log in through the real login form (whatever its markup: Django's auth form field names)."""
    page.goto(f"{base_url}/login/?next={next_path}")
    page.locator('input[name="username"]').fill(username)
    page.locator('input[name="password"]').fill(password)
    page.locator('input[name="password"]').press("Enter")
    page.wait_for_url(re.compile(re.escape(next_path)))


__all__ = [
    "ADMIN_PASSWORD", "OPERATOR_PASSWORD", "ROOT", "Server", "Steps", "e2e_browser", "e2e_server", "login", "steps",
]


# --- the customer's side, shared by the widget and inbox tests ----------------------------------------------


class Widget:
    """The demo page's chat widget, seen the way a customer (and a screen reader) sees it.

    Playwright's role and CSS selectors pierce the widget's open Shadow DOM.
    """

    def __init__(self, page: Any) -> None:
        self.page = page
        self.host = page.locator("[data-botflow-widget]")
        self.launcher = self.host.locator("button.launcher")
        self.dialog = page.get_by_role("dialog")
        self.log = page.get_by_role("log")
        self.status = self.host.locator(".status")
        self.typing = self.host.locator(".typing")
        self.input = page.get_by_role("textbox", name="Type a message…")
        self.operator_button = page.get_by_role("button", name="Call operator", exact=True)
        self.close_button = self.host.locator("header button.close")
        self.badge = self.launcher.locator(".badge")

    def open(self) -> None:
        self.launcher.click()

    def press(self, label: str) -> None:
        self.log.get_by_role("button", name=label, exact=True).click()

    def say(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def last_buttons(self) -> Any:
        return self.host.locator(".btns").last.locator("button")


def customer_reaches_queue(page: Any, base_url: str, steps: Steps) -> Widget:
    """Issue 6, test 2: the demo page, the widget, the welcome, a button, "call operator", the queue."""
    from playwright.sync_api import expect

    widget = Widget(page)
    with steps.step("customer opens the demo site"):
        page.goto(f"{base_url}/demo/")
        expect(page.get_by_role("heading", name=re.compile("Freshly roasted coffee"))).to_be_visible()
        expect(widget.launcher).to_be_visible()
        expect(widget.launcher).to_have_attribute("aria-expanded", "false")
    with steps.step("customer opens the widget and gets the welcome message"):
        widget.open()
        expect(widget.dialog).to_be_visible()
        expect(widget.launcher).to_have_attribute("aria-expanded", "true")
        expect(widget.dialog).to_contain_text("Botflow demo")  # the channel's title
        expect(widget.log).to_contain_text("Welcome to Botflow", timeout=15_000)
        expect(widget.log.get_by_role("button", name="Try the demo bot", exact=True)).to_be_visible()
        expect(widget.input).to_be_focused()
    with steps.step("customer presses a button"):
        widget.press("Try the demo bot")
        expect(widget.log).to_contain_text("short quiz", timeout=15_000)
        expect(widget.log.locator(".msg.customer", has_text="Try the demo bot")).to_have_count(1)
    with steps.step("customer presses call operator and sees the queue position"):
        expect(widget.operator_button).to_be_visible()
        widget.operator_button.click()
        expect(widget.status).to_be_visible(timeout=15_000)
        expect(widget.status).to_contain_text(re.compile(r"You are #\d+ in the queue"))
        # The estimate follows the department's recent claims, which earlier tests of the session make quick.
        expect(widget.status).to_contain_text(re.compile(r"expected wait|answer in under a minute"))
    return widget


__all__ += ["Widget", "customer_reaches_queue"]
