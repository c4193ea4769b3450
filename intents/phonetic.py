"""Pinyin-based phonetic form, so homophone typos (包油 → 包邮) and pinyin input (baoyou) match.

Each Chinese character becomes one private-use character standing for its toneless pinyin
syllable, so every rapidfuzz scorer works on the result unchanged, at string speed. Latin runs
that spell two or more pinyin syllables (``baoyou``, ``fahuo``) are read as pinyin; any other
Latin word (``xl``, ``hi``, ``size``) becomes one character of its own, and every number becomes
the same character, so "160" and "175" weigh alike.
"""

from __future__ import annotations

import importlib.util
import json
import re
import unicodedata
import zlib
from functools import cache
from pathlib import Path

__all__ = [
    "NUMBER",
    "phonetic",
    "syllables",
]

_PUA_BASE = 0xF0000  # supplementary private-use plane A: never produced by normalize()
_WORD_BASE = 0x100000  # plane B: one character per Latin word
_WORD_SLOTS = 65_000
NUMBER = chr(0x10FFF0)
_LATIN_RUN = re.compile(r"[a-z]+(?: [a-z]+)*|[0-9]+(?:\.[0-9]+)?")
_spelled: dict[str, str] = {}
_MAX_SYLLABLE = 6


@cache
def _readings() -> dict[int, str]:
    """Code point → first toneless pinyin reading, from pypinyin's own character table.

    The JSON table is read directly: importing the pypinyin package also loads its 400k-phrase
    dictionary (~0.2 s), which single-character readings do not need.
    """
    spec = importlib.util.find_spec("pypinyin")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        table = Path(location) / "pinyin_dict.json"
        if table.exists():
            raw = json.loads(table.read_text(encoding="utf-8"))
            return {int(cp): _toneless(value.split(",", 1)[0]) for cp, value in raw.items()}
    from pypinyin.pinyin_dict import pinyin_dict  # packaged without the JSON: the module has it

    return {cp: _toneless(value.split(",", 1)[0]) for cp, value in pinyin_dict.items()}


def _toneless(syllable: str) -> str:
    decomposed = unicodedata.normalize("NFD", syllable.replace("ü", "v"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@cache
def _codes() -> dict[str, str]:
    syllables = sorted(set(_readings().values()))
    return {s: chr(_PUA_BASE + i) for i, s in enumerate(syllables)}


@cache
def _table() -> dict[int, str]:
    """str.translate table: every character with a reading → its syllable's code."""
    codes = _codes()
    return {cp: codes[reading] for cp, reading in _readings().items()}


def _split_pinyin(run: str) -> list[str] | None:
    """Split a Latin run into pinyin syllables (fewest syllables), or None if it is not pinyin."""
    codes = _codes()
    best: list[list[str] | None] = [None] * (len(run) + 1)
    best[0] = []
    for end in range(1, len(run) + 1):
        for start in range(max(0, end - _MAX_SYLLABLE), end):
            head = best[start]
            if head is not None and run[start:end] in codes:
                candidate = [*head, run[start:end]]
                if best[end] is None or len(candidate) < len(best[end]):
                    best[end] = candidate
    return best[-1]


def _latin(match: re.Match[str]) -> str:
    run = match.group()
    if run[0].isdigit():
        return NUMBER
    words = run.split(" ")
    spelled = [_split_pinyin(w) for w in words]
    codes = _codes()
    if all(spelled) and sum(map(len, spelled)) >= 2:  # zai ma, baoyou ma, fa huo
        return "".join(codes[s] for pieces in spelled for s in pieces)  # type: ignore[union-attr]
    out = []
    for word, pieces in zip(words, spelled, strict=True):
        if pieces is not None and len(pieces) >= 2 and len(word) >= 4:
            out.append("".join(codes[s] for s in pieces))
        else:
            out.append(_word_code(word))
    return " ".join(out)


def _word_code(word: str) -> str:
    code = chr(_WORD_BASE + zlib.crc32(word.encode()) % _WORD_SLOTS)
    if len(_spelled) < _WORD_SLOTS:
        _spelled.setdefault(code, word)
    return code


def phonetic(text: str) -> str:
    """Return the phonetic form of normalised text: one code character per syllable.

    >>> phonetic("包油") == phonetic("包邮") == phonetic("baoyou")
    True
    """
    return _LATIN_RUN.sub(_latin, text).translate(_table())


def syllables(code: str) -> str:
    """Spell a phonetic form back in pinyin, for explanations and debugging.

    >>> syllables(phonetic("尺码"))
    'chi ma'
    """
    names = {c: s for s, c in _codes().items()} | _spelled | {NUMBER: "#"}
    return " ".join(names.get(ch, ch) for ch in code)
