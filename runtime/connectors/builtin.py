"""Register the messenger connectors with the pipeline's registry (called from RuntimeConfig.ready)."""

from __future__ import annotations

from runtime.connectors import registry
from runtime.connectors.telegram import TelegramConnector
from runtime.connectors.whatsapp import WhatsAppConnector


def register_builtin() -> None:
    registry.register("telegram", TelegramConnector())
    registry.register("whatsapp", WhatsAppConnector())
