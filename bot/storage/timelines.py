"""Customer↔agent timelines for response times: agents, conversations and their messages, from
imports and from Telegram Business chats."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from bot.privacy import mask_personal
from bot.roles import ROLE_CODES
from bot.storage.database import Database
from bot.storage.models import LearningRows, Timeline, TimelineMessage

_AGENT_SPAN = 1 << 32  # role and agent id travel as role * span + agent id


class TimelineRepository(Protocol):
    async def agent_ids(self, names: Sequence[str]) -> dict[str, int]: ...

    async def agents(self) -> dict[int, str]: ...

    async def add_timeline(self, source: str, messages: Sequence[TimelineMessage]) -> int: ...

    async def timeline(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        conversation: str | None = None,
    ) -> Timeline: ...

    async def count_messages(self) -> int: ...

    async def conversation_titles(self, ids: Sequence[int]) -> dict[int, str]: ...

    async def conversation_names(self, ids: Sequence[int]) -> dict[int, tuple[str, str | None]]: ...

    async def conversation_timeline(self, source: str, external_id: str) -> Timeline: ...

    async def latest_conversation(self, source: str, prefix: str) -> tuple[str, float] | None: ...

    async def learning_rows(self, *, since: float | None = None) -> LearningRows: ...


class Timelines:
    """TimelineRepository over any Database."""

    db: Database

    async def agent_ids(self, names: Sequence[str]) -> dict[str, int]:
        await self.db.executemany(
            "INSERT INTO agents (name) VALUES (?) ON CONFLICT DO NOTHING",
            [(n,) for n in sorted(set(names))],
        )
        rows = await self.db.fetch("SELECT id, name FROM agents")
        return {name: int(agent_id) for agent_id, name in rows}

    async def agents(self) -> dict[int, str]:
        rows = await self.db.fetch("SELECT id, name FROM agents")
        return {int(agent_id): name for agent_id, name in rows}

    async def add_timeline(self, source: str, messages: Sequence[TimelineMessage]) -> int:
        """Store messages in one transaction; ones already stored are skipped. Returns how many
        were new."""
        if not messages:
            return 0
        agent_ids = await self.agent_ids([m.agent for m in messages if m.agent])
        async with self.db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO conversations (source, external_id, title) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                sorted(
                    {(source, m.conversation, _masked(m.title)) for m in messages},
                    key=lambda row: (row[1], row[2] or ""),
                ),
            )
            # only this batch's conversations: a million-row import keeps its memory bounded
            rows = await tx.fetch(
                "SELECT external_id, id FROM conversations WHERE source = ?"
                f" AND {tx.one_of('external_id')}",
                (source, tx.as_list(sorted({m.conversation for m in messages}))),
            )
            conversation_ids = {external: int(i) for external, i in rows}
            batch = sorted({m.external_id for m in messages})
            [(known,)] = await tx.fetch(
                f"SELECT COUNT(*) FROM messages WHERE source = ? AND {tx.one_of('external_id')}",
                (source, tx.as_list(batch)),
            )
            await tx.executemany(
                "INSERT INTO messages (conversation_id, source, external_id, ts, role,"
                " agent_id, sender, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                [
                    (
                        conversation_ids[m.conversation],
                        source,
                        m.external_id,
                        float(m.ts),
                        ROLE_CODES[m.role],
                        agent_ids.get(m.agent) if m.agent else None,
                        _masked(m.sender),
                        mask_personal(m.text),
                    )
                    for m in messages
                ],
            )
        # (source, external id) is unique: what the batch names and was not there is new
        return len(batch) - int(known)

    async def timeline(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        conversation: str | None = None,
    ) -> Timeline:
        """Every message of the conversations that have a message in [since, until)."""
        where: list[str] = []
        params: list[object] = []
        if since is not None:
            where.append("ts >= ?")
            params.append(float(since))
        if until is not None:
            where.append("ts < ?")
            params.append(float(until))
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
        rows = await self.db.fetch_tuples(
            f"SELECT conversation_id, ts, role * {_AGENT_SPAN} + COALESCE(agent_id, -1)"
            f" FROM messages {scope}",
            params,
        )
        table = np.array(rows, dtype=np.float64).reshape(len(rows), 3)
        table = table[np.lexsort((table[:, 1], table[:, 0]))]  # stable: ties keep table order
        role, agent = np.divmod(table[:, 2].astype(np.int64) + 1, _AGENT_SPAN)
        return Timeline(table[:, 0].astype(np.int64), table[:, 1], role, agent - 1)

    async def count_messages(self) -> int:
        [row] = await self.db.fetch("SELECT COUNT(*) FROM messages")
        return int(row[0])

    async def conversation_titles(self, ids: Sequence[int]) -> dict[int, str]:
        """Display names for report rows, which only carry conversation ids."""
        if not ids:
            return {}
        rows = await self.db.fetch(
            "SELECT id, COALESCE(title, external_id) FROM conversations"
            f" WHERE {self.db.one_of('id')}",
            (self.db.as_list(sorted({int(i) for i in ids})),),
        )
        return {int(conversation_id): str(title) for conversation_id, title in rows}

    async def conversation_names(self, ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
        """The conversation's own id in its source (qn-001) and its title, by internal id."""
        rows = await self.db.fetch(
            f"SELECT id, external_id, title FROM conversations WHERE {self.db.one_of('id')}",
            (self.db.as_list(sorted({int(i) for i in ids})),),
        )
        return {int(i): (str(external), title) for i, external, title in rows}

    async def conversation_timeline(self, source: str, external_id: str) -> Timeline:
        """One conversation's messages, found by its unique (source, external id)."""
        rows = await self.db.fetch_tuples(
            "SELECT m.conversation_id, m.ts, m.role, COALESCE(m.agent_id, -1)"
            " FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " WHERE c.source = ? AND c.external_id = ? ORDER BY m.ts, m.id",
            (source, external_id),
        )
        table = np.array(rows, dtype=np.float64).reshape(len(rows), 4)
        return Timeline(
            table[:, 0].astype(np.int64),
            table[:, 1],
            table[:, 2].astype(np.int64),
            table[:, 3].astype(np.int64),
        )

    async def latest_conversation(self, source: str, prefix: str) -> tuple[str, float] | None:
        """The most recently active conversation whose external id starts with ``prefix``, and
        its last message time: live mode decides from it whether a new one begins."""
        rows = await self.db.fetch(
            "SELECT c.external_id, MAX(m.ts) AS last_ts FROM conversations c"
            " JOIN messages m ON m.conversation_id = c.id"
            " WHERE c.source = ? AND substr(c.external_id, 1, ?) = ?"
            " GROUP BY c.id ORDER BY last_ts DESC LIMIT 1",
            (source, len(prefix), prefix),
        )
        return (str(rows[0][0]), float(rows[0][1])) if rows else None

    async def learning_rows(self, *, since: float | None = None) -> LearningRows:
        """Chat texts since ``since`` (unix seconds) for csbot learn, in a stable order."""
        after = float(since) if since is not None else float("-inf")
        messages = await self.db.fetch(
            "SELECT conversation_id, role, COALESCE(text, '') FROM messages WHERE ts >= ?"
            " ORDER BY conversation_id, ts, id",
            (after,),
        )
        disliked = await self.db.fetch(
            "SELECT text, intents FROM exchanges WHERE feedback < 0 AND received_at >= ?"
            " ORDER BY id",
            (after,),
        )
        return LearningRows(
            messages=[(int(c), int(r), str(t)) for c, r, t in messages],
            disliked=[(str(t), tuple(i for i, _ in json.loads(j))) for t, j in disliked],
        )


def _masked(name: str | None) -> str | None:
    """A customer's display name or a conversation title, as personal as the text: a shop's
    customers put their phone number in their names (张三 13812345678)."""
    return None if name is None else mask_personal(name)
