"""`manage.py import_scenarios bundle.json --workspace acme [--dry-run] [--into SLUG] [--create-missing] [--publish]`"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from builder import transfer
from builder.models import Scenario, Workspace

# Bundles at least this big get a progress bar (small ones import in a blink).
PROGRESS_MIN_NODES = 200
PROGRESS_MIN_SCENARIOS = 5


def describe_plan(plan: transfer.ImportPlan, write: Any) -> None:
    """Human-readable plan: what is created or replaced, remapped, missing."""
    data = plan.as_dict()
    if plan.upgraded_from is not None:
        write(f"Bundle upgraded from format version {plan.upgraded_from} to {transfer.BUNDLE_VERSION}.")
    for item in data["scenarios"]:
        renamed = f" (was {item['source_slug']!r})" if item["slug"] != item["source_slug"] else ""
        errors = sum(1 for f in item["findings"] if f["severity"] == "error")
        warnings = len(item["findings"]) - errors
        write(
            f"  {item['action']:<7} {item['slug']}{renamed}  id={item['id']}  {item['nodes']} nodes, "
            f"{errors} error(s), {warnings} warning(s)"
        )
        for finding in item["findings"]:
            write(
                f"      {finding['severity']}: {finding['code']} at {finding['path'] or '/'}: {finding['message']}"
            )
    missing = data["missing"]
    if missing["departments"]:
        listed = ", ".join(f"{d['slug']} ({d['name']})" for d in missing["departments"])
        tail = "will be created" if plan.create_missing else "pass --create-missing to create them"
        write(f"Missing departments: {listed} — {tail}")
    if missing["workspace_settings"]:
        tail = "will be set" if plan.create_missing else "pass --create-missing to set them"
        write(f"Missing workspace settings: {', '.join(missing['workspace_settings'])} — {tail}")
    if missing["scenarios"]:
        write(f"Missing jump targets (scenarios not in this workspace): {', '.join(missing['scenarios'])}")


class Command(BaseCommand):
    help = "Import a botflow bundle into a workspace (all-or-nothing), or dry-run it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="bundle file (JSON); - reads standard input")
        parser.add_argument("--workspace", required=True, help="workspace slug")
        parser.add_argument("--dry-run", action="store_true", help="only report what would happen")
        parser.add_argument(
            "--into", metavar="SLUG", help="replace this scenario's draft (keeps its id and links)"
        )
        parser.add_argument(
            "--create-missing", action="store_true", help="create missing departments/settings"
        )
        parser.add_argument("--publish", action="store_true", help="publish every imported scenario")
        parser.add_argument("--user", metavar="USERNAME", help="record this user as the author")
        parser.add_argument("--json", action="store_true", help="print the plan as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = Workspace.objects.filter(slug=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"workspace {options['workspace']!r} does not exist")
        into = None
        if options["into"]:
            into = Scenario.objects.filter(workspace=workspace, slug=options["into"]).first()
            if into is None:
                raise CommandError(f"no scenario {options['into']!r} in workspace {workspace.slug!r}")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"user {options['user']!r} does not exist")
        raw = self._read(options["file"])
        try:
            bundle = transfer.parse_bundle(
                raw, max_bytes=settings.IMPORT_MAX_BYTES, max_nodes=settings.IMPORT_MAX_NODES
            )
            plan = transfer.plan_import(
                bundle, workspace, into=into, create_missing=options["create_missing"]
            )
        except transfer.TransferError as exc:
            raise CommandError(self._explain(exc)) from None
        if options["json"]:
            self.stdout.write(
                json.dumps({"dry_run": options["dry_run"], **plan.as_dict()}, ensure_ascii=False, indent=2)
            )
        else:
            self.stdout.write(
                f"{'Dry run: ' if options['dry_run'] else ''}{len(bundle.scenarios)} scenario(s), "
                f"{bundle.node_count} node(s) into workspace {workspace.slug!r}"
            )
            describe_plan(plan, self.stdout.write)
        if options["dry_run"]:
            return
        large = bundle.node_count >= PROGRESS_MIN_NODES or len(bundle.scenarios) >= PROGRESS_MIN_SCENARIOS
        with tqdm(
            total=bundle.node_count, unit="node", desc="Importing", file=sys.stderr, disable=not large
        ) as bar:
            try:
                scenarios = transfer.apply_import(
                    plan,
                    user,
                    publish=options["publish"],
                    progress=lambda item: bar.update(len(item.document.get("nodes") or [])),
                )
            except transfer.TransferError as exc:
                raise CommandError(f"import failed, nothing was changed: {self._explain(exc)}") from None
        for scenario in scenarios:
            version = (
                f", published v{scenario.published_version.number}" if scenario.published_version else ""
            )
            self.stdout.write(
                f"Imported {scenario.slug} (id {scenario.pk}, revision {scenario.revision}{version})"
            )
        self.stdout.write(
            self.style.SUCCESS(f"Imported {len(scenarios)} scenario(s) into {workspace.slug!r}.")
        )

    @staticmethod
    def _read(name: str) -> bytes:
        if name == "-":
            return sys.stdin.buffer.read()
        path = Path(name)
        try:
            size = path.stat().st_size
            if size > settings.IMPORT_MAX_BYTES:
                raise CommandError(
                    f"{path} is {size} bytes; the import limit is {settings.IMPORT_MAX_BYTES} bytes (IMPORT_MAX_BYTES)"
                )
            return path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None

    @staticmethod
    def _explain(exc: transfer.TransferError) -> str:
        return "; ".join(f"{e.path or '/'}: {e.message} [{e.code}]" for e in exc.errors)
