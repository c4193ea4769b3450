"""The one place that fills ``{placeholders}`` in reply templates."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping

__all__ = [
    "LONG_REPLY",
    "TemplateError",
    "placeholders",
    "render",
    "split_long",
]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class TemplateError(ValueError):
    """A template that cannot be rendered: unbalanced braces or a bad placeholder."""


def placeholders(template: str) -> list[str]:
    """Names of the ``{placeholders}`` in a template, in order.

    >>> placeholders("满{free_shipping_threshold}元包邮,{courier}发货")
    ['free_shipping_threshold', 'courier']
    """
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise TemplateError(f"花括号不成对（{exc}）；字面的花括号请写成 {{{{ 或 }}}}") from None
    names = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not _NAME.match(name) or spec or conversion:
            raise TemplateError(
                f"占位符 {{{name}}} 不合法：只能是 {{名字}}，由字母、数字、下划线组成"
            )
        names.append(name)
    return names


def render(template: str, values: Mapping[str, object]) -> str:
    """Fill a template's placeholders. A name missing from ``values`` raises TemplateError.

    >>> render("亲,满{n}元包邮哦", {"n": 99})
    '亲,满99元包邮哦'
    """
    out = []
    for literal, name, _, _ in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            if name not in values:
                raise TemplateError(f"占位符 {{{name}}} 没有取值")
            out.append(str(values[name]))
    return "".join(out)


#: A reply longer than this is better sent in parts (如回答太长,宜分次回答).
LONG_REPLY = 60
_SENTENCE_END = re.compile(r"(?<=[。！？!?~～])")


def split_long(text: str, *, limit: int = LONG_REPLY) -> list[str]:
    """Split a long reply at sentence ends into parts of at most about ``limit`` characters.

    >>> split_long("亲,在的。这款满99包邮哦~今天拍今天发!", limit=12)
    ['亲,在的。', '这款满99包邮哦~', '今天拍今天发!']
    """
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    for sentence in filter(None, _SENTENCE_END.split(text)):
        if parts and len(parts[-1]) + len(sentence) <= limit:
            parts[-1] += sentence
        else:
            parts.append(sentence)
    return parts
