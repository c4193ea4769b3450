"""What comes off the wire from the Bot API, polling and webhook alike, cleaned once.

JSON may carry a lone UTF-16 surrogate (``"\\ud83d"`` without its pair: a client cut an emoji in
half). Python decodes it into a str that sqlite and every encoder refuse, so one such customer
message ended in an apology. Each is replaced by U+FFFD, one UTF-16 unit for one, so the
entity offsets Telegram sends still point at the right characters.
"""

from __future__ import annotations

import json
import re
from typing import Any

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # a paired one is one character in a str
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89abcdefABCDEF]")
REPLACEMENT = "\ufffd"


def loads(text: str) -> Any:
    """json.loads, with every lone surrogate in every string replaced.

    >>> loads('{"text": "包邮吗\\\\ud83d", "ok": "😀"}')
    {'text': '包邮吗�', 'ok': '😀'}
    """
    data = json.loads(text)
    # raw UTF-8 cannot hold a surrogate: only an escape can make one, so most bodies skip the walk
    return _clean(data) if _ESCAPED_SURROGATE.search(text) else data


def clean_text(text: str) -> str:
    return _LONE_SURROGATE.sub(REPLACEMENT, text)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {clean_text(k): _clean(v) for k, v in value.items()}
    return value
