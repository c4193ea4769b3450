"""PostgreSQL through asyncpg: one database shared by several bot processes.

The repositories' SQL is SQLite's and PostgreSQL's common ground with ``?`` placeholders; they
become ``$1, $2, …`` here. The schema version is the table ``schema_version``, and a migration
runs under an advisory lock, so workers starting together migrate once.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg

from bot.logs import keep_secret, redact
from bot.storage.database import (
    MissingDatabaseError,
    Row,
    StorageUnavailableError,
    newer_schema,
)
from bot.storage.migrations import POSTGRES_MIGRATIONS
from bot.storage_url import PostgresUrl

_MIGRATION_LOCK = 0x637362_6F74  # any constant of our own: "csbot"
_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\?")
_CONNECT_ERRORS = (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


@lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """``?`` placeholders as asyncpg's ``$n``; a ``?`` inside a string literal stays.

    >>> numbered("SELECT '?', a FROM t WHERE b = ? AND c IN (?, ?)")
    "SELECT '?', a FROM t WHERE b = $1 AND c IN ($2, $3)"
    """
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group() != "?":
            return match.group()
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql)


def _changed(status: str) -> int:
    """asyncpg's command tag (UPDATE 3, INSERT 0 1) → the rows it changed."""
    last = status.rpartition(" ")[2]
    return int(last) if last.isdigit() else 0


class PostgresDatabase:
    dialect = "postgresql"

    def __init__(self, executor: Any, location: str, *, pool: asyncpg.Pool | None = None) -> None:
        self._executor = executor  # the pool, or one connection inside a transaction
        self._pool = pool
        self.location = location

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        return list(await self._executor.fetch(numbered(sql), *params))

    async def fetch_tuples(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        return [tuple(r) for r in await self._executor.fetch(numbered(sql), *params)]

    async def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        return _changed(await self._executor.execute(numbered(sql), *params))

    async def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        if rows:
            await self._executor.executemany(numbered(sql), rows)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresDatabase]:
        if self._pool is None:  # already in one: a savepoint
            async with self._executor.transaction():
                yield self
            return
        async with self._pool.acquire() as connection, connection.transaction():
            yield PostgresDatabase(connection, self.location)

    def one_of(self, column: str) -> str:
        return f"{column} = ANY(?)"

    def as_list(self, values: Sequence[object]) -> object:
        return list(values)

    async def schema_version(self) -> int:
        return int(
            await self._executor.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()


async def open_postgres(url: PostgresUrl, *, create: bool) -> PostgresDatabase:
    """Connect, make the database if it is missing and ``create`` allows, migrate."""
    if url.password:
        keep_secret(url.password, unquote(url.password))  # out of every log line from now on
    try:
        pool = await _pool(url)
    except asyncpg.InvalidCatalogNameError:
        if not create:
            raise MissingDatabaseError(str(url)) from None
        await _create_database(url)
        pool = await _pool(url)
    db = PostgresDatabase(pool, str(url), pool=pool)
    try:
        await _migrate(db)
    except BaseException:
        await db.close()
        raise
    return db


async def _pool(url: PostgresUrl) -> asyncpg.Pool:
    try:
        return await asyncpg.create_pool(url.secret, min_size=1, max_size=10, timeout=10)
    except asyncpg.InvalidCatalogNameError:
        raise
    except _CONNECT_ERRORS as exc:
        raise _unavailable(url, exc) from None


def _unavailable(url: PostgresUrl, exc: BaseException) -> StorageUnavailableError:
    reason = redact(str(exc)) or type(exc).__name__
    return StorageUnavailableError(
        f"连不上 PostgreSQL 数据库 {url}：{reason}。"
        "请检查 storage.database 里的主机、端口、用户名、密码和库名，以及数据库服务器是否在运行。"
    )


async def _create_database(url: PostgresUrl) -> None:
    parts = urlsplit(url.secret)
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    name = '"' + url.database.replace('"', '""') + '"'
    try:
        connection = await asyncpg.connect(maintenance, timeout=10)
    except _CONNECT_ERRORS as exc:
        raise _unavailable(url, exc) from None
    try:
        await connection.execute(f"CREATE DATABASE {name}")
    except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
        pass  # another process made it first (at the same instant: the catalogue's own index)
    except asyncpg.PostgresError as exc:
        raise StorageUnavailableError(
            f"PostgreSQL 里没有数据库 {url}，也建不了：{redact(str(exc))}。"
            "请让管理员先建好这个库（CREATE DATABASE），或给这个用户 CREATEDB 权限。"
        ) from None
    finally:
        await connection.close()


async def _migrate(db: PostgresDatabase) -> None:
    async with db.transaction() as tx:
        connection = tx._executor
        await connection.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        version = await tx.schema_version()
        if version > len(POSTGRES_MIGRATIONS):
            raise newer_schema(db.location, version, len(POSTGRES_MIGRATIONS))
        for number in range(version + 1, len(POSTGRES_MIGRATIONS) + 1):
            await connection.execute(POSTGRES_MIGRATIONS[number - 1])
            await connection.execute("INSERT INTO schema_version (version) VALUES ($1)", number)
