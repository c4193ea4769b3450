"""Imports run one way: down the layers of docs/architecture.md, never up.

- The engine (intents/) is pure: it imports neither the bot nor aiogram nor a database driver.
- bot/ is a stack of layers. A module may import any lower layer; within a layer only the pairs
  in PEERS. Every top-level module or package of bot/ must be in LAYERS, so a new one is placed
  on purpose (and drawn in docs/architecture.md).
- Frameworks stay in their layer: aiogram in telegram/, typer and rich in cli/ (and the
  benchmarks), the database drivers in storage/, matplotlib in charts.py.
- Nothing outside intents/ imports a private (``_name``) name of the engine, and no bot package
  imports another's private names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import bot
import intents

ENGINE = Path(intents.__file__).resolve().parent
BOT = Path(bot.__file__).resolve().parent
ROOT = BOT.parent
FORBIDDEN = {"aiogram", "aiosqlite", "asyncpg", "bot", "aiohttp", "sqlite3", "typer", "rich"}

#: bot/ from the bottom up. A unit is a top-level module (``hours``) or package (``storage``).
LAYERS: list[tuple[str, set[str]]] = [
    # shared vocabulary and small helpers: import nothing from the bot
    (
        "leaf",
        {
            "__init__",
            "answers",
            "evaluation",
            "hours",
            "library_names",
            "logs",
            "privacy",
            "roles",
            "storage_url",
            "textfiles",
        },
    ),
    ("config", {"config"}),
    ("core", {"assistants", "storage"}),
    ("features", {"business", "learning", "practice", "service_time"}),
    ("charts", {"charts"}),
    ("telegram", {"telegram"}),
    ("bench", {"bench", "bench_faults", "bench_workers"}),
    ("cli", {"cli"}),
    ("entry", {"__main__"}),
]
#: Imports allowed within one layer: (importer, imported).
PEERS = {
    ("bench", "bench_faults"),
    ("business", "service_time"),  # live mode times replies with the reports' round maths
}
#: Third-party frameworks and the only units that may import them.
FRAMEWORKS = {
    "aiogram": {"telegram"},
    "aiosqlite": {"storage"},
    "asyncpg": {"storage"},
    "typer": {"cli"},
    "rich": {"cli", "bench", "bench_faults", "bench_workers"},
    "redis": {"telegram", "bench_workers"},  # shared state; the bench empties its database
    "matplotlib": {"charts"},
}
RANK = {unit: rank for rank, (_, units) in enumerate(LAYERS) for unit in units}
LAYER_OF = {unit: name for name, units in LAYERS for unit in units}


def imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of every absolute import in the file, lazy ones included."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module, [alias.name for alias in node.names]))
    return out


def imported_roots(path: Path) -> set[str]:
    return {module.split(".")[0] for _, module, _ in imports(path)}


def unit_of(path: Path) -> str:
    return path.relative_to(BOT).parts[0].removesuffix(".py")


def bot_units(module: str, names: list[str]) -> list[str]:
    """The bot units an import reaches: ``from bot import charts`` reaches charts."""
    parts = module.split(".")
    if parts[0] != "bot":
        return []
    if len(parts) > 1:
        return [parts[1]]
    return names


def bot_modules() -> list[Path]:
    return sorted(p for p in BOT.rglob("*.py") if "__pycache__" not in p.parts)


def where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_engine_imports_no_bot_or_storage():
    offenders = {
        str(path.relative_to(ENGINE)): sorted(imported_roots(path) & FORBIDDEN)
        for path in ENGINE.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_public_surface_is_what_all_says():
    assert sorted(intents.__all__) == sorted(
        [
            "Assistant",
            "Intent",
            "Library",
            "LibraryError",
            "Match",
            "Matcher",
            "Problem",
            "Reply",
            "Segmenter",
            "Suggestion",
            "TemplateError",
            "YamlReader",
            "check_replies",
            "load_library",
            "normalize",
            "phonetic",
            "render",
            "split_clauses",
            "split_long",
            "yaml_problem",
        ]
    )
    for name in intents.__all__:
        assert getattr(intents, name) is not None


@pytest.mark.parametrize(
    "path", sorted(p for p in ENGINE.glob("*.py") if p.name != "__init__.py"), ids=lambda p: p.stem
)
def test_every_engine_module_says_what_is_public(path):
    module = __import__(f"intents.{path.stem}", fromlist=["__all__"])
    assert isinstance(getattr(module, "__all__", None), list), f"{path.name} 没有 __all__"
    for name in module.__all__:
        assert not name.startswith("_")
        assert hasattr(module, name), f"{path.name}: __all__ 里的 {name} 不存在"


def test_nothing_outside_the_engine_imports_its_private_names():
    offenders = []
    for folder in ("bot", "tests", "tools", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for line, module, names in imports(path):
                if module.split(".")[0] == "intents":
                    offenders += [f"{where(path, line)} {module}.{n}" for n in names if n[0] == "_"]
    assert offenders == []


def test_every_bot_module_is_on_the_map():
    units = {p.name.removesuffix(".py") for p in BOT.iterdir() if p.suffix == ".py" or p.is_dir()}
    units -= {"__pycache__"}
    missing = sorted(units - RANK.keys())
    assert missing == [], (
        f"新的模块不在 LAYERS 里，请放进合适的一层并画进 docs/architecture.md：{missing}"
    )
    assert sorted(RANK.keys() - units) == []


def test_imports_only_go_down_the_layers():
    upward = []
    for path in bot_modules():
        mine = unit_of(path)
        for line, module, names in imports(path):
            for other in bot_units(module, names):
                if other == mine or other not in RANK:
                    continue
                if RANK[other] > RANK[mine] or (
                    RANK[other] == RANK[mine] and (mine, other) not in PEERS
                ):
                    upward.append(
                        f"{where(path, line)}: {LAYER_OF[mine]} 层的 {mine} 引用了 "
                        f"{LAYER_OF[other]} 层的 {other}"
                    )
    assert upward == []


def test_frameworks_stay_in_their_layer():
    offenders = []
    for path in bot_modules():
        mine = unit_of(path)
        for line, module, _ in imports(path):
            allowed = FRAMEWORKS.get(module.split(".")[0])
            if allowed is not None and mine not in allowed:
                offenders.append(f"{where(path, line)}: {module}")
    assert offenders == []


def test_no_bot_package_takes_anothers_private_names():
    offenders = []
    for path in bot_modules():
        mine = unit_of(path)
        for line, module, names in imports(path):
            units = bot_units(module, names)
            if module.startswith("bot.") and units and units[0] != mine:
                offenders += [f"{where(path, line)}: {module}.{n}" for n in names if n[0] == "_"]
    assert offenders == []


def test_handlers_are_reached_only_through_get_routers():
    """Routers hold handlers only: what the rest of telegram/ needs lives beside them."""
    routers = BOT / "telegram" / "routers"
    offenders = []
    for path in bot_modules():
        if routers in path.parents:
            continue
        for line, module, _ in imports(path):
            if module.startswith("bot.telegram.routers."):
                offenders.append(f"{where(path, line)}: {module}")
    assert offenders == []


def test_the_map_catches_an_upward_import(tmp_path):
    storage = tmp_path / "bad.py"
    storage.write_text("from bot.telegram import app\nimport bot.cli\n", encoding="utf-8")
    reached = [u for _, m, n in imports(storage) for u in bot_units(m, n)]
    assert reached == ["telegram", "cli"]
    assert all(RANK[u] > RANK["storage"] for u in reached)
