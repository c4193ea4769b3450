"""Chinese text in front of staff uses full-width punctuation (，。！？：；（）).

Every Chinese string literal of the bot, the CLI and the engine is read with ``ast``; an ASCII
, : ( ) ! ? ; next to a Chinese character fails. ASCII stays between digits and Latin (09:00,
p50), in the ``path:line: message`` separator, and inside 「」 where a message quotes YAML or a
header as it must be typed. A value in brackets after a name or a word (小王 (3003), {name}
({id}), 价格 (0.92)) is bracketed full-width too, in f-strings and in format templates alike.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(
    [
        *ROOT.joinpath("bot").rglob("*.py"),
        *ROOT.joinpath("tools").glob("*.py"),  # what developers and labellers are told
        # the engine, but the labels of the platform's noise patterns (developers read those)
        *(p for p in ROOT.joinpath("intents").glob("*.py") if p.name != "platform.py"),
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
# A value in a template or an f-string, where a name, an id or a score will stand.
VALUE = "字"
FORMAT_FIELD = re.compile(r"\{[A-Za-z_][A-Za-z0-9_.]*(?:![rsa])?(?::[^{}]*)?\}")
# ASCII brackets holding just one value, after a word or another value: 小王 (3003)
BRACKETED_VALUE = re.compile(rf"(?:{VALUE}|{CJK}|\s)\({VALUE}\)")


def _not_text(tree: ast.AST) -> set[int]:
    """Ids of the nodes that are no text for people: docstrings, regular expressions, and the
    character sets a text is tested against (``t[-1] in "?？"``)."""
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
        if isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.In | ast.NotIn):
            skip.update(id(c) for c in node.comparators)
    return skip


def _chinese_literals(tree: ast.AST) -> list[ast.Constant]:
    skip = _not_text(tree)
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


def _templates(tree: ast.AST) -> list[tuple[int, str]]:
    """f-strings and format templates, each value as one stand-in character."""
    skip = _not_text(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.JoinedStr):
            skip.update(id(v) for v in node.values)
            text = "".join(v.value if isinstance(v, ast.Constant) else VALUE for v in node.values)
            found.append((node.lineno, text))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and FORMAT_FIELD.search(node.value)
        ):
            found.append((node.lineno, FORMAT_FIELD.sub(VALUE, node.value)))
    return [(line, text) for line, text in found if not SQL.search(text)]


def bracketed_value_hits(source: str) -> list[str]:
    """The templates of ``source`` that put a value in ASCII brackets: {name} ({id})."""
    return [
        f"{line}: {text!r}"
        for line, text in _templates(ast.parse(source))
        if BRACKETED_VALUE.search(text)
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


def semicolon_hits(source: str) -> list[str]:
    """Chinese f-strings and templates with an ASCII "; " between their values (已写入 {a}; {b})."""
    return [
        f"{line}: {text!r}"
        for line, text in _templates(ast.parse(source))
        if re.search(CJK, text.replace(VALUE, "")) and re.search(rf"{CJK}\s*;|;\s*{CJK}", text)
    ]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_chinese_templates_separate_with_full_width_semicolons(path: Path) -> None:
    assert semicolon_hits(path.read_text(encoding="utf-8")) == []


def test_the_scan_catches_an_ascii_semicolon_between_values() -> None:
    source = 'a = f"已写入 {path}; {where}"\nb = f"{x}; {y}"\nc = f"已写入 {path}，{where}"\n'
    assert semicolon_hits(source) == ["1: '已写入 字; 字'"]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_values_in_chinese_text_are_bracketed_full_width(path: Path) -> None:
    assert bracketed_value_hits(path.read_text(encoding="utf-8")) == []


def test_the_scan_catches_a_value_in_ascii_brackets() -> None:
    source = (
        'a = f"{name} ({user_id})"\n'
        'b = "<b>{name}</b> ({intent})"\n'
        'c = f"价格 ({score:.2f})"\n'
        'd = f"{name}（{user_id}）"\n'
        'e = f"{right:.1%} ({right}/{total})"\n'
        'f = f"load({path})"\n'
    )
    assert bracketed_value_hits(source) == [
        "1: '字 (字)'",
        "2: '<b>字</b> (字)'",
        "3: '价格 (字)'",
    ]


def test_the_scan_catches_ascii_commas_and_colons_next_to_chinese() -> None:
    assert ascii_punctuation_hits('x = "亲, 在的"\ny = "场景: 试衣"\nz = "好（秒）"') == [
        "1: '亲, 在的'",
        "2: '场景: 试衣'",
    ]
    assert ascii_punctuation_hits('x = f"{path}:{line}: 找不到"\ny = "首响 09:00 p50"') == []
