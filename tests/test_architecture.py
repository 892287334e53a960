"""The package structure holds: import-linter's contracts (builder <- runtime <- channels_app; a pure engine)
pass, and no package has an import cycle between its own modules (import-linter has no such contract).

grimp (import-linter's graph library) reads every import, including those inside functions, so an import moved
into a function to dodge a cycle is still a cycle here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("builder", "runtime", "channels_app")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def _package_graph(graph: grimp.ImportGraph, package: str) -> nx.DiGraph:
    inside = {m for m in graph.modules if m == package or m.startswith(package + ".")}
    digraph = nx.DiGraph()
    digraph.add_nodes_from(inside)
    for module in inside:
        for imported in graph.find_modules_directly_imported_by(module):
            # `from pkg import mod` also records an import of `pkg` (its __init__): only real modules count.
            if imported in inside and imported != package:
                digraph.add_edge(module, imported)
    return digraph


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle_inside_a_package(graph, package):
    cycles = list(nx.simple_cycles(_package_graph(graph, package), length_bound=6))
    assert not cycles, "import cycles: " + "; ".join(" -> ".join([*c, c[0]]) for c in cycles[:10])


def test_the_cycle_check_finds_a_cycle():
    digraph = nx.DiGraph([("runtime.a", "runtime.b"), ("runtime.b", "runtime.a")])
    assert list(nx.simple_cycles(digraph))


def test_import_linter_contracts_hold():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout
