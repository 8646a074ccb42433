"""The layers of docs/architecture.md hold: import-linter's contracts, and no import cycles.

The contracts are in pyproject.toml (``[tool.importlinter]``): core imports
nothing of io, controller, _qt, cli, napari, Qt or matplotlib; io nothing of
controller, _qt, cli, napari or Qt; controller nothing of _qt or Qt. Imports
under ``if TYPE_CHECKING:`` do not count (they never run).
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

grimp = pytest.importorskip("grimp")

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "napari_symseg"


def _lint_imports() -> str:
    """The ``lint-imports`` command next to this interpreter (else on PATH)."""
    here = Path(sys.executable).parent / "lint-imports"
    found = str(here) if here.exists() else shutil.which("lint-imports")
    if found is None:
        pytest.fail("lint-imports not found: install the 'testing' extra (import-linter)")
    return found


def test_import_linter_contracts_are_kept():
    done = subprocess.run(
        [_lint_imports(), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, f"import-linter contracts broken:\n{report}"
    assert "3 kept, 0 broken" in report, report


def strongly_connected(nodes, successors) -> list[list[str]]:
    """Tarjan's strongly connected components of a directed graph (iterative).

    Parameters
    ----------
    nodes : iterable of str
        The vertices.
    successors : callable
        ``successors(v)``: the vertices `v` has an edge to.

    Returns
    -------
    list of list of str
        Every component of more than one vertex, each sorted.
    """
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(successors(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(successors(w)))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == v:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_strongly_connected_finds_the_cycles_of_a_small_graph():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": {"e"}, "e": {"d"}, "f": {"a"}}
    assert sorted(strongly_connected(edges, lambda v: edges.get(v, ()))) == [
        ["a", "b", "c"], ["d", "e"]]
    assert strongly_connected({"a": {"b"}, "b": set()}, lambda v: {"a": {"b"}}.get(v, ())) == []


def _cycle_through(graph, component: list[str]) -> list[str]:
    """One concrete cycle within `component`: a shortest chain out of its first module
    to another one and back."""
    start = component[0]
    for other in component[1:]:
        there = graph.find_shortest_chain(importer=start, imported=other)
        back = graph.find_shortest_chain(importer=other, imported=start)
        if there and back:
            return [*there, *back[1:]]
    return component


def test_no_import_cycles():
    graph = grimp.build_graph(PACKAGE, exclude_type_checking_imports=True, cache_dir=None)
    modules = set(graph.modules)
    cycles = strongly_connected(
        modules, lambda m: graph.find_modules_directly_imported_by(m) & modules)
    described = [" -> ".join(_cycle_through(graph, c)) for c in cycles]
    assert not cycles, "import cycles (TYPE_CHECKING imports excepted):\n" + "\n".join(
        f"  {d}" for d in described)
