"""Exchanges (a customer message, its suggestion, the reply sent) and the inbox of updates."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Protocol

from bot.logs import redact
from bot.privacy import mask_personal
from bot.storage.database import Database
from bot.storage.models import Exchange


class ExchangeRepository(Protocol):
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
    ) -> int: ...

    async def mark_replied(
        self,
        exchange_id: int,
        *,
        reply: str,
        bot_message_id: int | None,
        replied_at: float,
        update_id: int | None = None,
    ) -> None: ...

    async def mark_failed(
        self, exchange_id: int, error: str, *, update_id: int | None = None
    ) -> None: ...

    async def update_choice(
        self, exchange_id: int, *, reply: str, variant: int, tone: str
    ) -> None: ...

    async def set_feedback(self, exchange_id: int, feedback: int) -> None: ...

    async def exchange(self, exchange_id: int) -> Exchange | None: ...

    async def exchange_for_update(self, update_id: int) -> tuple[int, bool, int] | None: ...

    async def add_sent_parts(self, parts: dict[int, int]) -> None: ...

    async def count_exchanges(self) -> int: ...

    async def inbox_add(self, updates: Sequence[tuple[int, str]]) -> list[int]: ...

    async def inbox_pending(self) -> list[tuple[int, str]]: ...

    async def inbox_done(self, update_id: int, error: str | None = None) -> None: ...

    async def inbox_prune(self, before: float) -> None: ...


class Exchanges:
    """ExchangeRepository over any Database."""

    db: Database
    clock: Callable[[], float]

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
        [row] = await self.db.fetch(
            "INSERT INTO exchanges (update_id, chat_id, user_id, library, text, intents, tone,"
            " received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                update_id,
                chat_id,
                user_id,
                library,
                mask_personal(text),
                json.dumps([list(i) for i in intents], ensure_ascii=False),
                tone,
                float(received_at),
            ),
        )
        return int(row[0])

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
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE exchanges SET reply = ?, bot_message_id = ?, replied_at = ?,"
                " latency_ms = (? - received_at) * 1000.0 WHERE id = ?",
                (reply, bot_message_id, float(replied_at), float(replied_at), exchange_id),
            )
            if update_id is not None:
                await self._inbox_done(tx, update_id, None)

    async def mark_failed(
        self, exchange_id: int, error: str, *, update_id: int | None = None
    ) -> None:
        """The reply could not be sent; the error is stored without any secret in it."""
        error = redact(error)
        async with self.db.transaction() as tx:
            await tx.execute("UPDATE exchanges SET error = ? WHERE id = ?", (error, exchange_id))
            if update_id is not None:
                await self._inbox_done(tx, update_id, error)

    async def update_choice(self, exchange_id: int, *, reply: str, variant: int, tone: str) -> None:
        await self.db.execute(
            "UPDATE exchanges SET reply = ?, variant = ?, tone = ? WHERE id = ?",
            (reply, variant, tone, exchange_id),
        )

    async def set_feedback(self, exchange_id: int, feedback: int) -> None:
        await self.db.execute(
            "UPDATE exchanges SET feedback = ? WHERE id = ?", (feedback, exchange_id)
        )

    async def exchange(self, exchange_id: int) -> Exchange | None:
        rows = await self.db.fetch("SELECT * FROM exchanges WHERE id = ?", (exchange_id,))
        if not rows:
            return None
        row = rows[0]
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
        rows = await self.db.fetch(
            "SELECT id, replied_at IS NOT NULL OR error IS NOT NULL, sent_parts FROM exchanges"
            " WHERE update_id = ?",
            (update_id,),
        )
        return (int(rows[0][0]), bool(rows[0][1]), int(rows[0][2])) if rows else None

    async def add_sent_parts(self, parts: dict[int, int]) -> None:
        """Fold a sent journal in: exchange id → parts of its reply that left."""
        await self.db.executemany(
            "UPDATE exchanges SET sent_parts = ? WHERE id = ? AND sent_parts < ?",
            [(count, exchange, count) for exchange, count in parts.items()],
        )

    async def count_exchanges(self) -> int:
        [row] = await self.db.fetch("SELECT COUNT(*) FROM exchanges")
        return int(row[0])

    # --- the inbox of received updates ------------------------------------------------------

    async def inbox_add(self, updates: Sequence[tuple[int, str]]) -> list[int]:
        """Store (update id, JSON) pairs in one commit; returns the ids that were new. A webhook
        may deliver an update twice, to two workers at once: the row that one of them inserts
        is the only one, so exactly one of them hears that it is new."""
        new = []
        async with self.db.transaction() as tx:
            for update_id, payload in dict(updates).items():
                if await tx.fetch(
                    "INSERT INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?)"
                    " ON CONFLICT DO NOTHING RETURNING update_id",
                    (update_id, payload, self.clock()),
                ):
                    new.append(update_id)
        return new

    async def inbox_pending(self) -> list[tuple[int, str]]:
        """Updates stored but not yet handled, oldest first: what a restart finishes."""
        rows = await self.db.fetch(
            "SELECT update_id, payload FROM inbox WHERE done_at IS NULL ORDER BY update_id"
        )
        return [(int(i), str(payload)) for i, payload in rows]

    async def inbox_done(self, update_id: int, error: str | None = None) -> None:
        await self._inbox_done(self.db, update_id, None if error is None else redact(error))

    async def _inbox_done(self, db: Database, update_id: int, error: str | None) -> None:
        await db.execute(
            "UPDATE inbox SET done_at = ?, payload = NULL, error = COALESCE(?, error)"
            " WHERE update_id = ? AND done_at IS NULL",
            (self.clock(), error, update_id),
        )

    async def inbox_prune(self, before: float) -> None:
        """Forget updates handled before ``before``: Telegram redelivers none older than a day,
        and after a week of quiet it may start its update ids anew."""
        await self.db.execute("DELETE FROM inbox WHERE done_at < ?", (float(before),))
