"""The seam between the repositories and a driver: one SQL text with ``?`` placeholders, run by
aiosqlite or asyncpg. What the two dialects spell differently is asked of the database here."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol


class Row(Protocol):
    """A result row by position or by column name (sqlite3.Row and asyncpg.Record both are)."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...


class Database(Protocol):
    """An open connection (SQLite) or pool (PostgreSQL).

    Outside ``transaction()`` every write commits at once; inside it, all commit together or
    none does.
    """

    dialect: str  # "sqlite" | "postgresql"
    location: str  # the file or the URL with its password hidden, for messages

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]: ...

    async def fetch_tuples(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        """Plain tuples, for the million-row reads that numpy takes in at once."""
        ...

    async def execute(self, sql: str, params: Sequence[object] = ()) -> int:
        """Returns the number of rows the statement changed."""
        ...

    async def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None: ...

    def transaction(self) -> AbstractAsyncContextManager[Database]: ...

    def one_of(self, column: str) -> str:
        """SQL true when ``column`` is in the list bound to its one ``?`` (see ``as_list``)."""
        ...

    def as_list(self, values: Sequence[object]) -> object:
        """``values`` as the parameter of ``one_of``: one parameter however long the list."""
        ...

    async def schema_version(self) -> int: ...

    async def close(self) -> None: ...


class StorageUnavailableError(RuntimeError):
    """The database named in storage.database cannot be opened; the message says what to do."""


class MissingDatabaseError(FileNotFoundError):
    """``create=False`` and there is no database at the path: a reader never makes one."""


def newer_schema(location: str, version: int, known: int) -> RuntimeError:
    return RuntimeError(
        f"{location}: 数据库结构版本 {version} 比程序认识的 {known} 新，请升级 csbot"
    )
