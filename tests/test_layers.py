"""Dependencies point one way: the ledger below the store, the stages below the shells.

Each module's imports are read from its source (``ast``), including imports inside
functions, so a lazy import cannot slip a dependency past the rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "forewarn"
SHELLS = ("forewarn.cli", "forewarn.api", "forewarn.web", "forewarn.reports")
STAGES = (
    "data", "models", "evaluation", "framework", "warning", "response", "unsc", "cases", "notify",
    "events",
)  # fmt: skip


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("forewarn")}


def _modules_under(package: str) -> dict[str, set[str]]:
    folder = PACKAGE.joinpath(*package.split(".")[1:])
    paths = sorted(folder.rglob("*.py")) if folder.is_dir() else [folder.with_suffix(".py")]
    return {_module(p): _imports(p) for p in paths}


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_the_ledger_depends_on_nothing_of_forewarn_but_errors_and_the_table_base() -> None:
    allowed = ("forewarn.ledger", "forewarn.errors", "forewarn.orm")
    for module, imports in _modules_under("forewarn.ledger").items():
        assert all(_within(i, allowed) for i in imports), (module, sorted(imports))


def test_the_store_never_imports_the_response_stage_or_a_shell() -> None:
    forbidden = ("forewarn.response", *SHELLS)
    for module, imports in _modules_under("forewarn.store").items():
        bad = sorted(i for i in imports if _within(i, forbidden))
        assert not bad, (module, bad)


@pytest.mark.parametrize("stage", STAGES)
def test_stages_never_import_the_shells(stage: str) -> None:
    for module, imports in _modules_under(f"forewarn.{stage}").items():
        bad = sorted(i for i in imports if _within(i, SHELLS))
        assert not bad, (module, bad)


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of ``graph`` (module -> modules it imports), or None when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for other in sorted(graph.get(node, ())):
            if state.get(other) == 1:
                return [*path[path.index(other) :], other]
            if other not in state and (found := visit(other)) is not None:
                return found
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


@pytest.mark.parametrize(
    "package", ["forewarn.reports", "forewarn.unsc", "forewarn.cases", "forewarn.framework"]
)
def test_modules_of_a_package_import_each_other_one_way(package: str) -> None:
    modules = _modules_under(package)
    graph = {m: {i for i in imports if i in modules and i != m} for m, imports in modules.items()}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_brief_and_the_published_forecast_do_not_import_each_other() -> None:
    modules = _modules_under("forewarn.reports")
    assert not _within("forewarn.reports.brief", tuple(modules["forewarn.reports.published"]))
    assert not any(
        _within(i, ("forewarn.reports.published",)) for i in modules["forewarn.reports.brief"]
    )


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
