from django.apps import AppConfig


class RuntimeConfig(AppConfig):
    name = "runtime"
    verbose_name = "Conversations runtime"

    def ready(self) -> None:
        # Messenger connectors (Telegram, WhatsApp) register with runtime.connectors.registry.
        from builder.validation import register_workspace_check
        from runtime.connectors.builtin import register_builtin
        from runtime.connectors.templates import check_template_nodes

        register_builtin()
        # Registers the background tasks with runtime.pipeline.jobs (the pipeline enqueues them by path).
        import runtime.tasks  # noqa: F401
        # Publishing checks `template` nodes: approved on one of the workspace's WhatsApp channels, every
        # placeholder mapped (builder calls it through its check registry).
        register_workspace_check(check_template_nodes)
