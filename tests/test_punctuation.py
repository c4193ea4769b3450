"""Chinese text in front of staff uses full-width punctuation (，。！？：；（）).

Every Chinese string literal of the bot, the CLI and the library/catalogue loaders is read with
``ast``; an ASCII , : ( ) ! ? ; next to a Chinese character fails. ASCII stays between digits and
Latin (09:00, p50), in the ``path:line: message`` separator, and inside 「」 where a message
quotes YAML or a header as it must be typed.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(
    [
        *ROOT.joinpath("bot").rglob("*.py"),
        ROOT / "intents" / "library.py",
        ROOT / "intents" / "catalog.py",
    ]
)
CJK = r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]"
ASCII_NEXT_TO_CJK = re.compile(rf"(?<={CJK})\s*[,:()!?;]|[,:()!?;]\s*(?={CJK})")
# The separator of path:line: message, where the literal starts right after a placeholder.
LOCATION = re.compile(r"^(:\d+)*: ")
QUOTED = re.compile(r"「[^」]*」")
SQL = re.compile(r"\b(CREATE TABLE|SELECT|INSERT INTO)\b")  # SQL comments are for developers
# Headers of the exports staff bring in, matched as the platforms write them.
DATA = {"短语内容(必填)", "时间,会话,角色,发送人,内容"}


def _chinese_literals(tree: ast.AST) -> list[ast.Constant]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            skip.add(id(body[0].value))  # docstrings are for developers
        func = node.func if isinstance(node, ast.Call) else None
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "re"
        ):
            # regular expressions, built from pieces or not
            skip.update(id(c) for a in node.args for c in ast.walk(a))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and node.value not in DATA
        and not SQL.search(node.value)
        and re.search(CJK, node.value)
    ]


def ascii_punctuation_hits(source: str) -> list[str]:
    """The Chinese literals of ``source`` with ASCII punctuation next to a Chinese character."""
    hits = []
    for node in _chinese_literals(ast.parse(source)):
        text = QUOTED.sub("「」", LOCATION.sub("", node.value))
        if ASCII_NEXT_TO_CJK.search(text):
            hits.append(f"{node.lineno}: {node.value!r}")
    return hits


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_chinese_strings_use_full_width_punctuation(path: Path) -> None:
    assert ascii_punctuation_hits(path.read_text(encoding="utf-8")) == []


def test_the_scan_catches_ascii_commas_and_colons_next_to_chinese() -> None:
    assert ascii_punctuation_hits('x = "亲, 在的"\ny = "场景: 试衣"\nz = "好（秒）"') == [
        "1: '亲, 在的'",
        "2: '场景: 试衣'",
    ]
    assert ascii_punctuation_hits('x = f"{path}:{line}: 找不到"\ny = "首响 09:00 p50"') == []
