"""The real `csbot run` on a PostgreSQL storage.database: killed in a burst, it loses nothing and
stores and answers each update once; its sent journal lives in storage.journal_dir."""

import asyncio

from bot.storage import open_storage
from bot.storage_url import PostgresUrl
from bot.telegram.fake_api import BotProcess

TOKEN = "123456:PG-e2e-secret-token"
ASKS = ["包邮吗", "有色差吗", "几天能到", "可以开发票吗", "L码还有吗"]
CHATS = 40


async def waiting(url: str) -> int:
    async with open_storage(url, create=False) as storage:
        [(left,)] = await storage.db.fetch("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL")
        return int(left)


async def test_a_killed_bot_on_postgres_answers_and_stores_each_update_once(
    api, tmp_path, postgres_url
):
    bot = BotProcess(api, tmp_path, database=postgres_url)
    await bot.start()
    try:
        await api.wait_for("getMe", timeout=90)
        chats = {
            await api.message(50_000 + n, ASKS[n % len(ASKS)]): 50_000 + n for n in range(CHATS)
        }
        await api.wait_for("sendMessage", count=10, timeout=120)
        await bot.kill()  # kill -9 with the burst part handled
        await bot.start()
        for _ in range(1800):  # bounded: at most three minutes of polling
            if all(api.sent("sendMessage", c) for c in chats.values()) and not await waiting(
                postgres_url
            ):
                break
            await asyncio.sleep(0.1)
        assert await bot.stop() == 0
    finally:
        await bot.kill()
    async with open_storage(postgres_url, create=False) as storage:
        rows = await storage.db.fetch("SELECT update_id FROM exchanges ORDER BY update_id")
    assert [r[0] for r in rows] == sorted(chats)  # every update stored, once
    assert {len(api.sent("sendMessage", c)) for c in chats.values()} == {1}  # answered once
    output = bot.output()
    assert TOKEN not in output and "Traceback" not in output
    assert PostgresUrl(postgres_url).password not in output
    assert str(PostgresUrl(postgres_url)) in output  # the log names it, password hidden
    assert (tmp_path / "data").is_dir() and not list((tmp_path / "data").glob("*.sent.*"))
    assert not (tmp_path / "bot.db").exists()
