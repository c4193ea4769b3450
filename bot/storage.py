"""The one place that owns SQL: aiosqlite, WAL, schema versions by PRAGMA user_version."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

# Each entry moves the schema one version up; never edit a shipped entry, append a new one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE exchanges (
        id INTEGER PRIMARY KEY,
        update_id INTEGER,
        chat_id INTEGER NOT NULL,
        user_id INTEGER,
        library TEXT NOT NULL,
        text TEXT NOT NULL,
        intents TEXT NOT NULL,          -- JSON [[intent, score], ...]
        tone TEXT NOT NULL,
        received_at REAL NOT NULL,      -- unix seconds
        replied_at REAL,
        latency_ms REAL,
        reply TEXT,                     -- the reply shown first (after 换一个: the current one)
        variant INTEGER NOT NULL DEFAULT 0,
        feedback INTEGER,               -- 1 👍, -1 👎
        bot_message_id INTEGER,
        error TEXT
    );
    CREATE INDEX exchanges_chat ON exchanges (chat_id, received_at);
    CREATE TABLE chat_settings (
        chat_id INTEGER PRIMARY KEY,
        library TEXT,
        tone TEXT
    );
    """,
)

_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})-?(\d{3,4})(\d{4})(?!\d)")


def mask_phones(text: str) -> str:
    """Hide the middle of phone numbers before text is stored.

    >>> mask_phones("电话13812345678, 座机 021-66778899")
    '电话138****5678, 座机 021-****8899'
    """
    text = _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)


@dataclass(frozen=True, slots=True)
class Exchange:
    id: int
    chat_id: int
    user_id: int | None
    library: str
    text: str
    intents: tuple[tuple[str, float], ...]
    tone: str
    received_at: float
    replied_at: float | None
    latency_ms: float | None
    reply: str | None
    variant: int
    feedback: int | None
    bot_message_id: int | None


class Storage:
    """Async SQLite storage. Open once, share, close at shutdown."""

    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.clock = clock
        self._db: aiosqlite.Connection | None = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("Storage.open() first")
        return self._db

    async def open(self) -> Storage:
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path)
        self._db.row_factory = aiosqlite.Row
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA synchronous=NORMAL")
        await self._db.execute("PRAGMA busy_timeout=5000")
        await self.migrate()
        return self

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def __aenter__(self) -> Storage:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def schema_version(self) -> int:
        async with self.db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> None:
        version = await self.schema_version()
        if version > len(MIGRATIONS):
            raise RuntimeError(
                f"{self.path}: 数据库结构版本 {version} 比程序认识的 {len(MIGRATIONS)} 新, "
                "请升级 csbot"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self.db.executescript(
                f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
            )

    # --- exchanges ---------------------------------------------------------------------------

    async def add_exchange(
        self,
        *,
        chat_id: int,
        user_id: int | None,
        library: str,
        text: str,
        intents: Sequence[tuple[str, float]],
        tone: str,
        received_at: float,
        update_id: int | None = None,
    ) -> int:
        cursor = await self.db.execute(
            "INSERT INTO exchanges (update_id, chat_id, user_id, library, text, intents, tone,"
            " received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                update_id,
                chat_id,
                user_id,
                library,
                mask_phones(text),
                json.dumps([list(i) for i in intents], ensure_ascii=False),
                tone,
                received_at,
            ),
        )
        await self.db.commit()
        return int(cursor.lastrowid or 0)

    async def mark_replied(
        self, exchange_id: int, *, reply: str, bot_message_id: int | None, replied_at: float
    ) -> None:
        await self.db.execute(
            "UPDATE exchanges SET reply = ?, bot_message_id = ?, replied_at = ?,"
            " latency_ms = (? - received_at) * 1000.0 WHERE id = ?",
            (reply, bot_message_id, replied_at, replied_at, exchange_id),
        )
        await self.db.commit()

    async def mark_failed(self, exchange_id: int, error: str) -> None:
        await self.db.execute("UPDATE exchanges SET error = ? WHERE id = ?", (error, exchange_id))
        await self.db.commit()

    async def update_choice(self, exchange_id: int, *, reply: str, variant: int, tone: str) -> None:
        await self.db.execute(
            "UPDATE exchanges SET reply = ?, variant = ?, tone = ? WHERE id = ?",
            (reply, variant, tone, exchange_id),
        )
        await self.db.commit()

    async def set_feedback(self, exchange_id: int, feedback: int) -> None:
        await self.db.execute(
            "UPDATE exchanges SET feedback = ? WHERE id = ?", (feedback, exchange_id)
        )
        await self.db.commit()

    async def exchange(self, exchange_id: int) -> Exchange | None:
        async with self.db.execute("SELECT * FROM exchanges WHERE id = ?", (exchange_id,)) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return Exchange(
            id=row["id"],
            chat_id=row["chat_id"],
            user_id=row["user_id"],
            library=row["library"],
            text=row["text"],
            intents=tuple((i, float(s)) for i, s in json.loads(row["intents"])),
            tone=row["tone"],
            received_at=row["received_at"],
            replied_at=row["replied_at"],
            latency_ms=row["latency_ms"],
            reply=row["reply"],
            variant=row["variant"],
            feedback=row["feedback"],
            bot_message_id=row["bot_message_id"],
        )

    async def count_exchanges(self) -> int:
        async with self.db.execute("SELECT COUNT(*) FROM exchanges") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    # --- per-chat settings -------------------------------------------------------------------

    async def chat_settings(self, chat_id: int) -> tuple[str | None, str | None]:
        async with self.db.execute(
            "SELECT library, tone FROM chat_settings WHERE chat_id = ?", (chat_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return (row["library"], row["tone"]) if row else (None, None)

    async def set_chat_settings(
        self, chat_id: int, *, library: str | None = None, tone: str | None = None
    ) -> None:
        await self.db.execute(
            "INSERT INTO chat_settings (chat_id, library, tone) VALUES (?, ?, ?)"
            " ON CONFLICT(chat_id) DO UPDATE SET"
            " library = COALESCE(excluded.library, library), tone = COALESCE(excluded.tone, tone)",
            (chat_id, library, tone),
        )
        await self.db.commit()
