from django.core.management.base import BaseCommand

from runtime.preview import purge_expired


class Command(BaseCommand):
    help = "Delete expired draft-preview conversations (run it periodically, e.g. from cron every 15 minutes)."

    def handle(self, *args, **options) -> None:
        count = purge_expired()
        self.stdout.write(f"Deleted {count} expired preview conversation(s).")
