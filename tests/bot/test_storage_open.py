"""Opening the database: readers never create one, a failed open never keeps a process alive,
and two processes opening a fresh file both get the schema."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys

import pytest

from bot.storage import MIGRATIONS, MissingDatabaseError, open_storage
from tests.conftest import ROOT


async def test_a_reader_never_creates_a_database(tmp_path):
    missing = tmp_path / "data" / "csbot.db"
    with pytest.raises(MissingDatabaseError):
        await open_storage(missing, create=False).open()
    assert not missing.exists() and not missing.parent.exists()
    async with open_storage(missing):
        pass  # a writer makes it
    async with open_storage(missing, create=False) as reader:
        assert await reader.schema_version() == len(MIGRATIONS)


def test_a_failed_open_lets_the_process_exit(tmp_path):
    """aiosqlite's worker thread is not a daemon: an open that fails half-way used to leave
    it running, and the process hung at exit (an importer waited for over ten minutes)."""
    future = tmp_path / "future.db"
    with sqlite3.connect(future) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    code = (
        "import asyncio\nfrom bot.storage import open_storage\n"
        f"try:\n    asyncio.run(open_storage({str(future)!r}).open())\n"
        "except RuntimeError as exc:\n    print('refused:', exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )  # the timeout guards against the hang; it is not a timing assertion
    assert done.returncode == 0, done.stderr
    assert "refused:" in done.stdout and "比程序认识的" in done.stdout


async def test_a_schema_another_process_made_meanwhile_is_taken_as_it_is(tmp_path):
    path = tmp_path / "fresh.db"
    other = sqlite3.connect(path, isolation_level=None)  # another process, as SQLite sees it
    other.execute("PRAGMA journal_mode=WAL")
    # the whole schema in one transaction left open: the file stays locked until COMMIT
    other.executescript(
        "BEGIN IMMEDIATE;" + "".join(MIGRATIONS) + f"PRAGMA user_version = {len(MIGRATIONS)};"
    )
    assert other.in_transaction
    opening = asyncio.create_task(open_storage(path).open())
    await asyncio.sleep(0.3)  # let it reach the locked database (either order must work)
    other.execute("COMMIT")
    other.close()
    storage = await opening
    try:
        assert await storage.schema_version() == len(MIGRATIONS)
        assert await storage.count_messages() == 0
    finally:
        await storage.close()
