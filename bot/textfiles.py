"""Reading the text files shop owners give us (CSV exports, lists): UTF-8 or GBK.

A leaf module: it imports nothing from the bot, so every layer may use it.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ENCODINGS", "TextFileError", "decode", "read_text"]

# Excel in China saves CSV as GBK unless told otherwise
ENCODINGS: tuple[str, ...] = ("utf-8-sig", "gb18030")


class TextFileError(ValueError):
    """A file that cannot be read as text; the message names the file and what to do."""


def decode(raw: bytes) -> str:
    """The text of ``raw`` in the first encoding that fits; UnicodeDecodeError of the last.

    >>> decode("在吗".encode("gb18030"))
    '在吗'
    """
    for encoding in ENCODINGS[:-1]:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode(ENCODINGS[-1])


def read_text(path: Path) -> str:
    """The whole file as text, UTF-8 (with or without BOM) or GBK; TextFileError otherwise."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TextFileError(f"{path}: 找不到这个文件") from None
    except OSError as exc:
        raise TextFileError(f"{path}: 读不了（{exc.strerror}）") from None
    try:
        return decode(raw)
    except UnicodeDecodeError as exc:
        raise TextFileError(
            f"{path}: 第 {exc.start} 个字节起不是 UTF-8 文字；请另存为 UTF-8 编码"
        ) from None
