"""Server-rendered shell pages. Each one loads a Vite bundle (found through dist/.vite/manifest.json)
and hands it bootstrap data through json_script; the React apps do the rest over the JSON API."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language_from_request

from builder import throttle
from builder.models import Membership, Scenario

SESSION_WORKSPACE_KEY = "botflow_workspace"


def _manifest_path() -> Path:
    return Path(settings.FRONTEND_DIST) / ".vite" / "manifest.json"


@lru_cache(maxsize=4)
def _load_manifest(path: str, mtime: float) -> dict[str, Any]:
    # Keyed on mtime so a rebuild is picked up without a restart.
    return json.loads(Path(path).read_text(encoding="utf-8"))


def read_manifest() -> dict[str, Any] | None:
    path = _manifest_path()
    try:
        return _load_manifest(str(path), path.stat().st_mtime)
    except (OSError, ValueError):
        return None


def vite_assets(entry: str) -> SafeString:
    """<link>/<script> tags for one Vite entry, e.g. vite_assets("src/inbox/main.tsx")."""
    manifest = read_manifest()
    if manifest is None or entry not in manifest:
        return format_html(
            '<div class="bf-missing">The frontend is not built: run <code>make frontend</code> '
            "(npm ci &amp;&amp; npm run build in frontend/). Missing entry: {}</div>",
            entry,
        )
    css: list[str] = []
    preloads: list[str] = []
    seen: set[str] = set()

    def walk(key: str) -> None:
        if key in seen or key not in manifest:
            return
        seen.add(key)
        chunk = manifest[key]
        css.extend(chunk.get("css", []))
        for imp in chunk.get("imports", []):
            if imp in manifest:
                preloads.append(manifest[imp]["file"])
                walk(imp)

    walk(entry)
    tags = format_html_join(
        "", '<link rel="stylesheet" href="{}">', ((static(c),) for c in dict.fromkeys(css))
    )
    tags += format_html_join(
        "", '<link rel="modulepreload" href="{}">', ((static(p),) for p in dict.fromkeys(preloads))
    )
    tags += format_html('<script type="module" src="{}"></script>', static(manifest[entry]["file"]))
    return tags


def memberships_of(request: HttpRequest) -> list[Membership]:
    return list(
        Membership.objects.filter(user=request.user).select_related("workspace").order_by("workspace__name")
    )


def current_membership(request: HttpRequest, slug: str | None = None) -> Membership | None:
    """The workspace this page works on: ?ws=, else the one remembered in the session, else the first."""
    memberships = memberships_of(request)
    if not memberships:
        return None
    by_slug = {m.workspace.slug: m for m in memberships}
    candidates = (slug, request.GET.get("ws"), request.session.get(SESSION_WORKSPACE_KEY))
    chosen = next((by_slug[c] for c in candidates if c in by_slug), memberships[0])
    request.session[SESSION_WORKSPACE_KEY] = chosen.workspace.slug
    return chosen


def bootstrap_data(request: HttpRequest, membership: Membership | None, **extra: Any) -> dict[str, Any]:
    lang = get_language_from_request(request) or settings.LANGUAGE_CODE
    data: dict[str, Any] = {
        "workspace": membership.workspace.slug if membership else "",
        "workspaces": [
            {"slug": m.workspace.slug, "name": m.workspace.name, "role": m.role}
            for m in memberships_of(request)
        ],
        "user": {"id": request.user.pk, "username": request.user.get_username()},
        "role": membership.role if membership else "",
        "csrf_token": get_token(request),
        "language": lang,
        "urls": {
            "home": "/",
            "settings": "/settings/",
            "inbox": "/inbox/",
            "logout": "/logout/",
            "login": "/login/",
        },
    }
    data.update(extra)
    return data


def render_shell(
    request: HttpRequest,
    *,
    title: str,
    entry: str,
    bootstrap: dict[str, Any],
    template: str = "builder/shell.html",
) -> HttpResponse:
    """Render a page that mounts one frontend bundle. The inbox shell reuses this."""
    return render(
        request,
        template,
        {
            "title": title,
            "assets": vite_assets(entry),
            "bootstrap": bootstrap,
            "page": bootstrap.get("page", ""),
        },
    )


def _no_workspace(request: HttpRequest) -> HttpResponse:
    return render(request, "builder/no_workspace.html", status=403)


def _editor_app(request: HttpRequest, membership: Membership | None, title: str, page: str,
                **extra: Any) -> HttpResponse:
    """The editor app's shell: one bundle serves the scenario list, the editor and the settings pages."""
    return render_shell(
        request,
        title=title,
        entry="src/editor/main.tsx",
        bootstrap=bootstrap_data(request, membership, page=page, **extra),
    )


def _workspace_page(request: HttpRequest, title: str, page: str) -> HttpResponse:
    membership = current_membership(request)
    if membership is None:
        return _no_workspace(request)
    return _editor_app(request, membership, title, page)


@login_required
def scenario_list(request: HttpRequest) -> HttpResponse:
    return _workspace_page(request, "Scenarios", "list")


@login_required
def editor(request: HttpRequest, scenario_id: str) -> HttpResponse:
    # A scenario outside the caller's workspaces is a 404, never a 403 that confirms it exists.
    scenario = (
        Scenario.objects.filter(pk=scenario_id, workspace__memberships__user=request.user)
        .select_related("workspace")
        .only("id", "name", "workspace__slug")
        .first()
    )
    if scenario is None:
        raise Http404("No such scenario")
    membership = current_membership(request, scenario.workspace.slug)
    return _editor_app(request, membership, scenario.name, "editor", scenario_id=str(scenario.pk))


@login_required
def workspace_settings(request: HttpRequest) -> HttpResponse:
    return _workspace_page(request, "Settings", "settings")


class LoginView(auth_views.LoginView):
    """Django's login page; a locked-out account or address (builder.throttle) gets HTTP 429, a Retry-After
    header and a message saying how long to wait."""

    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        wait = throttle.login_locked_for(str(self.request.POST.get("username") or ""),
                                         throttle.client_ip(self.request))
        if not wait:
            return super().form_invalid(form)
        message = throttle.login_wait_message(wait, get_language_from_request(self.request))
        response = self.render_to_response(self.get_context_data(form=form, throttled=message), status=429)
        response["Retry-After"] = str(wait)
        return response
