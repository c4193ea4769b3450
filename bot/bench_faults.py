"""`csbot bench --faults`: the real `csbot run` killed and misled on purpose, and what it lost.

Every scenario drives the bot in its own process against the loopback fake Bot API:

- kill -9 at random moments while a burst of updates is being answered, then a restart;
- kill -9 during paced load (a message every 20 ms);
- SIGTERM in the middle of a burst: how long the graceful stop takes;
- crafted updates the library cannot read, buttons with forged data, then a real question;
- one fault answer (HTML page, bad JSON, no ``ok``, empty body, reset, timeout) on the first
  call of every Bot API method the bot uses.

A reply counts as lost when its chat never got one, twice when it got more than one; "in
flight" are the exchanges stored but not confirmed sent at the kill, which the restart settles
from the sent journal (bot.telegram.journal).
Figures are printed, never asserted.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot.telegram.fake_api import FAULTS, BotProcess, FakeBotAPI

TOKEN = "123456:bench-faults-secret-token"
ASKS = ["包邮吗", "有色差吗", "几天能到", "可以开发票吗", "L码还有吗", "面料起球吗", "在吗",
        "170穿多大码", "能便宜点吗", "我考虑一下"]  # fmt: skip
METHODS = ("getMe", "setMyCommands", "deleteWebhook", "getUpdates", "sendMessage",
           "editMessageText", "answerCallbackQuery")  # fmt: skip


@dataclass(frozen=True)
class FaultRow:
    scenario: str
    tried: int  # kills, crafted updates, or methods given a fault
    updates: int
    survived: int  # of tried: the bot came back (or stayed up) and answered
    lost: int  # updates never answered
    twice: int  # updates answered more than once
    in_flight: int  # replies on their way at the kills
    note: str = ""


async def push_burst(api: FakeBotAPI, count: int, first_chat: int) -> dict[int, int]:
    """One question per chat, all at once; returns chat → update id."""
    return {
        first_chat + n: await api.message(first_chat + n, ASKS[n % len(ASKS)]) for n in range(count)
    }


def in_flight(bot: BotProcess) -> set[int]:
    """Updates whose reply was on its way when the process died."""
    with sqlite3.connect(bot.database) as db:
        rows = db.execute(
            "SELECT update_id FROM exchanges WHERE replied_at IS NULL AND error IS NULL"
        ).fetchall()
    return {r[0] for r in rows}


async def settle(bot: BotProcess, api: FakeBotAPI, chats: Sequence[int], timeout: float) -> None:
    """Wait until every chat has an answer and the inbox is empty, or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(api.sent("sendMessage", c) for c in chats):
            with sqlite3.connect(bot.database) as db:
                left = db.execute("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL").fetchone()
            if not left[0]:
                return
        await asyncio.sleep(0.1)


def tally(api: FakeBotAPI, chats: Sequence[int]) -> tuple[int, int]:
    counts = [len(api.sent("sendMessage", c)) for c in chats]
    return sum(c == 0 for c in counts), sum(c > 1 for c in counts)


def leaks(bot: BotProcess) -> bool:
    stored = b"".join(p.read_bytes() for p in bot.workdir.glob("bot.db*"))
    return TOKEN in bot.output() or TOKEN.encode() in stored


async def kills_during_bursts(
    workdir: Path, *, bursts: int, kills_per_burst: int, size: int, rng: random.Random
) -> FaultRow:
    tried = survived = lost = twice = flying = 0
    stored_twice = 0
    for n in range(bursts):
        api = FakeBotAPI(TOKEN)
        await api.start()
        bot = BotProcess(api, workdir / f"burst{n}")
        try:
            await bot.start()
            await api.wait_for("getMe", timeout=120)
            chats = await push_burst(api, size, 100_000 * (n + 1))
            for start in range(2, kills_per_burst + 2):
                await asyncio.sleep(rng.uniform(0.3, 2.5))  # somewhere inside the burst
                await bot.kill()
                tried += 1
                flying += len(in_flight(bot))
                await bot.start()
                try:
                    await api.wait_for("getMe", count=start, timeout=120)
                except TimeoutError:
                    break
                survived += 1
            await settle(bot, api, list(chats), timeout=300)
            await bot.stop()
            missing, doubled = tally(api, list(chats))
            lost, twice = lost + missing, twice + doubled
            with sqlite3.connect(bot.database) as db:
                total, distinct = db.execute(
                    "SELECT COUNT(*), COUNT(DISTINCT update_id) FROM exchanges"
                ).fetchone()
            stored_twice += total - distinct
        finally:
            await bot.kill()
            await api.stop()
    note = f"存了两次的更新 {stored_twice}"
    return FaultRow(
        f"每批 {size:,} 条更新，中途 kill -9", tried, bursts * size, survived, lost, twice, flying,
        note,
    )  # fmt: skip


async def kills_during_paced_load(
    workdir: Path, *, kills: int, count: int, gap: float, rng: random.Random
) -> FaultRow:
    api = FakeBotAPI(TOKEN)
    await api.start()
    bot = BotProcess(api, workdir / "paced")
    chats = list(range(900_000, 900_000 + count))
    flying = 0
    try:
        await bot.start()
        await api.wait_for("getMe", timeout=120)
        moments = sorted(rng.uniform(0.1, 0.9) * count for _ in range(kills))
        for n, chat in enumerate(chats):
            await api.message(chat, ASKS[n % len(ASKS)])
            await asyncio.sleep(gap)
            if moments and n >= moments[0]:
                moments.pop(0)
                await bot.kill()
                flying += len(in_flight(bot))
                await bot.start()  # messages keep coming while it starts again
        await settle(bot, api, chats, timeout=300)
        # a kill may land while the bot is still starting; what counts is that it came back
        survived = kills if bot.running and all(api.sent("sendMessage", c) for c in chats) else 0
        await bot.stop()
    finally:
        await bot.kill()
        await api.stop()
    lost, twice = tally(api, chats)
    return FaultRow(
        f"匀速 {1 / gap:.0f} 条/秒，中途 kill -9", kills, count, survived, lost, twice, flying
    )


async def sigterm_during_burst(workdir: Path, *, size: int, rng: random.Random) -> FaultRow:
    """SIGTERM in the middle of a burst: how long the graceful stop takes, and what is lost."""
    api = FakeBotAPI(TOKEN)
    await api.start()
    bot = BotProcess(api, workdir / "sigterm")
    try:
        await bot.start()
        await api.wait_for("getMe", timeout=120)
        chats = list(await push_burst(api, size, 800_000))
        await asyncio.sleep(rng.uniform(0.5, 2.0))
        start = time.monotonic()
        code = await bot.stop(timeout=60)
        took = time.monotonic() - start
        await bot.start()
        await settle(bot, api, chats, timeout=300)
        await bot.stop()
    finally:
        await bot.kill()
        await api.stop()
    lost, twice = tally(api, chats)
    note = f"{took:.1f} 秒后退出，退出码 {code}"
    return FaultRow("SIGTERM 在一批更新中途", 1, size, int(code == 0), lost, twice, 0, note)


def crafted_updates(chat: int) -> list[dict[str, object]]:
    """Updates no real Telegram sends, and buttons with forged data."""
    user = {"id": chat, "is_bot": False, "first_name": "小王"}
    msg = {"message_id": 1, "date": 1_764_374_400, "chat": {"id": chat, "type": "private"},
           "from": user}  # fmt: skip

    def press(data: str) -> dict[str, object]:
        return {"callback_query": {"id": "q", "from": user, "chat_instance": "c", "data": data,
                                   "message": {**msg, "text": "…"}}}  # fmt: skip

    return [
        {"message": {"text": "没有 chat 和 date"}},
        {"message": {**msg, "text": 12345}},
        {"message": {**msg, "chat": "not a chat", "text": "包邮吗"}},
        {"message": {**msg, "text": "包邮吗" * 40_000}},
        {"message": {**msg, "text": "\u200b\u202e\x00\x1b[31m 在吗"}},
        {"message": {**msg, "text": "在吗\ud83d"}},  # half of an emoji: a lone surrogate
        {"message": {**msg, "text": "/tone <b>x"}},
        {"edited_message": {**msg, "text": "改过的消息"}},
        {"future_update_kind": {"anything": True}},
        {"callback_query": {"id": "q", "data": "s:next:1"}},
        press("s:next:abc"),
        press("s:next:999999999"),
        press("tone:<b>x"),
        press("lib:../../../../etc/passwd"),
        press("x" * 300),
    ]


async def crafted(workdir: Path) -> FaultRow:
    api = FakeBotAPI(TOKEN)
    await api.start()
    bot = BotProcess(api, workdir / "crafted")
    chat, probe_chat = 700_001, 700_002
    updates = crafted_updates(chat)
    try:
        await bot.start()
        await api.wait_for("getMe", timeout=120)
        for body in updates:
            await api.push(body)
        await api.message(probe_chat, "包邮吗")  # a real question after all of them
        await settle(bot, api, [probe_chat], timeout=60)
        up = bot.running
        await bot.stop()
    finally:
        await bot.kill()
        await api.stop()
    lost, twice = tally(api, [probe_chat])
    note = "token 泄露" if leaks(bot) else "token 未出现"
    return FaultRow("伪造的更新和按钮", len(updates), len(updates) + 1,
                    len(updates) if up and not lost else 0, lost, twice, 0, note)  # fmt: skip


async def fault_answers(workdir: Path, fault: str) -> FaultRow:
    api = FakeBotAPI(TOKEN)
    await api.start()
    for method in METHODS:
        api.failures[method] = [fault]
    bot = BotProcess(api, workdir / f"fault-{fault}", env={"CSBOT_TELEGRAM_TIMEOUT": "2"})
    chat = 600_001
    survived = 0
    try:
        await bot.start()
        await api.wait_for("getMe", timeout=120)
        await api.message(chat, "包邮吗？几天能到")
        [reply] = await api.wait_for("sendMessage", chat_id=chat, timeout=120)
        buttons = json.loads(reply.params["reply_markup"])["inline_keyboard"]
        data = next(
            b.get("callback_data", "")
            for r in buttons
            for b in r
            if ":next:" in b.get("callback_data", "")
        )
        await api.press(chat, data, message_id=1001)
        await api.wait_for("editMessageText", chat_id=chat, timeout=120)
        await api.wait_for("answerCallbackQuery", timeout=120)
        faulted = {c.method.split("!")[0] for c in api.calls if "!" in c.method}
        survived = len(faulted) if bot.running else 0
        await bot.stop()
    finally:
        await bot.kill()
        await api.stop()
    lost, twice = tally(api, [chat])
    note = "token 泄露" if leaks(bot) else "token 未出现"
    return FaultRow(f"每个方法答一次 {fault}", len(METHODS), 2, survived, lost, twice, 0, note)


async def _run(workdir: Path, *, kills: int, burst: int, seed: int) -> list[FaultRow]:
    rng = random.Random(seed)
    rows = [
        await kills_during_bursts(
            workdir, bursts=(kills + 1) // 2, kills_per_burst=2, size=burst, rng=rng
        ),
        await kills_during_paced_load(workdir, kills=3, count=300, gap=0.02, rng=rng),
        await sigterm_during_burst(workdir, size=burst, rng=rng),
        await crafted(workdir),
    ]
    for fault in FAULTS:
        rows.append(await fault_answers(workdir, fault))
    return rows


def bench_faults(*, kills: int = 10, burst: int = 1000, seed: int = 8) -> list[FaultRow]:
    """Every scenario once; ``kills`` SIGKILLs spread over bursts of ``burst`` updates, two
    kills per burst."""
    with tempfile.TemporaryDirectory() as workdir:
        return asyncio.run(_run(Path(workdir), kills=kills, burst=burst, seed=seed))


def print_faults(out: Console, machine: str) -> None:
    """Run every scenario and print the table (what `csbot bench --faults` shows)."""
    out.print(f"机器：{machine}；机器人和假 Bot API 各一个进程，走 127.0.0.1")
    out.print("在途 = kill 那一刻已存但还没确认发出的回复：重启后按发送日志决定补发还是不再发")
    table = Table(
        "场景", "尝试", "更新", "挺过", "丢失", "回复两次", "kill 时在途", "备注", show_edge=False
    )
    for row in bench_faults():
        table.add_row(
            row.scenario, str(row.tried), f"{row.updates:,}", str(row.survived), str(row.lost),
            str(row.twice), str(row.in_flight), row.note,
        )  # fmt: skip
    Console(highlight=False, width=max(out.width, 130)).print(table)
