from django.apps import AppConfig


class ChannelsAppConfig(AppConfig):
    name = "channels_app"
    verbose_name = "Live-agent inbox"

    def ready(self) -> None:
        from channels_app import (
            checks,  # noqa: F401  (registers the system checks)
            queue,
        )
        from channels_app.presence import sweep_sockets
        from runtime import live_desk
        from runtime.pipeline.leases import register_sweep

        # Task workers also forget the inbox sockets of crashed server processes (presence heals).
        register_sweep(sweep_sockets)
        # The runtime hands conversations to the inbox queue through this interface (runtime/live_desk.py).
        live_desk.register(queue)
