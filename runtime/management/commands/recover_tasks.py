from django.core.management.base import BaseCommand

from runtime.pipeline.leases import sweep


class Command(BaseCommand):
    help = ("Re-queue tasks left running by workers whose heartbeat expired (TASK_LEASE_SECONDS), and tasks whose "
            "worker left no heartbeat at all. Every running db_worker already does this on its own; this is a tool.")

    def handle(self, *args, **options) -> None:
        count = sweep(orphans=True)
        self.stdout.write(f"Re-queued {count} abandoned task(s).")
