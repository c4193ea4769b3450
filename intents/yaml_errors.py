"""YAML syntax errors told in Chinese, with the line, for every loader (libraries, config …)."""

from __future__ import annotations

import re

import yaml

__all__ = [
    "yaml_problem",
]

# PyYAML's own wording of the errors people make by hand, most specific first
_EXPLAINED: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), text)
    for pattern, text in (
        (r"found character '?\t'? ?that cannot", "这里用了 Tab 缩进，YAML 只能用空格缩进"),
        (
            r"mapping values are not allowed",
            "这里多了一个「冒号+空格」：值里有冒号时，请用引号把整段文字括起来",
        ),
        (r"could not find expected ':'", "少了冒号「:」，或上一行的引号没有闭合"),
        (r"found unexpected end of stream", "文件在引号或括号闭合之前就结束了"),
        (r"did not find expected key", "缩进没有对齐，或者列表项前少了「- 」"),
        (r"did not find expected '-' indicator", "列表项的缩进没有对齐，每项应以「- 」开头"),
        (r"expected <block end>", "缩进没有对齐：同一层的键要从同一列开始"),
        (r"expected ',' or '\]'", "方括号列表 [...] 没有闭合，或两项之间少了逗号"),
        (r"expected ',' or '\}'", "花括号 {...} 没有闭合，或两项之间少了逗号"),
        (
            r"found unknown escape character",
            "双引号里的反斜杠「\\」转义不对：改用单引号，或写成「\\\\」",
        ),
        (r"found undefined alias", "用了没有定义的别名「*名字」：值以 * 开头时请加引号"),
        (r"found character '?(.)'? ?that cannot start", "以「{char}」开头的值要用引号括起来"),
        (r"found duplicate anchor", "同一个锚点「&名字」定义了两次"),
        (r"expected a single document", "文件里有多个「---」分隔的文档，只能有一个"),
        (
            r"expected alphabetic or numeric character",
            "「&」或「*」后面应该跟名字：这样的值请加引号",
        ),
    )
)


def yaml_problem(exc: yaml.YAMLError, source: str = "") -> tuple[int, str]:
    """The 1-based line (0 when unknown) and a Chinese explanation of a YAML syntax error.

    ``source`` is the text that was parsed: libyaml's messages leave out the offending
    character, so it is read from there.
    """
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark else 0
    where = f"（第 {mark.column + 1} 列）" if mark else ""
    said = " ".join(filter(None, (getattr(exc, "context", None), getattr(exc, "problem", None))))
    if mark and "found character that" in said:
        lines = source.splitlines()
        row = lines[mark.line] if mark.line < len(lines) else ""
        if mark.column < len(row):
            said = said.replace("character that", f"character '{row[mark.column]}' that")
    for pattern, text in _EXPLAINED:
        found = pattern.search(said)
        if found:
            if found.groups():
                text = text.replace("{char}", found.group(1))
            return line, f"YAML 语法错误{where}：{text}"
    return line, f"YAML 语法错误{where}：格式不对，请检查这一行的缩进、冒号和引号"
