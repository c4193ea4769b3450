"""Normalisation at the edge of the engine: one canonical form for everything that is matched."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from intents.platform import strip_platform

__all__ = [
    "MAX_CHARS",
    "normalize",
]

#: Messages longer than this are matched on their first MAX_CHARS characters only; the rest is
#: almost always pasted order details, and the cost of a match must stay bounded.
MAX_CHARS = 600

_CLAUSE_PUNCT = ",.?!;:~、。，？！；：…"
# emoji, pictographs, private-use and other symbol/format characters carry no request
_DROP_CATEGORIES = {"So", "Sk", "Cs", "Co", "Cn", "Cf", "Cc", "Mn", "Me", "Zl", "Zp"}
_SPACE_RE = re.compile(r"\s+")
_PUNCT_RUN_RE = re.compile(
    r"\s*[" + re.escape(_CLAUSE_PUNCT) + r"]+[\s" + re.escape(_CLAUSE_PUNCT) + r"]*"
)
_OTHER_PUNCT_RE = re.compile(r"[\"'`()\[\]{}<>《》【】「」『』“”‘’（）\-_=+*&^%$#@|/\\]+")
# fillers that carry no meaning: laughter, a lone 亲 addressing the agent, sentence-final particles
_FILLER_RE = re.compile(
    r"[哈呵嘿嘻]{2,}"
    r"|(?:^|(?<=[\s,]))亲+(?![肤戚自手切爱密人民情子])"
    r"|亲+(?=[\s,]|$)"
    r"|[啊呀哦嘛啦哟呐咯噢喔]+(?=[\s,]|$)"
)


@cache
def _t2s():
    import opencc  # C++ OpenCC: loaded once, on first use

    return opencc.OpenCC("t2s")


def _drop(ch: str) -> str:
    cat = unicodedata.category(ch)
    if ch in "\t\n\r":
        return " "
    if cat in _DROP_CATEGORIES:
        return " " if cat in {"So", "Cc", "Zl", "Zp"} else ""
    return ch


def normalize(text: str) -> str:
    """Return the canonical form the engine matches: NFKC, simplified, lower case, no noise.

    Clause punctuation is kept as a single ``,`` so the matcher can split the message.

    >>> normalize("親，顏色有哪些？？？😂")
    '颜色有哪些'
    """
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS])
    text = "".join(map(_drop, text))
    text = strip_platform(_t2s().convert(text).lower())
    text = _OTHER_PUNCT_RE.sub(" ", text)
    text = _PUNCT_RUN_RE.sub(",", text)
    text = _SPACE_RE.sub(" ", text).strip()
    text = _FILLER_RE.sub("", text)
    text = _PUNCT_RUN_RE.sub(",", text)
    text = _SPACE_RE.sub(" ", text)
    return text.strip(" ,")
