"""The one place that owns SQL. ``open_storage(url)`` reads storage.database and gives a Storage:
one repository per aggregate (exchanges and the inbox, timelines, Business accounts, practice,
chat settings), each behind a Protocol, all over one Database seam that SQLite (aiosqlite) and
PostgreSQL (asyncpg) implement.

    async with open_storage("data/csbot.db") as storage: ...
    storage = await open_storage("postgresql://csbot:…@127.0.0.1/csbot")
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Awaitable, Callable, Generator
from pathlib import Path

import asyncpg

from bot.storage.business import BusinessAccounts, BusinessRepository
from bot.storage.database import (
    Database,
    MissingDatabaseError,
    StorageUnavailableError,
)
from bot.storage.exchanges import ExchangeRepository, Exchanges
from bot.storage.migrations import POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS
from bot.storage.models import (
    SKILLS,
    BusinessAccount,
    Exchange,
    LearningRows,
    Timeline,
    TimelineMessage,
)
from bot.storage.postgres import open_postgres
from bot.storage.practice import Practice, PracticeRepository
from bot.storage.settings import ChatSettings, SettingsRepository
from bot.storage.sqlite import open_sqlite
from bot.storage.timelines import TimelineRepository, Timelines
from bot.storage_url import PostgresUrl, parse_database

__all__ = [
    "DATABASE_ERRORS",
    "MIGRATIONS",
    "POSTGRES_MIGRATIONS",
    "SKILLS",
    "BusinessAccount",
    "BusinessRepository",
    "Exchange",
    "ExchangeRepository",
    "LearningRows",
    "MissingDatabaseError",
    "PracticeRepository",
    "SettingsRepository",
    "Storage",
    "StorageUnavailableError",
    "Timeline",
    "TimelineMessage",
    "TimelineRepository",
    "open_storage",
]

MIGRATIONS = SQLITE_MIGRATIONS  # the embedded default's schema history


#: What a database may raise mid-work, for the commands that report it in one line.
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    sqlite3.Error,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
)


class Storage(Exchanges, Timelines, BusinessAccounts, Practice, ChatSettings):
    """Every repository over one open database. Open once, share, close at shutdown.

    ``create=False`` (reports) opens only a database that exists, so a mistyped path or a run
    from another folder is an error naming it instead of a new empty database.
    """

    def __init__(
        self,
        connect: Callable[[], Awaitable[Database]],
        *,
        location: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._connect = connect
        self.location = location  # the file, or the URL with its password hidden
        self.clock = clock
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("await open_storage(…) first")
        return self._db

    async def open(self) -> Storage:
        if self._db is None:
            self._db = await self._connect()
        return self

    def __await__(self) -> Generator[object, None, Storage]:
        return self.open().__await__()

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def __aenter__(self) -> Storage:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def schema_version(self) -> int:
        return await self.db.schema_version()


def open_storage(
    url: str | Path | PostgresUrl, *, create: bool = True, clock: Callable[[], float] = time.time
) -> Storage:
    """The one factory. ``url``: a path, ``sqlite:///path``, ``:memory:``, or
    ``postgresql://user:password@host:port/dbname``. Await the result, or use it in
    ``async with``, to connect and bring the schema up to date."""
    database = url if isinstance(url, PostgresUrl) else parse_database(url)
    if isinstance(database, PostgresUrl):
        postgres = database
        return Storage(
            lambda: open_postgres(postgres, create=create), location=str(postgres), clock=clock
        )
    path = database
    return Storage(lambda: open_sqlite(path, create=create), location=str(path), clock=clock)
