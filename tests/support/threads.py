"""Real races: work started in threads at the same instant, each on its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from django.db import connection


def run_together(works: Sequence[Callable[[], object]], *, timeout: float = 120) -> None:
    """Run each callable in its own thread, all released by one barrier; re-raise the first failure.

    Each thread closes its database connection when done (Django opens one per thread)."""
    barrier = threading.Barrier(len(works))
    errors: list[BaseException] = []

    def run(work: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            work()
        except BaseException as exc:  # surfaced below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a racing thread did not finish"
    if errors:
        raise errors[0]
