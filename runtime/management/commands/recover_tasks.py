from django.core.management.base import BaseCommand

from runtime.pipeline.jobs import requeue_abandoned


class Command(BaseCommand):
    help = ("Re-queue timer and HTTP-node tasks left running by a worker that died mid-task "
            "(run it periodically, e.g. from cron every 5 minutes; re-running them is safe).")

    def handle(self, *args, **options) -> None:
        count = requeue_abandoned()
        self.stdout.write(f"Re-queued {count} abandoned task(s).")
