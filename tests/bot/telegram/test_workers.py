"""Two real `csbot run --webhook` workers sharing PostgreSQL and Redis, against the loopback fake
Bot API: updates posted to either, and the same update_id re-delivered to both, each get one
reply and one stored exchange; a practice drill goes on across a worker killed and restarted."""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
from typing import Any

import aiohttp

from bot.config import Config, Secret, TelegramSettings
from bot.storage import open_storage
from bot.telegram.app import webhook_secret
from bot.telegram.fake_api import BotProcess, FakeBotAPI

TOKEN = "123456:WORKERS-e2e-secret-token"
ASKS = ["包邮吗", "有色差吗", "几天能到", "可以开发票吗", "L码还有吗"]
CHATS = 30
SECRET = webhook_secret(Config(telegram=TelegramSettings(token=Secret(TOKEN))))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Worker:
    def __init__(self, api: FakeBotAPI, workdir, database: str, redis_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/tg"
        self.process = BotProcess(
            api,
            workdir,
            database=database,
            telegram=f"  webhook_listen: 127.0.0.1:{self.port}\n",
            config=f"redis:\n  url: {redis_url}\n",
            args=("--webhook", "https://bot.example.com/tg"),
        )

    async def start(self, http: aiohttp.ClientSession) -> None:
        await self.process.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # listening once the start-up checks are done
            assert self.process.running, self.process.output()[-2000:]
            try:
                async with http.post(self.url, json={}) as answer:
                    if answer.status == 401:  # no secret: refused, so it is up
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
        raise AssertionError(
            f"worker on {self.port} did not start: {self.process.output()[-2000:]}"
        )

    async def post(self, http: aiohttp.ClientSession, update: dict[str, Any]) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with http.post(self.url, json=update, headers=headers) as answer:
            return answer.status


_message_ids = itertools.count(1000)


def message(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": next(_message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "小王"},
            "text": text,
        },
    }


async def settle(api: FakeBotAPI, database: str, chats: list[int], *, replies: int = 1) -> None:
    for _ in range(1800):  # bounded: at most three minutes
        if all(len(api.sent("sendMessage", c)) >= replies for c in chats):
            async with open_storage(database, create=False) as storage:
                [(left,)] = await storage.db.fetch(
                    "SELECT COUNT(*) FROM inbox WHERE done_at IS NULL"
                )
            if not left:
                return
        await asyncio.sleep(0.1)


async def handled(database: str, update_id: int) -> None:
    for _ in range(600):
        async with open_storage(database, create=False) as storage:
            rows = await storage.db.fetch(
                "SELECT 1 FROM inbox WHERE update_id = ? AND done_at IS NOT NULL", (update_id,)
            )
        if rows:
            return
        await asyncio.sleep(0.1)


async def test_two_workers_answer_and_store_each_update_once_and_keep_a_drill(
    api, tmp_path, postgres_url, redis_url
):
    one = Worker(api, tmp_path / "one", postgres_url, redis_url)
    two = Worker(api, tmp_path / "two", postgres_url, redis_url)
    async with aiohttp.ClientSession() as http:
        try:
            await one.start(http)
            await two.start(http)
            assert len(api.sent("setWebhook")) == 1  # one worker sets it, not both

            # every update to one worker or the other, and every third re-delivered to both
            updates = {
                100 + n: message(100 + n, 60_000 + n, ASKS[n % len(ASKS)]) for n in range(CHATS)
            }
            posts = []
            for n, update in enumerate(updates.values()):
                first, second = (one, two) if n % 2 else (two, one)
                posts.append(first.post(http, update))
                if n % 3 == 0:
                    posts.append(second.post(http, update))
            assert set(await asyncio.gather(*posts)) == {200}
            chats = [u["message"]["chat"]["id"] for u in updates.values()]
            await settle(api, postgres_url, chats)
            # a late re-delivery of one already answered, to the other worker
            assert await one.post(http, updates[100]) == 200
            assert await two.post(http, updates[101]) == 200

            # a drill started on worker one survives its kill -9 and goes on, on both workers
            trainee = 70_000
            assert await one.post(http, message(500, trainee, "/practice thanks_goodbye")) == 200
            await api.wait_for("sendMessage", chat_id=trainee, count=2, timeout=60)
            await handled(postgres_url, 500)  # the drill is started and saved: now kill -9
            await one.process.kill()
            assert (
                await two.post(http, message(501, trainee, "亲，在的呢，有什么可以帮您？")) == 200
            )
            await api.wait_for("sendMessage", chat_id=trainee, count=4, timeout=60)
            await one.start(http)
            assert await one.post(http, message(502, trainee, "有现货的亲，今天下单今天发")) == 200
            await api.wait_for("sendMessage", chat_id=trainee, count=6, timeout=60)
            await settle(api, postgres_url, [*chats, trainee], replies=1)
            assert await one.process.stop() == 0 and await two.process.stop() == 0
        finally:
            await one.process.kill()
            await two.process.kill()

    async with open_storage(postgres_url, create=False) as storage:
        rows = await storage.db.fetch("SELECT update_id FROM exchanges ORDER BY update_id")
        answers = await storage.db.fetch("SELECT turn FROM practice_answers ORDER BY turn")
    assert [r[0] for r in rows] == sorted(updates)  # every update stored, once
    assert {len(api.sent("sendMessage", c)) for c in chats} == {1}  # answered once
    drill = [call.params["text"] for call in api.sent("sendMessage", trainee)]
    assert drill[1].startswith("👤 顾客：") and "得分 " in drill[2] and "得分 " in drill[4]
    assert drill[3].startswith("👤 顾客：") and drill[5].startswith("👤 顾客：")
    assert [r[0] for r in answers] == [0, 1]  # the second answer scored as turn 2 of the drill
    for worker in (one, two):
        output = worker.process.output()
        assert TOKEN not in output and "Traceback" not in output, output[-3000:]
        assert redis_url.split("@")[0].split(":")[-1] not in output  # the Redis password


async def test_workers_n_serves_one_port_from_n_processes(api, tmp_path, postgres_url, redis_url):
    worker = Worker(api, tmp_path / "pool", postgres_url, redis_url)
    worker.process.args = (*worker.process.args, "--workers", "2")
    async with aiohttp.ClientSession() as http:
        try:
            await worker.start(http)
            for _ in range(1200):  # both workers listening on the one port
                if worker.process.output().count("在 127.0.0.1:") == 2:
                    break
                await asyncio.sleep(0.1)
            updates = [message(900 + n, 80_000 + n, ASKS[n % len(ASKS)]) for n in range(12)]
            statuses = await asyncio.gather(*(worker.post(http, u) for u in updates + updates))
            assert set(statuses) == {200}
            chats = [u["message"]["chat"]["id"] for u in updates]
            await settle(api, postgres_url, chats)
            assert await worker.process.stop() == 0
        finally:
            await worker.process.kill()
    assert {len(api.sent("sendMessage", c)) for c in chats} == {1}
    assert len(api.sent("setWebhook")) == 1
    output = worker.process.output()
    assert "第 1 个工作进程已启动" in output and "第 2 个工作进程已启动" in output
    assert output.count("在 127.0.0.1:") == 2 and "Traceback" not in output  # both listen


async def test_several_workers_without_redis_are_refused_in_one_line(api, tmp_path):
    bot = BotProcess(
        api, tmp_path, args=("--webhook", "https://bot.example.com/tg", "--workers", "2")
    )
    await bot.start()
    assert bot.process is not None
    assert await asyncio.wait_for(bot.process.wait(), 60) == 2
    assert "--workers 2 需要 Redis" in bot.output() and "redis.url" in bot.output()
    assert api.sent("getMe") == []
