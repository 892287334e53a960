"""The provider double enforces the documented limits, so a rendering bug fails here as it would live."""

from __future__ import annotations

import httpx

from runtime.connectors.double import ProviderDouble


def test_telegram_limits_and_failures():
    with ProviderDouble() as double:
        url = f"{double.url}/bot1:token/sendMessage"
        too_long = {"chat_id": 1, "text": "x", "reply_markup": {"inline_keyboard": [[
            {"text": "A", "callback_data": "x" * 65}]]}}
        answer = httpx.post(url, json=too_long)
        assert answer.status_code == 400 and "BUTTON_DATA_INVALID" in answer.json()["description"]
        assert httpx.post(url, json={"chat_id": 1, "text": " "}).status_code == 400
        double.fail_next(1, status=429, retry_after=3)
        limited = httpx.post(url, json={"chat_id": 1, "text": "hi"})
        assert limited.status_code == 429 and limited.json()["parameters"]["retry_after"] == 3
        assert httpx.post(url, json={"chat_id": 1, "text": "hi"}).json()["ok"] is True
        assert [c.status for c in double.calls("sendMessage", status=None)] == [400, 400, 429, 200]


def test_whatsapp_limits_and_retry_after_header():
    with ProviderDouble() as double:
        url = f"{double.url}/v21.0/555/messages"
        base = {"messaging_product": "whatsapp", "to": "1", "type": "interactive"}
        four = {**base, "interactive": {"type": "button", "body": {"text": "Pick"}, "action": {"buttons": [
            {"type": "reply", "reply": {"id": str(i), "title": "T"}} for i in range(4)]}}}
        assert httpx.post(url, json=four).status_code == 400
        long_title = {**base, "interactive": {"type": "button", "body": {"text": "Pick"}, "action": {"buttons": [
            {"type": "reply", "reply": {"id": "1", "title": "x" * 21}}]}}}
        assert "max 20" in httpx.post(url, json=long_title).json()["error"]["message"]
        double.fail_next(1, status=503, retry_after=2)
        failed = httpx.post(url, json={**base, "type": "text", "text": {"body": "hi"}})
        assert failed.status_code == 503 and failed.headers["Retry-After"] == "2"
