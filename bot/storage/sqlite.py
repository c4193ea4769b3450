"""SQLite through aiosqlite: the embedded default. WAL, schema versions by PRAGMA user_version."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.storage.database import MissingDatabaseError, Row, newer_schema
from bot.storage.migrations import SQLITE_MIGRATIONS


class _TaskLock:
    """One task at a time on the connection; the task holding it may take it again (a
    transaction's statements, or a helper called inside one)."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None and self._owner is task:
            yield
            return
        async with self._lock:
            self._owner = task
            try:
                yield
            finally:
                self._owner = None


class SqliteDatabase:
    dialect = "sqlite"

    def __init__(
        self,
        connection: aiosqlite.Connection,
        path: Path,
        *,
        autocommit: bool = True,
        lock: _TaskLock | None = None,
    ):
        self.connection = connection
        self.path = path
        self.location = str(path)
        self._autocommit = autocommit
        # One connection for every task: concurrent handlers (a webhook's, say) interleaving
        # statements on it broke each other's transactions and, mid-fetch, gave sqlite3's
        # "bad parameter or other API misuse". Each statement, and each transaction as a
        # whole, holds the connection alone.
        self._lock = lock or _TaskLock()

    async def _done(self) -> None:
        if self._autocommit and self.connection.in_transaction:
            await self.connection.commit()

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        async with self._lock.hold():
            rows = list(await self.connection.execute_fetchall(sql, params))
            await self._done()  # an INSERT … RETURNING writes too
        return rows

    async def fetch_tuples(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        async with self._lock.hold(), self.connection.execute(sql, params) as cursor:
            cursor.row_factory = None
            return list(await cursor.fetchall())

    async def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        async with self._lock.hold():
            cursor = await self.connection.execute(sql, params)
            await self._done()
        return cursor.rowcount

    async def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        async with self._lock.hold():
            await self.connection.executemany(sql, rows)
            await self._done()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteDatabase]:
        async with self._lock.hold():
            try:
                yield SqliteDatabase(self.connection, self.path, autocommit=False, lock=self._lock)
            except BaseException:
                await self.connection.rollback()
                raise
            await self.connection.commit()

    def one_of(self, column: str) -> str:
        return f"{column} IN (SELECT value FROM json_each(?))"

    def as_list(self, values: Sequence[object]) -> object:
        return json.dumps(list(values), ensure_ascii=False)

    async def schema_version(self) -> int:
        async with self.connection.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def close(self) -> None:
        await self.connection.close()


async def open_sqlite(path: Path, *, create: bool) -> SqliteDatabase:
    """Open (or, with ``create``, make) the file and bring its schema up to date."""
    memory = str(path) == ":memory:"
    if not memory and not create:
        if not path.is_file():
            raise MissingDatabaseError(path)
        # mode=rw: should the file vanish in between, sqlite fails instead of creating it
        connection = await aiosqlite.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)
    else:
        if not memory:
            path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path)
    db = SqliteDatabase(connection, path)
    try:
        connection.row_factory = aiosqlite.Row
        await connection.execute("PRAGMA busy_timeout=5000")
        await _use_wal(connection)
        await connection.execute("PRAGMA synchronous=NORMAL")
        await _migrate(db)
    except BaseException:
        # aiosqlite's worker thread is not a daemon: a connection left open here would
        # keep the process alive after its error, which is how an importer hung
        await db.close()
        raise
    return db


async def _use_wal(connection: aiosqlite.Connection) -> None:
    """WAL, once per file. Switching fails at once, without the busy timeout, while another
    process opens the same fresh file; then wait for that one's lock (BEGIN IMMEDIATE does
    wait) and switch, or find it switched already."""
    try:
        await connection.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError:
        await connection.execute("BEGIN IMMEDIATE")
        await connection.commit()
        await connection.execute("PRAGMA journal_mode=WAL")


async def _migrate(db: SqliteDatabase) -> None:
    version = await db.schema_version()
    if version > len(SQLITE_MIGRATIONS):
        raise newer_schema(db.location, version, len(SQLITE_MIGRATIONS))
    while version < len(SQLITE_MIGRATIONS):
        number = version + 1
        try:  # IMMEDIATE: a second process opening a fresh database waits for the first
            await db.connection.executescript(
                f"BEGIN IMMEDIATE;\n{SQLITE_MIGRATIONS[version]}\n"
                f"PRAGMA user_version = {number};\nCOMMIT;"
            )
        except sqlite3.OperationalError:
            await db.connection.rollback()
            if await db.schema_version() < number:
                raise  # not another process's migration of the same step: a real fault
        version = await db.schema_version()
