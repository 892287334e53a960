"""The editor's "Test request" for http_request nodes: POST /api/w/<ws>/scenarios/<id>/test-request/."""

from __future__ import annotations

import socket

import pytest
from django.test import override_settings

from tests.builder.conftest import url

allow_loopback = override_settings(HTTP_NODE_ALLOW_PRIVATE=True)


def try_node(client, scenario, node, variables=None, ws: str = "acme"):
    body = {"node": node} if variables is None else {"node": node, "variables": variables}
    return client.post(url(ws, scenario.pk, "test-request/"), body, format="json")


@allow_loopback
def test_json_response_is_mapped_into_variables(api, scenario, httpserver):
    httpserver.expect_request(
        "/orders/A 1", method="POST", headers={"X-Key": "k-42"}, json={"email": "a\"b@x.io"},
    ).respond_with_json({"order": {"status": "shipped", "items": [{"sku": "X9"}]}})
    node = {
        "method": "POST",
        "url": httpserver.url_for("/orders/") + "{{order_number}}",
        "headers": [{"name": "X-Key", "value": "k-{{key}}"}],
        "body": '{"email": "{{email}}"}',
        "response_mapping": [{"variable": "order_status", "path": "$.order.status"},
                             {"variable": "sku", "path": "$.order.items[0].sku"},
                             {"variable": "missing", "path": "$.nope"}],
        "timeout_seconds": 5,
    }

    response = try_node(api, scenario, node, {"order_number": "A 1", "key": 42, "email": 'a"b@x.io'})

    assert response.status_code == 200, response.content
    result = response.json()
    assert result["request"] == {
        "method": "POST", "url": httpserver.url_for("/orders/A%201"),
        "headers": [{"name": "X-Key", "value": "k-42"}], "body": '{"email": "a\\"b@x.io"}',
    }
    assert (result["status"], result["error"], result["port"]) == (200, None, "ok")
    assert result["body"] == {"order": {"status": "shipped", "items": [{"sku": "X9"}]}}
    assert result["mapped"] == {"order_status": "shipped", "sku": "X9", "missing": None}
    assert len(httpserver.log) == 1


@allow_loopback
def test_server_error_takes_the_error_port(api, scenario, httpserver):
    httpserver.expect_request("/boom").respond_with_json({"error": "down"}, status=500)
    node = {"method": "GET", "url": httpserver.url_for("/boom"),
            "response_mapping": [{"variable": "order_status", "path": "$.error"}]}

    result = try_node(api, scenario, node).json()

    assert (result["status"], result["error"], result["port"]) == (500, "http_500", "error")
    assert result["body"] == {"error": "down"}
    assert result["mapped"] == {}  # as in a running bot: nothing is saved from a failed call


@allow_loopback
def test_invalid_json_is_an_error_not_a_crash(api, scenario, httpserver):
    httpserver.expect_request("/html").respond_with_data("<html>hi</html>", content_type="text/html")

    response = try_node(api, scenario, {"method": "GET", "url": httpserver.url_for("/html")})

    assert response.status_code == 200
    assert (response.json()["error"], response.json()["body"], response.json()["port"]) == (
        "invalid_json", None, "error")


@allow_loopback
def test_timeout_is_reported(api, scenario):
    listener = socket.socket()  # accepts connections (backlog) and never answers
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        node = {"method": "GET", "url": f"http://127.0.0.1:{listener.getsockname()[1]}/slow", "timeout_seconds": 1}
        response = try_node(api, scenario, node)
    finally:
        listener.close()

    assert response.status_code == 200
    result = response.json()
    assert (result["status"], result["error"], result["port"]) == (None, "timeout", "error")


@override_settings(HTTP_NODE_ALLOW_PRIVATE=False)
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_is_refused_without_the_setting(api, scenario, httpserver, host):
    httpserver.expect_request("/secret").respond_with_json({"secret": True})
    node = {"method": "GET", "url": f"http://{host}:{httpserver.port}/secret",
            "response_mapping": [{"variable": "x", "path": "$.secret"}]}

    response = try_node(api, scenario, node)

    assert response.status_code == 200
    result = response.json()
    assert (result["status"], result["error"], result["port"]) == (None, "refused_private_address", "error")
    assert (result["body"], result["mapped"]) == (None, {})
    assert httpserver.log == []  # nothing reached the server


@pytest.mark.parametrize(("node", "variables", "path", "code"), [
    ({"method": "GET"}, {}, "/node/url", "field_missing"),
    ({"method": "FETCH", "url": "http://x.test/"}, {}, "/node/method", "invalid_value"),
    ({"method": "GET", "url": "http://x.test/", "timeout_seconds": 99}, {}, "/node/timeout_seconds", "too_large"),
    ({"method": "GET", "url": "http://x.test/", "headers": [{"name": "Bad Name", "value": "v"}]}, {},
     "/node/headers/0/name", "invalid_format"),
    ({"method": "GET", "url": "http://x.test/", "response_mapping": [{"variable": "x", "path": "$..[oops"}]}, {},
     "/node/response_mapping/0/path", "json_path_invalid"),
    ("not a node", {}, "/node", "wrong_type"),
    ({"method": "GET", "url": "http://x.test/"}, ["order_number"], "/variables", "wrong_type"),
    ({"method": "GET", "url": "http://x.test/"}, {"bad name": "1"}, "/variables", "invalid_format"),
])
def test_invalid_input_is_a_400_with_a_path(api, scenario, node, variables, path, code):
    response = try_node(api, scenario, node, variables)

    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert any(e["path"] == path and e["code"] == code for e in errors), errors
    assert all(set(e) == {"path", "node_id", "code", "message"} for e in errors)


def test_a_missing_node_is_a_400(api, scenario):
    response = api.post(url("acme", scenario.pk, "test-request/"), {}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "/node"


@allow_loopback
def test_operators_cannot_try_requests(client_for, operator, scenario, httpserver):
    node = {"method": "GET", "url": httpserver.url_for("/x")}

    response = try_node(client_for(operator), scenario, node)

    assert response.status_code == 403
    assert httpserver.log == []


@allow_loopback
def test_another_workspace_is_404(client_for, editor, scenario, other_workspace, httpserver):
    node = {"method": "GET", "url": httpserver.url_for("/x")}
    foreign = other_workspace.scenarios.get()
    client = client_for(editor)

    assert try_node(client, foreign, node, ws="other").status_code == 404  # not a member of "other"
    assert try_node(client, foreign, node, ws="acme").status_code == 404  # its scenario id under my slug
    assert httpserver.log == []


@allow_loopback
def test_admins_may_try_requests(client_for, admin_user, scenario, httpserver):
    httpserver.expect_request("/ok").respond_with_json([1, 2])

    response = try_node(client_for(admin_user), scenario, {"method": "GET", "url": httpserver.url_for("/ok")})

    assert (response.status_code, response.json()["body"], response.json()["port"]) == (200, [1, 2], "ok")
