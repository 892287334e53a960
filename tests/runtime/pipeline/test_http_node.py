"""HTTP node requests against a real HTTP server on loopback, directly and end to end through the task."""

from __future__ import annotations

import json
import socket
import threading

import pytest
from django.test import override_settings
from werkzeug import Response

from runtime import http_fetch
from runtime.http_fetch import fetch
from runtime.models import Conversation
from tests.runtime.pipeline.conftest import conversation, http_document, make_channel, start, texts
from tests.runtime.pipeline.tasks_helper import run_ready_tasks
from tests.support.world import publish_document

allow_loopback = override_settings(HTTP_NODE_ALLOW_PRIVATE=True)


@allow_loopback
def test_json_response(httpserver):
    httpserver.expect_request("/orders/7", method="POST", json={"id": 7},
                              headers={"X-Key": "k1"}).respond_with_json({"status": "shipped"})
    result = fetch("POST", httpserver.url_for("/orders/7"), headers=[("X-Key", "k1")], body='{"id": 7}',
                   timeout_seconds=5)
    assert result == http_fetch.FetchResult(status=200, body={"status": "shipped"}, error=None)


@allow_loopback
def test_server_error_is_http_status_code(httpserver):
    httpserver.expect_request("/boom").respond_with_json({"error": "down"}, status=500)
    result = fetch("GET", httpserver.url_for("/boom"), timeout_seconds=5)
    assert (result.status, result.error, result.body) == (500, "http_500", {"error": "down"})


@allow_loopback
def test_invalid_json(httpserver):
    httpserver.expect_request("/html").respond_with_data("<html>hi</html>", content_type="text/html")
    result = fetch("GET", httpserver.url_for("/html"), timeout_seconds=5)
    assert (result.status, result.error) == (200, "invalid_json")


@allow_loopback
@override_settings(HTTP_NODE_MAX_RESPONSE_BYTES=1024)
def test_oversized_body_is_refused_while_streaming(httpserver):
    def chunks():
        for _ in range(100):
            yield b"x" * 512  # no Content-Length: the cap must hold while reading

    httpserver.expect_request("/big").respond_with_response(Response(chunks(), content_type="application/json"))
    result = fetch("GET", httpserver.url_for("/big"), timeout_seconds=5)
    assert result.error == "too_large"

    httpserver.expect_request("/declared").respond_with_data("y" * 4096, content_type="application/json")
    assert fetch("GET", httpserver.url_for("/declared"), timeout_seconds=5).error == "too_large"


@allow_loopback
def test_timeout():
    # A server that accepts the connection and never answers.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True)
    thread.start()
    try:
        result = fetch("GET", f"http://127.0.0.1:{listener.getsockname()[1]}/slow", timeout_seconds=0.5)
    finally:
        thread.join(timeout=5)
        for conn in accepted:
            conn.close()
        listener.close()
    assert (result.status, result.error) == (None, "timeout")


@override_settings(HTTP_NODE_ALLOW_PRIVATE=False)
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "10.0.0.8", "169.254.169.254", "192.168.1.1"])
def test_private_addresses_are_refused_by_default(httpserver, host):
    httpserver.expect_request("/secret").respond_with_json({"secret": True})
    url = f"http://{host}:{httpserver.port}/secret"
    assert fetch("GET", url, timeout_seconds=2).error == "refused_private_address"
    assert httpserver.log == []  # nothing reached the server


@override_settings(HTTP_NODE_ALLOW_PRIVATE=False)
def test_a_host_that_resolves_to_a_private_address_is_refused(monkeypatch):
    # DNS answers are checked, and the connection goes to the checked address only.
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "",
                                                                 ("10.1.2.3", 80))])
    assert fetch("GET", "http://innocent.example.com/", timeout_seconds=2).error == "refused_private_address"


def test_address_classification():
    assert http_fetch.is_public_address("93.184.216.34")
    for private in ("127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.0.1", "169.254.0.1", "100.64.0.1", "0.0.0.0",
                    "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "224.0.0.1"):
        assert not http_fetch.is_public_address(private), private


@allow_loopback
def test_connection_goes_to_the_resolved_address_with_the_original_host_header(httpserver, monkeypatch):
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo",
                        lambda host, *a, **k: real("127.0.0.1" if host == "api.shop.test" else host, *a, **k))
    httpserver.expect_request("/ping", headers={"Host": f"api.shop.test:{httpserver.port}"}).respond_with_json([1])
    result = fetch("GET", f"http://api.shop.test:{httpserver.port}/ping", timeout_seconds=5)
    assert (result.status, result.body) == (200, [1])


@allow_loopback
def test_redirects_are_rechecked_hop_by_hop(httpserver):
    httpserver.expect_request("/old").respond_with_data("", status=302, headers={"Location": "/new"})
    httpserver.expect_request("/new").respond_with_json({"moved": True})
    assert fetch("GET", httpserver.url_for("/old"), timeout_seconds=5).body == {"moved": True}
    with override_settings(HTTP_NODE_ALLOW_PRIVATE=False):
        # Even a redirect chain cannot lead into the private network.
        assert fetch("GET", httpserver.url_for("/old"), timeout_seconds=5).error == "refused_private_address"




@allow_loopback
def test_http_node_end_to_end_through_the_task(workspace, owner, httpserver):
    httpserver.expect_request("/orders/42").respond_with_json({"order": {"status": "shipped"}})
    scenario = publish_document(workspace, "orders", http_document(httpserver.url_for("/orders/42"), timeout_seconds=2), owner)
    channel = make_channel(workspace, scenario)
    result = start(channel)
    assert texts(result) == []  # the request runs off the request path
    assert conversation(result).state["waiting"] == "http"
    ran = run_ready_tasks()
    assert [(t.task_path, t.return_value) for t in ran] == [("runtime.tasks.perform_http_request", "ok")]
    conv = conversation(result)
    assert conv.state["variables"]["status"] == "shipped"
    assert list(conv.messages.values_list("text", flat=True)) == ["Your order is shipped."]
    assert not conv.pipeline.get("requests")  # nothing pending any more
    assert conv.mode == Conversation.Mode.CLOSED


@override_settings(HTTP_NODE_ALLOW_PRIVATE=False)
def test_http_node_to_a_private_address_takes_the_error_port(workspace, owner, httpserver):
    httpserver.expect_request("/orders/42").respond_with_json({"order": {"status": "shipped"}})
    scenario = publish_document(workspace, "orders", http_document(httpserver.url_for("/orders/42"), timeout_seconds=2), owner)
    result = start(make_channel(workspace, scenario))
    assert [t.return_value for t in run_ready_tasks()] == ["refused_private_address"]
    assert list(conversation(result).messages.values_list("text", flat=True)) == ["Lookup failed (no status)."]
    assert httpserver.log == []


@allow_loopback
def test_late_http_result_for_a_conversation_that_moved_on_is_ignored(workspace, owner, httpserver):
    from runtime.services import apply_http_result

    httpserver.expect_request("/orders/42").respond_with_json({"order": {"status": "shipped"}})
    scenario = publish_document(workspace, "orders", http_document(httpserver.url_for("/orders/42"), timeout_seconds=2), owner)
    result = start(make_channel(workspace, scenario))
    (request_id, token), = conversation(result).pipeline["requests"].items()
    run_ready_tasks()
    body = json.loads('{"order": {"status": "lost"}}')
    assert apply_http_result(result.conversation_id, request_id, token, {"status": 200, "body": body}) is False
    assert conversation(result).state["variables"]["status"] == "shipped"


@allow_loopback
@pytest.mark.parametrize(("url", "headers"), [
    ("http://[::1", ()),  # a broken URL from a template
    ("http://127.0.0.1:1/x", (("X-Name", "Иван"),)),  # a header value that is not ASCII
])
def test_malformed_request_takes_the_error_port_instead_of_raising(url, headers):
    result = fetch("GET", url, headers=headers, timeout_seconds=2)
    assert (result.status, result.error) == (None, "invalid_request")
