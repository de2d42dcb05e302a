"""The package's layers: imports only go down, and no module imports itself back.

Layers, lowest first (a module may import its own layer and the ones below):
``core`` (mathematics), ``engine``, ``compat``, ``nn``, ``io``, ``api``
(the public library), ``batch``, ``explain``, ``cli``.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "upscale_cli"
LAYERS = ["core", "engine", "compat", "nn", "io", "api", "batch", "explain", "cli"]
#: Modules at the package root that belong to no layer: the lazy facade and ``python -m``.
ENTRY_POINTS = {"upscale_cli", "upscale_cli.__main__"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Package modules ``path`` imports, anywhere in the file (lazy imports count)."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.split(".")[0] != "upscale_cli":
                continue
            for alias in node.names:  # ``from . import nn`` names a module, not an attribute
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in MODULES else target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "upscale_cli")
    found.discard(name)
    return found


def layer_of(module: str) -> int:
    return LAYERS.index(module.split(".")[1])


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: imported_modules(path) & set(MODULES) for name, path in MODULES.items()}


def test_every_module_is_in_a_layer():
    assert {m for m in MODULES if m not in ENTRY_POINTS and m.split(".")[1] not in LAYERS} == set()


def test_imports_only_go_down():
    upward = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items() if module not in ENTRY_POINTS
        for target in targets if target not in ENTRY_POINTS and layer_of(target) > layer_of(module)
    ]
    assert upward == []


def test_no_import_cycles():
    state: dict[str, str] = {}
    cycles = []

    def visit(module, stack):
        state[module] = "open"
        for target in sorted(GRAPH[module]):
            if state.get(target) == "open":
                cycles.append(" -> ".join([*stack[stack.index(target):], target]))
            elif target not in state:
                visit(target, [*stack, target])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_mathematics_imports_nothing_outside_itself():
    outside = {f"{m} imports {t}" for m, ts in GRAPH.items() if m.startswith("upscale_cli.core") for t in ts
               if not t.startswith("upscale_cli.core")}
    assert outside == set()
