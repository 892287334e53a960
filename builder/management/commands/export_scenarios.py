"""`manage.py export_scenarios --workspace acme [--scenario welcome …] [-o bundle.json]`"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from builder import transfer
from builder.models import Scenario, Workspace


class Command(BaseCommand):
    help = "Export scenarios (their drafts) of a workspace as a botflow bundle (UTF-8 JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", required=True, help="workspace slug")
        parser.add_argument(
            "--scenario",
            action="append",
            default=[],
            metavar="SLUG",
            help="scenario slug (repeatable; default: all)",
        )
        parser.add_argument("-o", "--output", help="write to this file instead of standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = Workspace.objects.filter(slug=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"workspace {options['workspace']!r} does not exist")
        wanted: list[str] = options["scenario"]
        scenarios = Scenario.objects.filter(workspace=workspace).order_by("slug")
        if wanted:
            by_slug = {s.slug: s for s in scenarios.filter(slug__in=wanted)}
            unknown = [slug for slug in wanted if slug not in by_slug]
            if unknown:
                raise CommandError(
                    f"no scenario {', '.join(map(repr, unknown))} in workspace {workspace.slug!r}"
                )
            selected = [by_slug[slug] for slug in dict.fromkeys(wanted)]
        else:
            selected = list(scenarios)
            if not selected:
                raise CommandError(f"workspace {workspace.slug!r} has no scenarios to export")
        text = transfer.dumps_bundle(
            transfer.export_bundle(selected, installation=settings.SITE_URL, workspace=workspace)
        )
        if options["output"]:
            path = Path(options["output"])
            try:
                path.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"cannot write {path}: {exc.strerror}") from None
            self.stderr.write(f"Exported {len(selected)} scenario(s) from {workspace.slug!r} to {path}")
        else:
            self.stdout.write(text, ending="")
