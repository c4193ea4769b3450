"""A burst of updates, the real `csbot run` killed in the middle: nothing lost or stored twice."""

import signal
import sqlite3

from bot.bench_faults import in_flight, settle
from bot.telegram.fake_api import BotProcess, FakeBotAPI

TOKEN = "123456:CRASH-secret-token"
BURST = 200
ASKS = ["包邮吗", "有色差吗", "几天能到", "可以开发票吗", "L码还有吗", "面料起球吗", "在吗"]


async def burst(api: FakeBotAPI) -> dict[int, int]:
    """One customer question per chat, all at once; returns update id → chat."""
    chats = {}
    for n in range(BURST):
        chat = 50_000 + n
        chats[await api.message(chat, ASKS[n % len(ASKS)])] = chat
    return chats


async def finish(bot: BotProcess, api: FakeBotAPI, chats: dict[int, int]) -> None:
    """Restart and wait until every chat has its answer and the inbox is empty."""
    await bot.start()
    await settle(bot, api, list(chats.values()), timeout=180)
    assert await bot.stop() == 0


def stored(bot: BotProcess) -> list[int]:
    with sqlite3.connect(bot.database) as db:
        return [r[0] for r in db.execute("SELECT update_id FROM exchanges ORDER BY update_id")]


async def test_sigkill_twice_during_a_burst_loses_nothing_and_stores_each_update_once(
    api, tmp_path
):
    bot = BotProcess(api, tmp_path)
    await bot.start()
    await api.wait_for("getMe", timeout=90)
    chats = await burst(api)
    unsure: set[int] = set()
    for answered in (30, 90):  # kill -9 twice, with the burst half handled
        await api.wait_for("sendMessage", count=answered, timeout=120)
        await bot.kill()
        unsure |= in_flight(bot)
        if answered == 30:
            await bot.start()
    await finish(bot, api, chats)

    assert stored(bot) == sorted(chats)  # every update stored, once
    counts = {u: len(api.sent("sendMessage", chat)) for u, chat in chats.items()}
    assert set(counts.values()) == {1}  # every update answered, none twice
    assert TOKEN not in bot.output() and "Traceback" not in bot.output()


async def test_sigterm_during_a_burst_stops_soon_and_the_rest_is_answered_after_restart(
    api, tmp_path
):
    bot = BotProcess(api, tmp_path)
    await bot.start()
    await api.wait_for("getMe", timeout=90)
    chats = await burst(api)
    await api.wait_for("sendMessage", count=40, timeout=120)
    assert await bot.stop(signal.SIGTERM, timeout=30) == 0  # a graceful stop, not a kill
    with sqlite3.connect(bot.database) as db:
        waiting = db.execute("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL").fetchone()[0]
    answered_before = len(api.sent("sendMessage"))
    assert answered_before < BURST and waiting > 0  # stopped mid-burst, the rest kept

    await finish(bot, api, chats)
    assert stored(bot) == sorted(chats)
    assert all(len(api.sent("sendMessage", chat)) == 1 for chat in chats.values())
    assert "SIGTERM" in bot.output() and "下次启动接着处理" in bot.output()
    assert not list(tmp_path.glob("bot.db.sent.*"))  # a clean stop folds its journal in
