"""The one place that owns SQL: aiosqlite, WAL, schema versions by PRAGMA user_version."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import aiosqlite
import numpy as np

from bot.library_names import library_name_ok
from bot.logs import redact
from bot.privacy import mask_personal
from bot.service_time.metrics import ROLE_CODES
from intents.library import TONES

_AGENT_SPAN = 1 << 32  # role and agent id travel as role * span + agent id

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
    # 2: customer↔agent timelines for response times (imports and Telegram Business)
    """
    CREATE TABLE agents (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE       -- a name or a Telegram user id, as imported
    );
    CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,           -- telegram-export | csv | business
        external_id TEXT NOT NULL,
        title TEXT,
        UNIQUE (source, external_id)
    );
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations (id),
        source TEXT NOT NULL,
        external_id TEXT NOT NULL,      -- re-importing the same message is a no-op
        ts REAL NOT NULL,               -- unix seconds
        role INTEGER NOT NULL,          -- 0 customer, 1 agent (human), 2 bot
        agent_id INTEGER REFERENCES agents (id),
        sender TEXT,
        text TEXT,
        UNIQUE (source, external_id)
    );
    CREATE INDEX messages_timeline ON messages (conversation_id, ts);
    CREATE INDEX messages_ts ON messages (ts);
    CREATE INDEX messages_agent ON messages (agent_id, ts);
    """,
    # 3: Telegram Business accounts connected to the bot (live mode)
    """
    CREATE TABLE business_connections (
        id TEXT PRIMARY KEY,            -- Telegram's business_connection_id
        user_id INTEGER NOT NULL,       -- the business account's owner
        user_chat_id INTEGER NOT NULL,  -- the owner's private chat with the bot: copilot, nudges
        can_reply INTEGER NOT NULL DEFAULT 0,
        is_enabled INTEGER NOT NULL DEFAULT 1,
        auto_reply INTEGER,             -- NULL: follow business.auto_reply in the config
        updated_at REAL
    );
    CREATE INDEX business_connections_user ON business_connections (user_id);
    """,
    # 4: practice drills of new agents, and each scored answer
    """
    CREATE TABLE practice_sessions (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL,       -- Telegram user id; 0 for the console
        user_name TEXT NOT NULL,
        scenario TEXT NOT NULL,
        level INTEGER NOT NULL,
        started_at REAL NOT NULL,
        finished_at REAL,
        total REAL                      -- mean score of the answers, 0-100
    );
    CREATE INDEX practice_sessions_user ON practice_sessions (user_id, started_at);
    CREATE TABLE practice_answers (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES practice_sessions (id),
        turn INTEGER NOT NULL,
        seconds REAL NOT NULL,
        total REAL NOT NULL,
        speed REAL NOT NULL,            -- each skill as a share of its points, 0-1
        typing REAL NOT NULL,
        content REAL NOT NULL,
        tone REAL NOT NULL,
        compliance REAL NOT NULL
    );
    CREATE INDEX practice_answers_session ON practice_answers (session_id);
    """,
    # 5: the inbox: every update is stored before Telegram is told it arrived, so a crash loses
    # none; one exchange per update
    """
    CREATE TABLE inbox (
        update_id INTEGER PRIMARY KEY,
        payload TEXT,                   -- the update's JSON as received; NULL once handled,
                                        -- since it holds the customer's text unmasked
        received_at REAL NOT NULL,
        done_at REAL,                   -- NULL: not yet handled, finished on the next start
        error TEXT
    );
    CREATE INDEX inbox_pending ON inbox (update_id) WHERE done_at IS NULL;
    CREATE UNIQUE INDEX exchanges_update ON exchanges (update_id) WHERE update_id IS NOT NULL;
    -- parts of a reply known to have left before a crash, from the sent journal: not resent
    ALTER TABLE exchanges ADD COLUMN sent_parts INTEGER NOT NULL DEFAULT 0;
    """,
)

SKILLS = ("speed", "typing", "content", "tone", "compliance")


@dataclass(frozen=True, slots=True)
class TimelineMessage:
    """One customer, agent or bot message of a conversation, as imported or seen live."""

    conversation: str  # the conversation's external id within its source
    external_id: str
    ts: float
    role: str  # customer | agent | bot
    sender: str = ""
    agent: str | None = None  # for role agent: who answered
    text: str = ""
    title: str | None = None  # the conversation's display name


@dataclass(frozen=True, slots=True)
class Timeline:
    """Columns for the response-time maths, sorted by (conversation, ts)."""

    conversation: np.ndarray  # int64
    ts: np.ndarray  # float64 unix seconds
    role: np.ndarray  # int64 role codes
    agent: np.ndarray  # int64 agent id, -1 for none


@dataclass(frozen=True, slots=True)
class BusinessAccount:
    """A Telegram Business account connected to the bot, as its last business_connection said."""

    id: str
    user_id: int
    user_chat_id: int
    can_reply: bool
    is_enabled: bool
    auto_reply: bool | None = None  # None: the config's business.auto_reply decides


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


@dataclass(frozen=True, slots=True)
class LearningRows:
    """What csbot learn reads: every stored chat message in timeline order, and the customer
    messages whose suggestion staff marked 👎 with the intents it had."""

    messages: list[tuple[int, int, str]]  # (conversation id, role code, text)
    disliked: list[tuple[str, tuple[str, ...]]]


class MissingDatabaseError(FileNotFoundError):
    """``create=False`` and there is no database at the path: a reader never makes one."""


class Storage:
    """Async SQLite storage. Open once, share, close at shutdown.

    ``create=False`` (reports) opens only a database that exists, so a mistyped path or a run
    from another folder is an error naming the path instead of a new empty database.
    """

    def __init__(
        self, path: Path | str, *, clock: Callable[[], float] = time.time, create: bool = True
    ) -> None:
        self.path = Path(path)
        self.clock = clock
        self.create = create
        self._db: aiosqlite.Connection | None = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("Storage.open() first")
        return self._db

    async def open(self) -> Storage:
        memory = str(self.path) == ":memory:"
        if not memory and not self.create:
            if not self.path.is_file():
                raise MissingDatabaseError(self.path)
            # mode=rw: should the file vanish in between, sqlite fails instead of creating it
            self._db = await aiosqlite.connect(f"{self.path.resolve().as_uri()}?mode=rw", uri=True)
        else:
            if not memory:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = await aiosqlite.connect(self.path)
        try:
            self._db.row_factory = aiosqlite.Row
            await self._db.execute("PRAGMA busy_timeout=5000")
            await self._db.execute("PRAGMA journal_mode=WAL")
            await self._db.execute("PRAGMA synchronous=NORMAL")
            await self.migrate()
        except BaseException:
            # aiosqlite's worker thread is not a daemon: a connection left open here would
            # keep the process alive after its error, which is how an importer hung
            await self.close()
            raise
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
                f"{self.path}: 数据库结构版本 {version} 比程序认识的 {len(MIGRATIONS)} 新，"
                "请升级 csbot"
            )
        while version < len(MIGRATIONS):
            number = version + 1
            try:  # IMMEDIATE: a second process opening a fresh database waits for the first
                await self.db.executescript(
                    f"BEGIN IMMEDIATE;\n{MIGRATIONS[version]}\n"
                    f"PRAGMA user_version = {number};\nCOMMIT;"
                )
            except sqlite3.OperationalError:
                await self.db.rollback()
                if await self.schema_version() < number:
                    raise  # not another process's migration of the same step: a real fault
            version = await self.schema_version()

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
                mask_personal(text),
                json.dumps([list(i) for i in intents], ensure_ascii=False),
                tone,
                received_at,
            ),
        )
        await self.db.commit()
        return int(cursor.lastrowid or 0)

    async def mark_replied(
        self,
        exchange_id: int,
        *,
        reply: str,
        bot_message_id: int | None,
        replied_at: float,
        update_id: int | None = None,
    ) -> None:
        """The reply went out; with ``update_id``, its inbox row is done in the same commit."""
        await self.db.execute(
            "UPDATE exchanges SET reply = ?, bot_message_id = ?, replied_at = ?,"
            " latency_ms = (? - received_at) * 1000.0 WHERE id = ?",
            (reply, bot_message_id, replied_at, replied_at, exchange_id),
        )
        if update_id is not None:
            await self._inbox_done(update_id, None)
        await self.db.commit()

    async def mark_failed(
        self, exchange_id: int, error: str, *, update_id: int | None = None
    ) -> None:
        """The reply could not be sent; the error is stored without any secret in it."""
        error = redact(error)
        await self.db.execute("UPDATE exchanges SET error = ? WHERE id = ?", (error, exchange_id))
        if update_id is not None:
            await self._inbox_done(update_id, error)
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

    async def exchange_for_update(self, update_id: int) -> tuple[int, bool, int] | None:
        """The exchange an update already made, whether it is settled (its reply confirmed sent,
        or recorded as failed) and how many parts of its reply left before a crash: a replayed
        update reuses it rather than storing or sending twice."""
        rows = await self.db.execute_fetchall(
            "SELECT id, replied_at IS NOT NULL OR error IS NOT NULL, sent_parts FROM exchanges"
            " WHERE update_id = ?",
            (update_id,),
        )
        row = next(iter(rows), None)
        return (int(row[0]), bool(row[1]), int(row[2])) if row else None

    async def add_sent_parts(self, parts: dict[int, int]) -> None:
        """Fold a sent journal in: exchange id → parts of its reply that left."""
        await self.db.executemany(
            "UPDATE exchanges SET sent_parts = MAX(sent_parts, ?) WHERE id = ?",
            [(count, exchange) for exchange, count in parts.items()],
        )
        await self.db.commit()

    async def count_exchanges(self) -> int:
        async with self.db.execute("SELECT COUNT(*) FROM exchanges") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    # --- the inbox of received updates ------------------------------------------------------

    async def inbox_add(self, updates: Sequence[tuple[int, str]]) -> list[int]:
        """Store (update id, JSON) pairs in one commit; returns the ids that were new (a
        webhook may deliver an update twice)."""
        if not updates:
            return []
        ids = [update_id for update_id, _ in updates]
        marks = ",".join("?" * len(ids))
        known = {
            row[0]
            for row in await self.db.execute_fetchall(
                f"SELECT update_id FROM inbox WHERE update_id IN ({marks})", ids
            )
        }
        new = [(i, payload) for i, payload in dict(updates).items() if i not in known]
        await self.db.executemany(
            "INSERT OR IGNORE INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?)",
            [(i, payload, self.clock()) for i, payload in new],
        )
        await self.db.commit()
        return [i for i, _ in new]

    async def inbox_pending(self) -> list[tuple[int, str]]:
        """Updates stored but not yet handled, oldest first: what a restart finishes."""
        rows = await self.db.execute_fetchall(
            "SELECT update_id, payload FROM inbox WHERE done_at IS NULL ORDER BY update_id"
        )
        return [(int(i), str(payload)) for i, payload in rows]

    async def inbox_done(self, update_id: int, error: str | None = None) -> None:
        await self._inbox_done(update_id, None if error is None else redact(error))
        await self.db.commit()

    async def _inbox_done(self, update_id: int, error: str | None) -> None:
        await self.db.execute(
            "UPDATE inbox SET done_at = ?, payload = NULL, error = COALESCE(?, error)"
            " WHERE update_id = ? AND done_at IS NULL",
            (self.clock(), error, update_id),
        )

    async def inbox_prune(self, before: float) -> None:
        """Forget updates handled before ``before``: Telegram redelivers none older than a day,
        and after a week of quiet it may start its update ids anew."""
        await self.db.execute("DELETE FROM inbox WHERE done_at < ?", (before,))
        await self.db.commit()

    # --- response-time timelines ------------------------------------------------------------

    async def agent_ids(self, names: Sequence[str]) -> dict[str, int]:
        await self.db.executemany(
            "INSERT OR IGNORE INTO agents (name) VALUES (?)", [(n,) for n in set(names)]
        )
        rows = await self.db.execute_fetchall("SELECT id, name FROM agents")
        return {name: agent_id for agent_id, name in rows}

    async def agents(self) -> dict[int, str]:
        rows = await self.db.execute_fetchall("SELECT id, name FROM agents")
        return {agent_id: name for agent_id, name in rows}

    async def add_timeline(self, source: str, messages: Sequence[TimelineMessage]) -> int:
        """Store messages in one transaction; ones already stored are skipped. Returns how many
        were new."""
        if not messages:
            return 0
        agent_ids = await self.agent_ids([m.agent for m in messages if m.agent])
        await self.db.executemany(
            "INSERT OR IGNORE INTO conversations (source, external_id, title) VALUES (?, ?, ?)",
            list({(source, m.conversation, _masked(m.title)) for m in messages}),
        )
        # only this batch's conversations: a million-row import keeps its memory bounded
        rows = await self.db.execute_fetchall(
            "SELECT external_id, id FROM conversations WHERE source = ?"
            " AND external_id IN (SELECT value FROM json_each(?))",
            (source, json.dumps(sorted({m.conversation for m in messages}), ensure_ascii=False)),
        )
        conversation_ids = dict(rows)
        before = self.db.total_changes
        await self.db.executemany(
            "INSERT OR IGNORE INTO messages (conversation_id, source, external_id, ts, role,"
            " agent_id, sender, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    conversation_ids[m.conversation],
                    source,
                    m.external_id,
                    m.ts,
                    ROLE_CODES[m.role],
                    agent_ids.get(m.agent) if m.agent else None,
                    _masked(m.sender),
                    mask_personal(m.text),
                )
                for m in messages
            ],
        )
        await self.db.commit()
        return self.db.total_changes - before

    async def timeline(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        conversation: str | None = None,
    ) -> Timeline:
        """Every message of the conversations that have a message in [since, until)."""
        where, params = [], []
        if since is not None:
            where.append("ts >= ?")
            params.append(since)
        if until is not None:
            where.append("ts < ?")
            params.append(until)
        if conversation is not None:
            where.append(
                "conversation_id IN (SELECT id FROM conversations WHERE external_id = ?"
                " OR CAST(id AS TEXT) = ? OR title = ?)"
            )
            params += [conversation, conversation, conversation]
        scope = ""
        if where:
            scope = (
                "WHERE conversation_id IN (SELECT DISTINCT conversation_id FROM messages WHERE "
                + " AND ".join(where)
                + ")"
            )
        # three plain columns in table order, role and agent packed into one, sorted by numpy:
        # a million rows arrive in about a second; per-row objects of wider or index-ordered
        # queries would double that
        async with self.db.execute(
            f"SELECT conversation_id, ts, role * {_AGENT_SPAN} + COALESCE(agent_id, -1)"
            f" FROM messages {scope}",
            params,
        ) as cursor:
            cursor.row_factory = None
            rows = await cursor.fetchall()
        table = np.array(rows, dtype=np.float64).reshape(len(rows), 3)
        table = table[np.lexsort((table[:, 1], table[:, 0]))]  # stable: ties keep table order
        role, agent = np.divmod(table[:, 2].astype(np.int64) + 1, _AGENT_SPAN)
        return Timeline(table[:, 0].astype(np.int64), table[:, 1], role, agent - 1)

    async def count_messages(self) -> int:
        rows = await self.db.execute_fetchall("SELECT COUNT(*) FROM messages")
        return int(next(iter(rows))[0])

    async def conversation_titles(self, ids: Sequence[int]) -> dict[int, str]:
        """Display names for report rows, which only carry conversation ids."""
        if not ids:
            return {}
        wanted = sorted(set(ids))
        rows = await self.db.execute_fetchall(
            "SELECT id, COALESCE(title, external_id) FROM conversations"
            f" WHERE id IN ({','.join('?' * len(wanted))})",
            wanted,
        )
        return {int(conversation_id): str(title) for conversation_id, title in rows}

    async def conversation_names(self, ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
        """The conversation's own id in its source (qn-001) and its title, by internal id."""
        rows = await self.db.execute_fetchall(
            "SELECT id, external_id, title FROM conversations"
            " WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(set(ids))),),
        )
        return {int(i): (str(external), title) for i, external, title in rows}

    async def conversation_timeline(self, source: str, external_id: str) -> Timeline:
        """One conversation's messages, found by its unique (source, external id)."""
        rows = await self.db.execute_fetchall(
            "SELECT m.conversation_id, m.ts, m.role, COALESCE(m.agent_id, -1)"
            " FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " WHERE c.source = ? AND c.external_id = ? ORDER BY m.ts, m.id",
            (source, external_id),
        )
        table = np.array([tuple(r) for r in rows], dtype=np.float64).reshape(len(rows), 4)
        return Timeline(
            table[:, 0].astype(np.int64),
            table[:, 1],
            table[:, 2].astype(np.int64),
            table[:, 3].astype(np.int64),
        )

    async def latest_conversation(self, source: str, prefix: str) -> tuple[str, float] | None:
        """The most recently active conversation whose external id starts with ``prefix``, and
        its last message time: live mode decides from it whether a new one begins."""
        rows = await self.db.execute_fetchall(
            "SELECT c.external_id, MAX(m.ts) AS last FROM conversations c"
            " JOIN messages m ON m.conversation_id = c.id"
            " WHERE c.source = ? AND substr(c.external_id, 1, ?) = ?"
            " GROUP BY c.id ORDER BY last DESC LIMIT 1",
            (source, len(prefix), prefix),
        )
        row = next(iter(rows), None)
        return (str(row[0]), float(row[1])) if row else None

    async def learning_rows(self, *, since: float | None = None) -> LearningRows:
        """Chat texts since ``since`` (unix seconds) for csbot learn, in a stable order."""
        after = since if since is not None else float("-inf")
        messages = await self.db.execute_fetchall(
            "SELECT conversation_id, role, COALESCE(text, '') FROM messages WHERE ts >= ?"
            " ORDER BY conversation_id, ts, id",
            (after,),
        )
        disliked = await self.db.execute_fetchall(
            "SELECT text, intents FROM exchanges WHERE feedback < 0 AND received_at >= ?"
            " ORDER BY id",
            (after,),
        )
        return LearningRows(
            messages=[(int(c), int(r), str(t)) for c, r, t in messages],
            disliked=[(str(t), tuple(i for i, _ in json.loads(j))) for t, j in disliked],
        )

    # --- Telegram Business connections ------------------------------------------------------

    async def save_business_account(self, account: BusinessAccount) -> None:
        """Insert or update from a business_connection update; a chosen auto_reply is kept."""
        await self.db.execute(
            "INSERT INTO business_connections (id, user_id, user_chat_id, can_reply, is_enabled,"
            " auto_reply, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET user_id = excluded.user_id,"
            " user_chat_id = excluded.user_chat_id, can_reply = excluded.can_reply,"
            " is_enabled = excluded.is_enabled,"
            " auto_reply = COALESCE(excluded.auto_reply, auto_reply),"
            " updated_at = excluded.updated_at",
            (
                account.id,
                account.user_id,
                account.user_chat_id,
                int(account.can_reply),
                int(account.is_enabled),
                None if account.auto_reply is None else int(account.auto_reply),
                self.clock(),
            ),
        )
        await self.db.commit()

    async def business_account(self, connection_id: str) -> BusinessAccount | None:
        rows = await self.db.execute_fetchall(
            "SELECT * FROM business_connections WHERE id = ?", (connection_id,)
        )
        row = next(iter(rows), None)
        return _business_account(row) if row else None

    async def business_accounts_of(self, user_id: int) -> list[BusinessAccount]:
        rows = await self.db.execute_fetchall(
            "SELECT * FROM business_connections WHERE user_id = ? ORDER BY updated_at",
            (user_id,),
        )
        return [_business_account(row) for row in rows]

    async def set_auto_reply(self, user_id: int, enabled: bool) -> int:
        """Switch automatic replies for every connection the owner has; returns how many."""
        cursor = await self.db.execute(
            "UPDATE business_connections SET auto_reply = ?, updated_at = ? WHERE user_id = ?",
            (int(enabled), self.clock(), user_id),
        )
        await self.db.commit()
        return cursor.rowcount

    # --- practice ------------------------------------------------------------------------------

    async def start_practice(
        self, *, user_id: int, user_name: str, scenario: str, level: int, started_at: float
    ) -> int:
        cursor = await self.db.execute(
            "INSERT INTO practice_sessions (user_id, user_name, scenario, level, started_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (user_id, user_name, scenario, level, started_at),
        )
        await self.db.commit()
        return int(cursor.lastrowid or 0)

    async def add_practice_answer(
        self, session_id: int, *, turn: int, seconds: float, total: float, skills: dict[str, float]
    ) -> None:
        await self.db.execute(
            "INSERT INTO practice_answers (session_id, turn, seconds, total, speed, typing,"
            " content, tone, compliance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (session_id, turn, seconds, total, *(skills[s] for s in SKILLS)),
        )
        await self.db.execute(
            "UPDATE practice_sessions SET total = (SELECT AVG(total) FROM practice_answers"
            " WHERE session_id = ?) WHERE id = ?",
            (session_id, session_id),
        )
        await self.db.commit()

    async def finish_practice(self, session_id: int, *, finished_at: float) -> None:
        await self.db.execute(
            "UPDATE practice_sessions SET finished_at = ? WHERE id = ?", (finished_at, session_id)
        )
        await self.db.commit()

    async def practice_progress(self, user_id: int | None = None) -> list[dict[str, object]]:
        """One row per session with answers, oldest first: who, when, scenario, total, skills."""
        where, params = ("WHERE s.user_id = ?", (user_id,)) if user_id is not None else ("", ())
        rows = await self.db.execute_fetchall(
            "SELECT s.id, s.user_id, s.user_name, s.scenario, s.level, s.started_at,"
            " s.finished_at, AVG(a.total), " + ", ".join(f"AVG(a.{k})" for k in SKILLS) + ","
            " COUNT(a.id) FROM practice_sessions s JOIN practice_answers a"
            f" ON a.session_id = s.id {where} GROUP BY s.id ORDER BY s.started_at, s.id",
            params,
        )
        keys = ("session", "user_id", "user_name", "scenario", "level", "started_at",
                "finished_at", "total", *SKILLS, "answers")  # fmt: skip
        return [dict(zip(keys, row, strict=True)) for row in rows]

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
        # the handlers store only what they offered; this is the last line, should one forget
        if tone is not None and tone not in TONES:
            raise ValueError(f"not a tone: {tone!r}")
        if library is not None and not library_name_ok(library):
            raise ValueError(f"not a library name: {library!r}")
        await self.db.execute(
            "INSERT INTO chat_settings (chat_id, library, tone) VALUES (?, ?, ?)"
            " ON CONFLICT(chat_id) DO UPDATE SET"
            " library = COALESCE(excluded.library, library), tone = COALESCE(excluded.tone, tone)",
            (chat_id, library, tone),
        )
        await self.db.commit()


def _masked(name: str | None) -> str | None:
    """A customer's display name or a conversation title, as personal as the text: a shop's
    customers put their phone number in their names (张三 13812345678)."""
    return None if name is None else mask_personal(name)


def _business_account(row: aiosqlite.Row) -> BusinessAccount:
    auto_reply = row["auto_reply"]
    return BusinessAccount(
        id=row["id"],
        user_id=row["user_id"],
        user_chat_id=row["user_chat_id"],
        can_reply=bool(row["can_reply"]),
        is_enabled=bool(row["is_enabled"]),
        auto_reply=None if auto_reply is None else bool(auto_reply),
    )
