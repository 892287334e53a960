"""A local stand-in for the Telegram Bot API and the WhatsApp Cloud API, for tests and demos.

A real HTTP server on loopback (stdlib http.server in a thread) implementing the calls our connectors
make, enforcing the providers' documented limits (so a rendering bug fails like it would in production),
recording every request, answering 429 (with retry_after / Retry-After) or 5xx on demand, and posting
webhooks to our server signed the way the providers sign them.

    with ProviderDouble() as double:
        settings.TELEGRAM_API_BASE = double.url
        double.fail_next(2, status=429, retry_after=1)
        double.post_telegram_update(webhook_url, update, secret)
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

TELEGRAM_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")
GRAPH_PATH = re.compile(r"^/(?P<version>v\d+\.\d+)/(?P<object>[^/]+)/(?P<edge>messages|message_templates)$")
TELEGRAM_METHODS = {"sendMessage", "sendPhoto", "sendDocument", "answerCallbackQuery", "setWebhook", "getMe",
                    "deleteWebhook", "getWebhookInfo"}


@dataclass(slots=True)
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any  # parsed JSON (or None)
    status: int = 0  # what the double answered

    @property
    def api_method(self) -> str:
        """Telegram method name or Graph edge ("messages", "message_templates")."""
        return self.path.rstrip("/").rsplit("/", 1)[-1]


@dataclass(slots=True)
class Failure:
    status: int
    retry_after: int | None
    match: str  # substring of the path; "" matches every request


@dataclass(slots=True)
class Hold:
    """A request held open by the double (`hold_next`): `arrived` when it comes in; it is answered (and recorded,
    as the provider would have processed it) once the test calls `release()`; `answered` after that."""

    match: str
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    answered: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()

    @staticmethod
    def take(holds: list[Hold], lock: threading.Lock, path: str) -> Hold | None:
        """The first hold matching `path`, taken off `holds`; when there is one, wait here until it is released."""
        with lock:
            hold = next((h for h in holds if h.match in path), None)
            if hold is not None:
                holds.remove(hold)
        if hold is not None:
            hold.arrived.set()
            hold.released.wait(timeout=300)
        return hold


@dataclass
class ProviderDouble:
    host: str = "127.0.0.1"
    port: int = 0
    # When non-empty, only these credentials are accepted (401 otherwise).
    telegram_tokens: set[str] = field(default_factory=set)
    whatsapp_tokens: set[str] = field(default_factory=set)
    # WhatsApp Business Account id → templates as the Graph API lists them.
    templates: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.requests: list[Recorded] = []
        self.webhooks: dict[str, dict[str, Any]] = {}  # bot token → setWebhook arguments
        self._failures: list[Failure] = []
        self._holds: list[Hold] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1000)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> ProviderDouble:
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                double._handle(self, "GET")

            def do_POST(self) -> None:
                double._handle(self, "POST")

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                return

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="provider-double", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ProviderDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the double first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- test controls -----------------------------------------------------------------------------
    def fail_next(self, count: int = 1, status: int = 429, retry_after: int | None = None, match: str = "") -> None:
        """The next `count` requests whose path contains `match` are answered with `status`."""
        with self._lock:
            self._failures.extend(Failure(status, retry_after, match) for _ in range(count))

    def hold_next(self, match: str = "") -> Hold:
        """Hold the next request whose path contains `match` open until `release()`: a deterministic point at
        which a test can kill the process waiting for the provider's answer."""
        hold = Hold(match)
        with self._lock:
            self._holds.append(hold)
        return hold

    def calls(self, name: str = "", status: int | None = 200) -> list[Recorded]:
        """Recorded requests whose Telegram method / Graph edge is `name` (all when empty)."""
        with self._lock:
            return [
                r for r in self.requests
                if (not name or r.api_method == name) and (status is None or r.status == status)
            ]

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    # --- webhooks to our server ----------------------------------------------------------------------
    @staticmethod
    def post_telegram_update(url: str, update: dict[str, Any], secret: str | None) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return httpx.post(url, content=json.dumps(update).encode(), headers=headers, timeout=30)

    @staticmethod
    def sign(raw: bytes, app_secret: str) -> str:
        return "sha256=" + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()

    @classmethod
    def post_whatsapp_notification(
        cls, url: str, payload: dict[str, Any] | bytes, app_secret: str | None, signature: str | None = None
    ) -> httpx.Response:
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        elif app_secret is not None:
            headers["X-Hub-Signature-256"] = cls.sign(raw, app_secret)
        return httpx.post(url, content=raw, headers=headers, timeout=30)

    @staticmethod
    def whatsapp_handshake(url: str, verify_token: str, challenge: str = "1158201444") -> httpx.Response:
        params = {"hub.mode": "subscribe", "hub.verify_token": verify_token, "hub.challenge": challenge}
        return httpx.get(url, params=params, timeout=30)

    # --- request handling ------------------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        record = Recorded(method, parts.path, parse_qs(parts.query), dict(handler.headers.items()), body)
        hold = Hold.take(self._holds, self._lock, parts.path)
        status, headers, answer = self._answer(record)
        record.status = status
        with self._lock:
            self.requests.append(record)
        data = json.dumps(answer).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the caller went away (a killed worker, in tests): the request was processed all the same
        finally:
            if hold is not None:
                hold.answered.set()

    def _take_failure(self, path: str) -> Failure | None:
        with self._lock:
            for index, failure in enumerate(self._failures):
                if failure.match in path:
                    return self._failures.pop(index)
        return None

    def _answer(self, r: Recorded) -> tuple[int, dict[str, str], Any]:
        telegram = TELEGRAM_PATH.match(r.path)
        graph = GRAPH_PATH.match(r.path)
        if not telegram and not graph:
            return 404, {}, {"error": "not found"}
        failure = self._take_failure(r.path)
        if telegram:
            if failure:
                return self._telegram_failure(failure)
            return self._telegram(telegram["token"], telegram["method"], r.body if isinstance(r.body, dict) else {})
        if failure:
            return self._graph_failure(failure)
        token = r.headers.get("Authorization", "").removeprefix("Bearer ")
        if self.whatsapp_tokens and token not in self.whatsapp_tokens:
            return 401, {}, _graph_error(190, "Invalid OAuth access token.", "OAuthException")
        if graph["edge"] == "messages" and r.method == "POST":
            return self._whatsapp_message(r.body if isinstance(r.body, dict) else {})
        if graph["edge"] == "message_templates":
            return self._templates(graph["object"], r)
        return 400, {}, _graph_error(100, "Unsupported request")

    # Telegram --------------------------------------------------------------------------------------------
    @staticmethod
    def _telegram_failure(f: Failure) -> tuple[int, dict[str, str], Any]:
        if f.status == 429:
            wait = f.retry_after or 1
            return 429, {}, {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {wait}",
                             "parameters": {"retry_after": wait}}
        return f.status, {}, {"ok": False, "error_code": f.status, "description": "Internal Server Error"}

    def _telegram(self, token: str, method: str, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        if self.telegram_tokens and token not in self.telegram_tokens:
            return 401, {}, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if method not in TELEGRAM_METHODS:
            return 404, {}, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        if method == "getMe":
            bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
            return 200, {}, {"ok": True, "result": {"id": bot_id, "is_bot": True, "first_name": "Double",
                                                    "username": "double_bot"}}
        if method == "setWebhook":
            secret = str(body.get("secret_token") or "")
            if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
                return _bad("secret token contains unallowed characters")
            self.webhooks[token] = body
            return 200, {}, {"ok": True, "result": True, "description": "Webhook was set"}
        if method == "deleteWebhook":
            self.webhooks.pop(token, None)
            return 200, {}, {"ok": True, "result": True}
        if method == "getWebhookInfo":
            info = self.webhooks.get(token, {})
            return 200, {}, {"ok": True, "result": {"url": info.get("url", ""), "pending_update_count": 0}}
        if method == "answerCallbackQuery":
            if not body.get("callback_query_id"):
                return _bad("query id is empty")
            return 200, {}, {"ok": True, "result": True}
        if "chat_id" not in body:
            return _bad("chat_id is empty")
        problem = _check_keyboard(body.get("reply_markup"))
        if problem:
            return _bad(problem)
        result: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": int(body["chat_id"]) if str(body["chat_id"]).lstrip("-").isdigit() else 0, "type": "private"},
        }
        if method == "sendMessage":
            text = str(body.get("text") or "")
            if not text.strip():
                return _bad("message text is empty")
            if len(text) > 4096:
                return _bad("message is too long")
            result["text"] = text
        else:
            field_name = "photo" if method == "sendPhoto" else "document"
            if not body.get(field_name):
                return _bad(f"there is no {field_name} in the request")
            if len(str(body.get("caption") or "")) > 1024:
                return _bad("message caption is too long")
        return 200, {}, {"ok": True, "result": result}

    # WhatsApp ----------------------------------------------------------------------------------------------
    @staticmethod
    def _graph_failure(f: Failure) -> tuple[int, dict[str, str], Any]:
        headers = {"Retry-After": str(f.retry_after)} if f.retry_after is not None else {}
        if f.status == 429:
            return 429, headers, _graph_error(130429, "Rate limit hit", "OAuthException")
        return f.status, headers, _graph_error(1, "An unknown error occurred", "OAuthException")

    def _whatsapp_message(self, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        if body.get("messaging_product") != "whatsapp" or not body.get("to"):
            return 400, {}, _graph_error(100, "Invalid parameter: messaging_product and to are required")
        problem = _check_whatsapp(body)
        if problem:
            return 400, {}, _graph_error(131009, f"Parameter value is not valid: {problem}")
        wamid = f"wamid.DOUBLE{next(self._ids)}"
        return 200, {}, {"messaging_product": "whatsapp", "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                         "messages": [{"id": wamid}]}

    def _templates(self, account: str, r: Recorded) -> tuple[int, dict[str, str], Any]:
        items = self.templates.setdefault(account, [])
        if r.method == "GET":
            return 200, {}, {"data": items, "paging": {"cursors": {"before": "MAZDZD", "after": "MjQZD"}}}
        body = r.body if isinstance(r.body, dict) else {}
        if not re.fullmatch(r"[a-z0-9_]{1,512}", str(body.get("name", ""))):
            return 400, {}, _graph_error(100, "Invalid parameter: name")
        item = {"id": str(next(self._ids)), "status": "PENDING", **body}
        items.append(item)
        return 200, {}, {"id": item["id"], "status": "PENDING", "category": body.get("category", "UTILITY")}


def _bad(description: str) -> tuple[int, dict[str, str], Any]:
    return 400, {}, {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}


def _graph_error(code: int, message: str, kind: str = "OAuthException") -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": code, "fbtrace_id": "ADoubleTrace"}}


def _check_keyboard(markup: Any) -> str:
    if markup is None:
        return ""
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list):
        return "can't parse reply keyboard markup JSON object"
    for row in rows:
        for button in row:
            data = str(button.get("callback_data", ""))
            if not button.get("text"):
                return "text buttons are unallowed in the inline keyboard"
            if not 1 <= len(data.encode()) <= 64:
                return "BUTTON_DATA_INVALID"
    return ""


def _check_whatsapp(body: dict[str, Any]) -> str:
    kind = body.get("type")
    if kind == "text":
        text = str((body.get("text") or {}).get("body") or "")
        return "" if 0 < len(text) <= 4096 else "text.body length"
    if kind == "interactive":
        interactive = body.get("interactive") or {}
        text = str((interactive.get("body") or {}).get("text") or "")
        if not 0 < len(text) <= 1024:
            return "interactive.body.text length"
        action = interactive.get("action") or {}
        if interactive.get("type") == "button":
            buttons = action.get("buttons") or []
            if not 1 <= len(buttons) <= 3:
                return "at most 3 reply buttons"
            for b in buttons:
                if not 1 <= len(str(b["reply"]["title"])) <= 20:
                    return "button title length (max 20)"
            return ""
        if interactive.get("type") == "list":
            rows = [row for section in action.get("sections") or [] for row in section.get("rows") or []]
            if not 1 <= len(rows) <= 10:
                return "a list holds 1-10 rows"
            if not 1 <= len(str(action.get("button") or "")) <= 20:
                return "list button label length (max 20)"
            for row in rows:
                if not 1 <= len(str(row.get("title") or "")) <= 24:
                    return "row title length (max 24)"
                if len(str(row.get("description") or "")) > 72:
                    return "row description length (max 72)"
            return ""
        return "interactive.type"
    if kind in ("image", "document", "video", "audio"):
        item = body.get(kind) or {}
        if not item.get("link") and not item.get("id"):
            return f"{kind}.link or {kind}.id required"
        return "" if len(str(item.get("caption") or "")) <= 1024 else "caption length"
    if kind == "template":
        template = body.get("template") or {}
        return "" if template.get("name") and (template.get("language") or {}).get("code") else "template name/language"
    return f"unsupported type {kind!r}"
