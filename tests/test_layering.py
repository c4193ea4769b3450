"""The engine stays pure: nothing in intents/ may import the bot, aiogram or aiosqlite."""

import ast
from pathlib import Path

import intents

ENGINE = Path(intents.__file__).resolve().parent
FORBIDDEN = {"aiogram", "aiosqlite", "bot", "aiohttp", "sqlite3"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


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
            "Topic",
            "check_replies",
            "load_library",
            "normalize",
            "phonetic",
            "placeholders",
            "render",
            "split_clauses",
            "split_long",
            "yaml_problem",
        ]
    )
    for name in intents.__all__:
        assert getattr(intents, name) is not None
