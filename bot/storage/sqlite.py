"""SQLite through aiosqlite: the embedded default. WAL, schema versions by PRAGMA user_version."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.storage.database import MissingDatabaseError, Row, newer_schema
from bot.storage.migrations import SQLITE_MIGRATIONS


class SqliteDatabase:
    dialect = "sqlite"

    def __init__(self, connection: aiosqlite.Connection, path: Path, *, autocommit: bool = True):
        self.connection = connection
        self.path = path
        self.location = str(path)
        self._autocommit = autocommit

    async def _done(self) -> None:
        if self._autocommit and self.connection.in_transaction:
            await self.connection.commit()

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        rows = list(await self.connection.execute_fetchall(sql, params))
        await self._done()  # an INSERT … RETURNING writes too
        return rows

    async def fetch_tuples(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        async with self.connection.execute(sql, params) as cursor:
            cursor.row_factory = None
            return list(await cursor.fetchall())

    async def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        cursor = await self.connection.execute(sql, params)
        await self._done()
        return cursor.rowcount

    async def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        await self.connection.executemany(sql, rows)
        await self._done()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteDatabase]:
        # one connection: statements of other tasks may land in it, as they always did here
        try:
            yield SqliteDatabase(self.connection, self.path, autocommit=False)
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
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.execute("PRAGMA synchronous=NORMAL")
        await _migrate(db)
    except BaseException:
        # aiosqlite's worker thread is not a daemon: a connection left open here would
        # keep the process alive after its error, which is how an importer hung
        await db.close()
        raise
    return db


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
