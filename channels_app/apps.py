from django.apps import AppConfig


class ChannelsAppConfig(AppConfig):
    name = "channels_app"
    verbose_name = "Live-agent inbox"

    def ready(self) -> None:
        from channels_app import checks  # noqa: F401  (registers the system checks)
        from channels_app.presence import sweep_sockets
        from runtime.pipeline.leases import register_sweep

        # Task workers also forget the inbox sockets of crashed server processes (presence heals).
        register_sweep(sweep_sockets)
