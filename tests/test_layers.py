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
STAGES = ("data", "models", "evaluation", "framework", "warning", "response", "unsc", "cases",
          "events")  # fmt: skip


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
