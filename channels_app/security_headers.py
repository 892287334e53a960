"""The site's security middleware: Django's SecurityMiddleware, plus a Content-Security-Policy for our own
pages (Django 5.2 has none built in), plus the edge refusal of text no database can store
(builder/text_input.py). One class on purpose: every middleware adds stack frames under each view, and
deeply nested JSON is decoded recursively there, so the depth the API accepts shrinks with each one.

Our pages (login, scenario list, editor, settings, inbox, demo, widget test page) load scripts only from
our own origin as files (Vite's build, /static/widget.js); the bootstrap data is a `json_script` block, which
is data, not code. So `script-src 'self'` without 'unsafe-inline': an injected <script> or onclick= does not
run. Inline styles stay allowed (templates and the widget style themselves inline); images and media may be
any http(s) URL, because scenario media are links to customers' own files.

The header goes on HTML responses only: the widget script embedded on customers' sites is JavaScript, and
a policy on it would mean nothing there (the embedding page's own policy applies). Django's admin and the
API docs page (which loads Swagger UI from a CDN) are not our pages and are left alone.
Other headers come from Django's SecurityMiddleware, configured in settings.py: X-Content-Type-Options,
Referrer-Policy, Cross-Origin-Opener-Policy, and HSTS when SECURE_HSTS_SECONDS says so (README "Security").
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.security import SecurityMiddleware as DjangoSecurityMiddleware

from builder.text_input import refuse_bad_body

DEFAULT_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob: https: http:",
    "media-src 'self' blob: https: http:",
    "font-src 'self' data:",
    "connect-src 'self'",  # the API and our websockets ('self' covers ws/wss to this host and port)
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
EXEMPT_PREFIXES = ("/admin/", "/api/docs/")


class SecurityMiddleware(DjangoSecurityMiddleware):
    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        return super().process_request(request) or refuse_bad_body(request)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response = super().process_response(request, response)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_POLICY)
        if (
            policy
            and "Content-Security-Policy" not in response
            and response.get("Content-Type", "").startswith("text/html")
            and not request.path.startswith(EXEMPT_PREFIXES)
        ):
            response["Content-Security-Policy"] = policy
        return response
