"""Run the local Telegram / WhatsApp provider double for demos: point TELEGRAM_API_BASE and
WHATSAPP_API_BASE (deployment settings, never per channel) at the printed URL."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand

from runtime.connectors.double import ProviderDouble


class Command(BaseCommand):
    help = "Serve the Telegram Bot API / WhatsApp Cloud API double on loopback and log what it receives."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = any free port)")
        parser.add_argument("--templates", help="JSON file: {waba_id: [template, …]} served by message_templates")

    def handle(self, *args: Any, **options: Any) -> None:
        double = ProviderDouble(port=options["port"])
        if options.get("templates"):
            with open(options["templates"], encoding="utf-8") as fh:
                double.templates = json.load(fh)
        double.start()
        self.stdout.write(f"provider double listening on {double.url}  (Ctrl-C stops it)")
        seen = 0
        try:
            while True:
                time.sleep(0.5)
                calls = double.calls(status=None)
                for call in calls[seen:]:
                    self.stdout.write(f"{call.status} {call.method} {call.api_method} {json.dumps(call.body)[:200]}")
                seen = len(calls)
        except KeyboardInterrupt:
            pass
        finally:
            double.stop()
