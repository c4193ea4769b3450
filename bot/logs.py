"""Logging for the long-running bot; secrets are blanked out of every line, tracebacks too.

Secrets are kept process-wide: whatever leaves the process (a log line, a traceback Python
prints on its way out, an error string stored in the database) goes through ``redact``.
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterable
from typing import TextIO

_SECRETS: set[str] = set()
MASK = "***"


def keep_secret(*secrets: str) -> None:
    """From now on ``redact`` blanks these out (empty strings are ignored)."""
    _SECRETS.update(s for s in secrets if s)


def redact(text: str) -> str:
    """``text`` with every kept secret replaced by ``***``."""
    for secret in sorted(_SECRETS, key=len, reverse=True):  # a longer secret may hold a shorter
        text = text.replace(secret, MASK)
    return text


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str], fmt: str) -> None:
        super().__init__(fmt)
        keep_secret(*secrets)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RedactingStream(io.TextIOBase):
    """stdout/stderr that redact every write: what Python or a library prints bypasses logging."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(redact(text))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.stream.encoding


def setup_logging(secrets: Iterable[str], *, level: int = logging.INFO) -> None:
    keep_secret(*secrets)
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if not isinstance(stream, RedactingStream):
            setattr(sys, name, RedactingStream(stream))
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingFormatter(secrets, "%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
