"""Graph work: schema + graph checks for generated scenarios, and export/import of a 5,000-node bundle.

Runs inside Django (the import writes to the configured database): `python -m tests.benchmarks.graph_bench`.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "channels_app.settings")
django.setup()

from builder import transfer  # noqa: E402
from builder.graph import check_graph  # noqa: E402
from builder.models import Workspace  # noqa: E402
from builder.schema import validate_document  # noqa: E402
from builder.services import create_scenario, create_workspace  # noqa: E402
from tests.benchmarks import generate  # noqa: E402


def _median_ms(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 2)


def validation(sizes: tuple[int, ...] = (100, 1000, 5000)) -> dict[str, Any]:
    out = {}
    for size in sizes:
        doc = generate.scenario(size)
        findings = validate_document(doc) + check_graph(doc)
        errors = [f for f in findings if f.severity == "error"]
        if errors:
            raise RuntimeError(f"generated {size}-node scenario is invalid: {errors[:3]}")
        out[str(len(doc["nodes"]))] = {
            "schema_ms": _median_ms(lambda d=doc: validate_document(d), 5),
            "graph_ms": _median_ms(lambda d=doc: check_graph(d), 5),
            "total_ms": _median_ms(lambda d=doc: (validate_document(d), check_graph(d)), 5),
        }
    return out


def export_import(size: int = 5000) -> dict[str, Any]:
    Workspace.objects.filter(slug__in=["bench-export", "bench-import"]).delete()
    source = create_workspace("Bench export", "bench-export")
    target = create_workspace("Bench import", "bench-import")
    scenario = create_scenario(source, "Big", slug="big", document=generate.scenario(size))
    try:
        started = time.perf_counter()
        raw = transfer.dumps_bundle(transfer.export_bundle([scenario], installation="bench", workspace=source))
        export_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        bundle = transfer.parse_bundle(raw.encode(), max_bytes=50 * 1024 * 1024, max_nodes=100_000)
        plan = transfer.plan_import(bundle, target)
        imported = transfer.apply_import(plan, None)
        import_ms = (time.perf_counter() - started) * 1000
        assert len(imported[0].draft["nodes"]) == len(scenario.draft["nodes"])
        return {"nodes": len(scenario.draft["nodes"]), "bundle_bytes": len(raw.encode()),
                "export_ms": round(export_ms, 1), "import_ms": round(import_ms, 1)}
    finally:
        Workspace.objects.filter(slug__in=["bench-export", "bench-import"]).delete()


def run() -> dict[str, Any]:
    return {"validation": validation(), "transfer_5000": export_import()}


if __name__ == "__main__":
    print(json.dumps(run()))
