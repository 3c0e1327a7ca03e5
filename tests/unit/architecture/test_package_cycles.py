"""No import loop between tiffin's packages once the edges are set aside.

The layers contract in ``pyproject.toml`` (``lint-imports``) holds the order between layers; this
test holds what it cannot see: packages that share a layer must not import each other in a
loop either. It builds the import graph with grimp (import-linter's own graph library), folds
every module into its top-level package, leaves out the edges (routes, schemas, the app, the
workers, the platform, the CLI, the simulator, the seed, the drills) and looks for a cycle.
"""

from __future__ import annotations

import grimp

EDGES = {"api", "platform", "workers", "cli", "sim", "seed", "drills", "__main__"}
EDGE_MODULES = ("views", "schemas", "pages")


def _is_edge(module: str) -> bool:
    parts = module.split(".")
    return len(parts) < 2 or parts[1] in EDGES or parts[-1] in EDGE_MODULES


def package_graph() -> dict[str, set[str]]:
    graph = grimp.build_graph("tiffin")
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        if _is_edge(module) or module == "tiffin":
            continue
        source = module.split(".")[1]
        edges.setdefault(source, set())
        for imported in graph.find_modules_directly_imported_by(module):
            if _is_edge(imported) or imported == "tiffin":
                continue
            target = imported.split(".")[1]
            if target != source:
                edges[source].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_cycles_finds_a_loop_when_there_is_one() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_package_import_cycle_outside_the_edges() -> None:
    assert cycles(package_graph()) == []
