from django.apps import AppConfig


class RuntimeConfig(AppConfig):
    name = "runtime"
    verbose_name = "Conversations runtime"

    def ready(self) -> None:
        # Messenger connectors (Telegram, WhatsApp) register with runtime.connectors.registry.
        from runtime.connectors.builtin import register_builtin

        register_builtin()
