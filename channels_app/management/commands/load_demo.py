"""`manage.py load_demo`: the demo workspace, its departments and users, the example scenarios, a widget.

Idempotent: everything is looked up before it is created, so a second run changes nothing (passwords of
existing users are never reset). Passworded demo users are created only when DEBUG is on.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from builder import transfer
from builder.models import Department, Membership, Role, Scenario, Workspace
from builder.services import create_workspace
from channels_app.models import CannedReply
from runtime.models import Channel

WORKSPACE = {"name": "Demo", "slug": "demo"}
BUSINESS_HOURS = {
    "timezone": "Europe/Moscow",
    "weekly": {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": [],
}
DEPARTMENTS = [
    {"slug": "sales", "name": "Sales", "business_hours": {}, "out_of_hours_message": ""},
    {
        "slug": "support",
        "name": "Support",
        "business_hours": BUSINESS_HOURS,
        "out_of_hours_message": (
            "Our support team works Monday to Friday, 09:00–18:00 Moscow time. Your chat is in the queue: "
            "we will answer as soon as we open. / Поддержка работает по будням с 9:00 до 18:00 по Москве — "
            "мы ответим, как только начнём работу."
        ),
    },
]
# username → (membership role, superuser?)
USERS = {"admin": (Role.ADMIN, True), "editor": (Role.EDITOR, False), "operator": (Role.OPERATOR, False)}
WIDGET_KEY = "demo-widget"
WIDGET_SCENARIO = "welcome"
WIDGET_CONFIG = {
    "title": "Botflow demo",
    "subtitle": "We usually reply in a few minutes",
    "color": "#4f46e5",
    "text_color": "#ffffff",
    "position": "right",
}
CANNED_REPLIES = [
    ("hello", "Greeting", "Hi {{contact_name|there}}! I'm here to help — what can I do for you?"),
    ("wait", "One moment", "Thanks for waiting — let me check that for you, it takes a minute."),
    ("bye", "Goodbye", "Glad I could help! If anything else comes up, just write here."),
    ("privet", "Приветствие", "Здравствуйте, {{contact_name|}}! Чем могу помочь?"),
]


def site_origin() -> str:
    """SITE_URL's origin (scheme://host[:port]), the form allowed origins take."""
    parts = urlsplit(settings.SITE_URL)
    return f"{parts.scheme}://{parts.netloc}".lower()


def widget_config() -> dict[str, Any]:
    """The demo widget may be embedded by this installation's own pages (SITE_URL) and the default hosts."""
    origins = {"http://127.0.0.1:8000", "http://localhost:8000", site_origin()}
    return {**WIDGET_CONFIG, "allowed_origins": sorted(origins)}


def fixture_paths(directory: Path | None = None) -> list[Path]:
    return sorted((directory or settings.BASE_DIR / "fixtures").glob("*.json"))


class Command(BaseCommand):
    help = "Create the demo workspace, departments, users (DEBUG only), example scenarios and a web widget."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fixtures", type=Path, help="directory of bundles (default: fixtures/)")

    def handle(self, *args: Any, **options: Any) -> None:
        paths = fixture_paths(options.get("fixtures"))
        if not paths:
            raise CommandError(
                f"no *.json bundles in {options.get('fixtures') or settings.BASE_DIR / 'fixtures'}"
            )
        bundles = []
        for path in paths:
            try:
                bundles.append(
                    transfer.parse_bundle(
                        path.read_bytes(),
                        max_bytes=settings.IMPORT_MAX_BYTES,
                        max_nodes=settings.IMPORT_MAX_NODES,
                    )
                )
            except transfer.TransferError as exc:
                raise CommandError(f"{path.name}: {exc}") from None

        with transaction.atomic():
            passwords = self._users()
            workspace = self._workspace()
            self._departments(workspace)
            self._memberships(workspace)
            imported = self._scenarios(workspace, bundles)
            channel, created_channel = self._widget(workspace)
            self._canned_replies(workspace)

        self._report(workspace, passwords, imported, channel, created_channel)

    # --- steps ----------------------------------------------------------------------------------

    def _users(self) -> dict[str, str | None]:
        """username → new password (None when the user already existed). Empty when DEBUG is off."""
        if not settings.DEBUG:
            return {}
        user_model = get_user_model()
        passwords: dict[str, str | None] = {}
        for username, (_, superuser) in USERS.items():
            user = user_model.objects.filter(username=username).first()
            if user is not None:
                passwords[username] = None
                continue
            password = secrets.token_urlsafe(12)
            if superuser:
                user_model.objects.create_superuser(username=username, email="", password=password)
            else:
                user_model.objects.create_user(username=username, password=password)
            passwords[username] = password
        return passwords

    def _workspace(self) -> Workspace:
        workspace = Workspace.objects.filter(slug=WORKSPACE["slug"]).first()
        if workspace is not None:
            return workspace
        owner = get_user_model().objects.filter(username="admin").first() if settings.DEBUG else None
        return create_workspace(WORKSPACE["name"], WORKSPACE["slug"], owner)

    def _departments(self, workspace: Workspace) -> None:
        for spec in DEPARTMENTS:
            Department.objects.get_or_create(workspace=workspace, slug=spec["slug"], defaults=spec)

    def _memberships(self, workspace: Workspace) -> None:
        if not settings.DEBUG:
            return
        users = {u.username: u for u in get_user_model().objects.filter(username__in=USERS)}
        for username, (role, _) in USERS.items():
            if username in users:
                Membership.objects.get_or_create(
                    user=users[username], workspace=workspace, defaults={"role": role}
                )
        operator = users.get("operator")
        if operator is not None:
            for department in Department.objects.filter(
                workspace=workspace, slug__in=[d["slug"] for d in DEPARTMENTS]
            ):
                department.operators.add(operator)  # add() ignores an existing link

    def _scenarios(self, workspace: Workspace, bundles: list[transfer.Bundle]) -> list[Scenario]:
        """Import and publish the example scenarios that the workspace does not have yet (by slug)."""
        merged = transfer.merge_bundles(bundles)
        existing = set(Scenario.objects.filter(workspace=workspace).values_list("slug", flat=True))
        merged.scenarios = [s for s in merged.scenarios if s.slug not in existing]
        if not merged.scenarios:
            return []
        plan = transfer.plan_import(merged, workspace, create_missing=True)
        author = get_user_model().objects.filter(username="admin").first() if settings.DEBUG else None
        try:
            return transfer.apply_import(plan, author, publish=True, note="Demo scenario")
        except transfer.TransferError as exc:
            raise CommandError(f"the example scenarios did not import: {exc}") from None

    def _widget(self, workspace: Workspace) -> tuple[Any, bool]:
        channel = Channel.objects.filter(key=WIDGET_KEY).first()
        if channel is not None:
            if channel.workspace_id != workspace.pk:
                raise CommandError(f"channel key {WIDGET_KEY!r} is already used by another workspace")
            # `make run` may serve on another host or port than last time (SITE_URL follows HOST and PORT):
            # the demo page's origin joins the allowed ones, so its widget connects there too.
            config = dict(channel.config or {})
            origins = list(config.get("allowed_origins") or [])
            if site_origin() not in origins and "*" not in origins:
                config["allowed_origins"] = sorted({*origins, site_origin()})
                channel.config = config
                channel.save(update_fields=["config"])
            return channel, False
        scenario = Scenario.objects.filter(workspace=workspace, slug=WIDGET_SCENARIO).first()
        channel = Channel.objects.create(
            workspace=workspace,
            kind=Channel.Kind.WEB,
            name="Website widget (demo)",
            key=WIDGET_KEY,
            scenario=scenario,
            config=widget_config(),
        )
        return channel, True

    def _canned_replies(self, workspace: Workspace) -> None:
        for shortcut, title, text in CANNED_REPLIES:
            CannedReply.objects.get_or_create(
                workspace=workspace, shortcut=shortcut, defaults={"title": title, "text": text}
            )

    # --- output ---------------------------------------------------------------------------------

    def _report(
        self,
        workspace: Workspace,
        passwords: dict[str, str | None],
        imported: list[Scenario],
        channel: Any,
        created_channel: bool,
    ) -> None:
        out = self.stdout.write
        site = settings.SITE_URL
        out(self.style.MIGRATE_HEADING(f"Demo workspace {workspace.name!r} (slug {workspace.slug!r})"))
        if not settings.DEBUG:
            out(
                self.style.WARNING(
                    "DEBUG is off: demo users with printed passwords are not created (they would be a "
                    "backdoor on a public server). Create real users with `manage.py createsuperuser`."
                )
            )
        for username, password in passwords.items():
            if password is None:
                out(f"  user {username:<9} already exists (password unchanged)")
            else:
                out(self.style.SUCCESS(f"  user {username:<9} password: {password}"))
        if imported:
            for scenario in imported:
                out(f"  imported and published: {scenario.name} ({scenario.slug})")
        else:
            out("  example scenarios: already loaded")
        out(f"  widget channel: {'created' if created_channel else 'already exists'}, key {channel.key!r}, "
            f"allowed origins {', '.join((channel.config or {}).get('allowed_origins') or []) or 'none'}")
        out(f"Open {site}/ (editor), {site}/inbox/ (operators), {site}/demo/ (widget demo page),")
        out(f"     {site}/admin/ (Django admin), {site}/api/docs/ (API).")
        out(f"Widget websocket: {site.replace('http', 'ws', 1)}/ws/widget/{channel.key}/")
