"""Telegram Business accounts connected to the bot (live mode)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from bot.storage.database import Database, Row
from bot.storage.models import BusinessAccount


class BusinessRepository(Protocol):
    async def save_business_account(self, account: BusinessAccount) -> None: ...

    async def business_account(self, connection_id: str) -> BusinessAccount | None: ...

    async def business_accounts_of(self, user_id: int) -> list[BusinessAccount]: ...

    async def set_auto_reply(self, user_id: int, enabled: bool) -> int: ...


class BusinessAccounts:
    """BusinessRepository over any Database."""

    db: Database
    clock: Callable[[], float]

    async def save_business_account(self, account: BusinessAccount) -> None:
        """Insert or update from a business_connection update; a chosen auto_reply is kept."""
        await self.db.execute(
            "INSERT INTO business_connections (id, user_id, user_chat_id, can_reply, is_enabled,"
            " auto_reply, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id,"
            " user_chat_id = excluded.user_chat_id, can_reply = excluded.can_reply,"
            " is_enabled = excluded.is_enabled,"
            " auto_reply = COALESCE(excluded.auto_reply, business_connections.auto_reply),"
            " updated_at = excluded.updated_at",
            (
                account.id,
                account.user_id,
                account.user_chat_id,
                bool(account.can_reply),
                bool(account.is_enabled),
                None if account.auto_reply is None else bool(account.auto_reply),
                self.clock(),
            ),
        )

    async def business_account(self, connection_id: str) -> BusinessAccount | None:
        rows = await self.db.fetch(
            "SELECT * FROM business_connections WHERE id = ?", (connection_id,)
        )
        return _business_account(rows[0]) if rows else None

    async def business_accounts_of(self, user_id: int) -> list[BusinessAccount]:
        rows = await self.db.fetch(
            "SELECT * FROM business_connections WHERE user_id = ? ORDER BY updated_at",
            (user_id,),
        )
        return [_business_account(row) for row in rows]

    async def set_auto_reply(self, user_id: int, enabled: bool) -> int:
        """Switch automatic replies for every connection the owner has; returns how many."""
        return await self.db.execute(
            "UPDATE business_connections SET auto_reply = ?, updated_at = ? WHERE user_id = ?",
            (bool(enabled), self.clock(), user_id),
        )


def _business_account(row: Row) -> BusinessAccount:
    auto_reply = row["auto_reply"]
    return BusinessAccount(
        id=row["id"],
        user_id=row["user_id"],
        user_chat_id=row["user_chat_id"],
        can_reply=bool(row["can_reply"]),
        is_enabled=bool(row["is_enabled"]),
        auto_reply=None if auto_reply is None else bool(auto_reply),
    )
