from django.apps import AppConfig


class ChannelsAppConfig(AppConfig):
    name = "channels_app"
    verbose_name = "Live-agent inbox"

    def ready(self) -> None:
        from channels_app import checks  # noqa: F401  (registers the system checks)
