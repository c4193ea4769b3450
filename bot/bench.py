"""`csbot bench`: matcher speed on the shipped library and on synthetic 10k / 100k libraries.

Figures are printed as a table with the machine they ran on; they are never asserted in tests.
"""

from __future__ import annotations

import os
import platform
import random
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from intents import Assistant, Intent, Library, Matcher, Reply, load_library
from intents.catalog import Catalog, load_catalog
from intents.topics import TopicChooser

_CONTEXT = [
    "亲",
    "老板",
    "你好",
    "我想问下",
    "这款",
    "3号链接",
    "那件卫衣",
    "给我妈买",
    "急用",
    "😂",
]
_PRODUCTS = ["T恤", "卫衣", "牛仔裤", "连衣裙", "羽绒服", "运动鞋", "衬衫", "外套", "毛衣", "短裤"]


@dataclass(frozen=True)
class Row:
    library: str
    examples: int
    engine: str
    build_s: float
    p50_ms: float
    p99_ms: float
    per_second: float


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def messages(library: Library, count: int, *, seed: int = 7) -> list[str]:
    """Realistic traffic: library examples with context, typos of spacing, and two-need lines."""
    rng = random.Random(seed)
    pool = [e for i in library.intents for e in i.examples]
    out = []
    for _ in range(count):
        text = rng.choice(pool)
        roll = rng.random()
        if roll < 0.3:
            text = f"{rng.choice(_CONTEXT)} {text}"
        elif roll < 0.45:
            text = f"{text},{rng.choice(pool)}"
        elif roll < 0.5:
            text = f"{text} {rng.choice(_CONTEXT)} " * 3
        out.append(text)
    return out


def synthetic(base: Library, size: int, *, seed: int = 11) -> Library:
    """A library of ``size`` examples over size/500 intents, made from real shop phrasings."""
    rng = random.Random(seed)
    pool = [e for i in base.intents for e in i.examples]
    count = max(14, size // 500)
    intents = []
    for n in range(count):
        product = f"{rng.choice(_PRODUCTS)}{n}"
        examples = tuple(
            dict.fromkeys(
                f"{rng.choice(_CONTEXT)} {product} {rng.choice(pool)} {rng.randint(1, 999)}"
                for _ in range(size // count)
            )
        )
        intents.append(Intent(f"synthetic_{n}", examples, (Reply("亲，收到~"),)))
    return replace(base, id=f"synthetic{size}", intents=tuple(intents), out_of_scope=())


def measure(
    predict: Callable[[str], object], texts: Sequence[str], warm: Sequence[str]
) -> tuple[float, float, float]:
    """p50 and p99 latency (ms) and messages/s, after a warm-up on other messages."""
    for text in warm:
        predict(text)
    timings = np.empty(len(texts))
    start = time.perf_counter()
    for n, text in enumerate(texts):
        t0 = time.perf_counter_ns()
        predict(text)
        timings[n] = time.perf_counter_ns() - t0
    total = time.perf_counter() - start
    p50, p99 = np.percentile(timings, [50, 99]) / 1e6
    return float(p50), float(p99), len(texts) / total


def cold_start(library_path: Path, catalog_path: Path | None = None) -> float:
    """Seconds from a fresh interpreter's first line to the first answer (median of 3),
    the catalogue loaded too when there is one."""
    catalog = f"load_catalog({str(catalog_path)!r})" if catalog_path else "None"
    code = (
        "import time; t=time.perf_counter()\n"
        "from intents import Assistant, load_library\n"
        "from intents.catalog import load_catalog\n"
        f"a=Assistant(load_library({str(library_path)!r}), catalog={catalog})\n"
        "a.suggest('包邮吗？几天能到')\n"
        "print(time.perf_counter()-t)"
    )
    runs = []
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        runs.append(float(done.stdout.strip()))
    return sorted(runs)[1]


Step = Callable[[str], None]


def bench_steps(sizes: Sequence[int], *, baseline: bool) -> int:
    """How many times `bench` calls its ``step``: a progress bar's total."""
    return (1 + len(sizes)) * (3 + baseline) + len(sizes) + 1


def bench(
    library_path: Path,
    sizes: Sequence[int],
    *,
    count: int,
    baseline: bool,
    step: Step | None = None,
    catalog_path: Path | None = None,
) -> tuple[list[Row], float]:
    """Rows for the shipped library and each synthetic size, and the cold start in seconds.

    Each library is measured with the clause cache off (every clause scored from scratch: the
    engine's own cost) and on (what a shop sees, where buyers repeat 在吗 and 包邮吗 all day),
    and as the whole answer (topic choice, the product's facts, rendering; no caches).
    ``step`` hears the name of each phase as it starts (a run takes minutes).
    """
    say = step or (lambda _: None)
    shipped = load_library(library_path)
    texts, warm = messages(shipped, count), messages(shipped, count, seed=99)
    rows = []
    libraries = [("shipped", lambda: shipped)] + [
        (f"{s // 1000}k", lambda s=s: synthetic(shipped, s)) for s in sizes
    ]
    for name, make in libraries:
        if name != "shipped":
            say(f"生成 {name} 合成话术库")
        library = make()
        examples = sum(len(i.examples) for i in library.intents) + len(library.out_of_scope)
        say(f"{name}: csbot")
        t0 = time.perf_counter()
        matcher = Matcher(library, cache_size=0)
        built = time.perf_counter() - t0
        rows.append(Row(name, examples, "csbot", built, *measure(matcher.match, texts, warm)))
        say(f"{name}: csbot + 缓存")
        cached = Matcher(library)
        rows.append(
            Row(name, examples, "csbot + cache", built, *measure(cached.match, texts, warm))
        )
        say(f"{name}: 整条回复")
        whole = _whole_answer(library, catalog_path)
        rows.append(Row(name, examples, "csbot 整条回复", built, *measure(whole, texts, warm)))
        if baseline:
            from bot.evaluation import Baseline

            say(f"{name}: 训练并测 TF-IDF+LR 基线")
            t0 = time.perf_counter()
            model = Baseline(library)
            built = time.perf_counter() - t0
            rows.append(
                Row(name, examples, "TF-IDF+LR", built, *measure(model.predict, texts, warm))
            )
    say("冷启动（3 个新进程）")
    return rows, cold_start(library_path, catalog_path)


def _whole_answer(library: Library, catalog_path: Path | None) -> Callable[[str], object]:
    """suggest() with no cache, a product set: matching, topic choice, facts, rendering."""
    catalog: Catalog | None = load_catalog(catalog_path) if catalog_path else None
    matcher = Matcher(library, cache_size=0)
    assistant = Assistant(
        library,
        matcher=matcher,
        topics=TopicChooser(library, segmenter=matcher.segmenter, cache_size=0),
        catalog=catalog,
    )
    product = catalog.products[0].id if catalog is not None and len(catalog) else None
    return lambda text: assistant.suggest(text, product=product)


@dataclass(frozen=True)
class BotRow:
    chats: int
    updates: int
    p50_ms: float
    p99_ms: float
    per_second: float  # at staff pace
    saturated_per_second: float  # every chat sending again the moment its reply arrives


async def _bot_round_trips(
    chats: Sequence[int], per_chat: int, pace: float, workdir: Path, step: Step | None = None
) -> list[BotRow]:
    import asyncio

    from bot.telegram.fake_api import FakeBotAPI

    token = "123456:bench-token"
    api = FakeBotAPI(token)
    await api.start()
    config = workdir / "config.yaml"
    config.write_text(
        f"telegram:\n  api_base: {api.base}\n  throttle_messages: 0\n"
        f"storage:\n  database: {workdir / 'bench.db'}\naccess:\n  open: true\n",
        encoding="utf-8",
    )
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config),
        env={**os.environ, "CSBOT_TELEGRAM_TOKEN": token},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    texts = messages(load_library(Path(__file__).resolve().parent.parent / "phrases"), 4000)
    rng = random.Random(3)
    chat_ids = iter(range(10_000, 10_000_000))
    sent = 0

    async def one_chat(chat: int, latencies: list[float], think: float) -> None:
        nonlocal sent
        for n in range(per_chat):
            if think:
                await asyncio.sleep(rng.uniform(0, 2 * think))  # a person reads, then pastes
            start = time.perf_counter()
            await api.message(chat, texts[sent % len(texts)])
            sent += 1
            replies = await api.wait_for("sendMessage", chat_id=chat, count=n + 1)
            latencies.append((replies[n].at - start) * 1000)

    async def run(count: int, think: float) -> tuple[list[float], float]:
        latencies: list[float] = []
        start = time.perf_counter()
        await asyncio.gather(*(one_chat(next(chat_ids), latencies, think) for _ in range(count)))
        return latencies, len(latencies) / (time.perf_counter() - start)

    rows = []
    say = step or (lambda _: None)
    try:
        say("启动机器人进程")
        await api.wait_for("getMe", timeout=60)
        await run(2, 0)  # warm up
        for count in chats:
            say(f"{count} 个聊天")
            latencies, rate = await run(count, pace)
            _, saturated = await run(count, 0)
            p50, p99 = np.percentile(latencies, [50, 99])
            rows.append(BotRow(count, len(latencies), p50, p99, rate, saturated))
    finally:
        if bot.returncode is None:
            bot.terminate()
        await bot.wait()
        await api.stop()
    return rows


def bench_bot(
    chats: Sequence[int], *, per_chat: int, pace: float = 1.0, step: Step | None = None
) -> list[BotRow]:
    """The bot's round trip through a loopback fake Bot API: update pushed → reply received.

    Each chat is a staff member pasting a message about every ``pace`` seconds; the same chats
    then send flat out, which gives the most updates per second the bot can take.
    """
    import asyncio
    import tempfile

    with tempfile.TemporaryDirectory() as workdir:
        return asyncio.run(_bot_round_trips(chats, per_chat, pace, Path(workdir), step))


def bench_report(
    total: int, *, seed: int = 5, stored: Callable[[int], None] | None = None
) -> tuple[int, float, float]:
    """Fill a fresh database with ``total`` messages (4 agents, ~6 per conversation, a year of
    traffic) and time one full report over it. Returns (messages, load seconds, report seconds).
    ``stored`` hears the size of each batch written.
    """
    import asyncio
    import tempfile

    from bot.config import ServiceTargets
    from bot.service_time.report import build_report
    from bot.storage import TimelineMessage, open_storage

    rng = np.random.default_rng(seed)
    agents = ["小美", "阿杰", "lily", "小王"]

    def batches(size: int = 50_000):
        batch: list[TimelineMessage] = []
        made, conversation = 0, 0
        clock = 1_733_000_000.0
        while made < total:
            conversation += 1
            clock += float(rng.exponential(30))
            agent = agents[conversation % len(agents)]
            for turn in range(int(rng.integers(1, 4))):
                for role, gap in (("customer", 0.0), ("agent", float(rng.exponential(14)))):
                    clock += gap
                    batch.append(
                        TimelineMessage(
                            f"c{conversation}",
                            f"c{conversation}:{turn}:{role}",
                            clock,
                            role,
                            agent=agent if role == "agent" else None,
                        )
                    )
                    made += 1
                clock += float(rng.exponential(40))
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch

    async def run(path: Path) -> tuple[int, float, float]:
        async with open_storage(path) as storage:
            start = time.perf_counter()
            for batch in batches():
                await storage.add_timeline("bench", batch)
                if stored is not None:
                    stored(len(batch))
            loaded = time.perf_counter() - start
            count = await storage.count_messages()
            start = time.perf_counter()
            await build_report(storage, ServiceTargets())
            return count, loaded, time.perf_counter() - start

    with tempfile.TemporaryDirectory() as workdir:
        return asyncio.run(run(Path(workdir) / "report.db"))
