"""Register the messenger connectors with the pipeline's registry (called from RuntimeConfig.ready)."""

from __future__ import annotations

from runtime.connectors import registry


def register_builtin() -> None:
    from runtime.connectors.telegram import TelegramConnector
    from runtime.connectors.whatsapp import WhatsAppConnector

    registry.register("telegram", TelegramConnector())
    registry.register("whatsapp", WhatsAppConnector())
