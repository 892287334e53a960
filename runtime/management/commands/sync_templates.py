"""Pull WhatsApp message templates (and their review status) from the provider into MessageTemplate."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from runtime.connectors.common import ProviderError
from runtime.connectors.whatsapp import sync_templates
from runtime.models import Channel


class Command(BaseCommand):
    help = "Sync WhatsApp templates of every active WhatsApp channel (or of --channel ID) from the provider."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--channel", type=int, help="only this channel id")

    def handle(self, *args: Any, **options: Any) -> None:
        channels = Channel.objects.filter(kind=Channel.Kind.WHATSAPP, is_active=True).order_by("id")
        if options.get("channel"):
            channels = channels.filter(pk=options["channel"])
            if not channels.exists():
                raise CommandError(f"no active WhatsApp channel with id {options['channel']}")
        failures = 0
        for channel in channels:
            try:
                with transaction.atomic():
                    result = sync_templates(channel)
            except ProviderError as exc:
                failures += 1
                self.stderr.write(f"channel {channel.pk} ({channel.name}): {exc}")
                continue
            self.stdout.write(
                f"channel {channel.pk} ({channel.name}): {result.total} templates "
                f"({result.created} new, {result.updated} updated)"
            )
        if failures:
            raise CommandError(f"{failures} channel(s) could not be synced")
