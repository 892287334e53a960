"""Per-process caches a test must start without."""

from __future__ import annotations


def clear_scenario_caches() -> None:
    """Compiled scenarios are cached per process by version id, and test databases reuse ids: without this a
    test could run another test's scenario (seen: api_fuzz before channels_app/test_widget)."""
    from runtime.engine.loader import clear_cache
    from runtime.pipeline import scenarios

    scenarios._cache.clear()
    clear_cache()
