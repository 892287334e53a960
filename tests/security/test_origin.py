"""The inbox socket carries an operator's session cookie: only our own origin (scheme, host and port) may
open it (issue #11, item 8a). Another port or scheme of an allowed host is another site."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from channels_app.asgi import application
from tests.channels_app.conftest import make_world, receive_until
from tests.support.users import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def inbox_socket(cookie: str, slug: str, *, origin: str | None, host: str = "127.0.0.1:8000",
                 scheme: str = "ws") -> WebsocketCommunicator:
    headers = [(b"host", host.encode()), (b"cookie", f"sessionid={cookie}".encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    communicator = WebsocketCommunicator(application, f"/ws/inbox/?workspace={slug}", headers=headers)
    communicator.scope["scheme"] = scheme  # as daphne sets it: ws, or wss behind TLS
    return communicator


@pytest.fixture
async def operator_cookie(transactional_db):
    world = await database_sync_to_async(make_world)()
    return world, await database_sync_to_async(session_cookie)(world.operator)


async def opens(communicator: WebsocketCommunicator) -> bool:
    connected, _ = await communicator.connect()
    if connected:
        await receive_until(communicator, "snapshot")
        await communicator.disconnect()
    return connected


@pytest.mark.parametrize("origin", [
    "http://127.0.0.1:8877",   # another service on the same machine
    "https://127.0.0.1",       # the same host on another scheme (and port)
    "https://127.0.0.1:8000",  # the same host and port on another scheme
    "http://127.0.0.1",        # the same host on the default port
    "http://localhost:8000",   # an allowed host, but not the one this socket was opened on
    "https://evil.example",
    "null",                    # an opaque origin (sandboxed iframe, file://)
    None,                      # no Origin header at all
])
async def test_the_inbox_refuses_other_origins(operator_cookie, settings, origin):
    world, cookie = operator_cookie
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert not await opens(inbox_socket(cookie, world.workspace.slug, origin=origin))


async def test_the_inbox_accepts_its_own_origin_on_any_port(operator_cookie, settings):
    world, cookie = operator_cookie
    settings.SITE_URL = "https://chat.example.com"
    # A server on a random port (the e2e tests) serves its pages and its socket from the same origin.
    assert await opens(inbox_socket(cookie, world.workspace.slug, origin="http://127.0.0.1:41234",
                                    host="127.0.0.1:41234"))
    assert await opens(inbox_socket(cookie, world.workspace.slug, origin="https://127.0.0.1:41234",
                                    host="127.0.0.1:41234", scheme="wss"))
    # Over plain ws, an https page of the same host is someone else.
    assert not await opens(inbox_socket(cookie, world.workspace.slug, origin="https://127.0.0.1:41234",
                                        host="127.0.0.1:41234"))


async def test_the_site_url_and_trusted_origins_are_accepted_behind_a_proxy(operator_cookie, settings):
    world, cookie = operator_cookie
    settings.SITE_URL = "https://chat.example.com"
    settings.CSRF_TRUSTED_ORIGINS = ["https://inbox.example.com"]
    settings.ALLOWED_HOSTS = ["chat.example.com", "inbox.example.com", "127.0.0.1"]
    # TLS ends at the proxy: the socket reaches us as ws, the page was https.
    for origin in ("https://chat.example.com", "https://chat.example.com:443", "https://inbox.example.com"):
        assert await opens(inbox_socket(cookie, world.workspace.slug, origin=origin, host="chat.example.com"))
    assert not await opens(inbox_socket(cookie, world.workspace.slug, origin="https://chat.example.com:8443",
                                        host="chat.example.com"))


async def test_a_host_outside_allowed_hosts_is_not_its_own_origin(operator_cookie, settings):
    world, cookie = operator_cookie
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    assert not await opens(inbox_socket(cookie, world.workspace.slug, origin="http://evil.example",
                                        host="evil.example"))
