"""Which replies were handed to the network, recorded at the very moment their bytes leave.

A reply stored in the database as sent is confirmed only after Telegram answers; a kill -9 while
that answer is on its way leaves the reply sent but unconfirmed, and a restart would send it
again. So each request that carries a reply writes one line to a journal file, synchronously,
from aiohttp's chunk-sent signal: the same event-loop step that writes the request's bytes to
the socket, with no await in between, so a kill cannot fall between the two. A failed attempt
writes a second line. On start the journals of processes that are gone are folded into the
database: those parts are not sent again.
"""

from __future__ import annotations

import contextlib
import os
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from aiohttp import ClientSession, TraceConfig, TraceRequestChunkSentParams


@dataclass
class Sending:
    """The reply part the current request carries; the handler sets it around the send."""

    exchange: int
    part: int
    journal: SentJournal | None = None  # set once the request's bytes went out

    def failed(self) -> None:
        """The attempt ended in an error: Telegram did not take it (or cannot say it did)."""
        if self.journal is not None:
            self.journal.write("failed", self.exchange, self.part)
            self.journal = None


SENDING: ContextVar[Sending | None] = ContextVar("csbot_sending", default=None)


class SentJournal:
    """``database``: the prefix of the journal files, storage.local_files (beside a SQLite file;
    for PostgreSQL in storage.journal_dir, which is made here if it is missing)."""

    def __init__(self, database: Path) -> None:
        self.database = database
        database.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(f"{database}.sent.{os.getpid()}")
        self._fd: int | None = None

    def write(self, kind: str, exchange: int, part: int) -> None:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.write(self._fd, f"{kind} {exchange} {part}\n".encode())  # one syscall, no buffer

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def trace(self) -> TraceConfig:
        """The aiohttp hook: the first chunk of a request's body marks its reply part sent."""

        async def on_chunk(
            _session: ClientSession, _ctx: SimpleNamespace, _params: TraceRequestChunkSentParams
        ) -> None:
            sending = SENDING.get()
            if sending is not None and sending.journal is None:
                self.write("sent", sending.exchange, sending.part)
                sending.journal = self

        config = TraceConfig()
        config.on_request_chunk_sent.append(on_chunk)
        return config

    def leftovers(self) -> list[Path]:
        """Journals of processes no longer running (this one's included: it starts empty)."""
        found = []
        for path in self.database.parent.glob(f"{self.database.name}.sent.*"):
            pid = path.suffix.lstrip(".")
            if pid.isdigit() and (int(pid) == os.getpid() or not _alive(int(pid))):
                found.append(path)
        return found

    @staticmethod
    def parts_sent(paths: list[Path]) -> dict[int, int]:
        """exchange id → how many of its parts, from the first, went out and did not fail."""
        state: dict[tuple[int, int], bool] = {}
        for path in paths:
            if not path.exists():  # a run that sent nothing wrote no journal
                continue
            for line in path.read_text(encoding="ascii", errors="replace").splitlines():
                kind, *numbers = line.split()
                if len(numbers) == 2 and all(n.isdigit() for n in numbers):
                    state[(int(numbers[0]), int(numbers[1]))] = kind == "sent"
        counts: dict[int, int] = {}
        for exchange in {e for e, _ in state}:
            sent = 0
            while state.get((exchange, sent)):
                sent += 1
            if sent:
                counts[exchange] = sent
        return counts


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def forget(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
