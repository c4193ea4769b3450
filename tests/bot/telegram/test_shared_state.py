"""The state several workers share, on the memory default and on a real Redis server: update
claims, the throttle, durable scheduled jobs, and a practice drill that outlives its process."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator

import pytest

from bot.assistants import Assistants
from bot.practice.coach import Coach
from bot.storage import open_storage
from bot.telegram import texts
from bot.telegram.app import create_bot, create_dispatcher
from bot.telegram.nudges import Scheduler
from bot.telegram.shared_state import (
    Job,
    MemoryState,
    RedisState,
    SharedState,
    SharedStateUnavailableError,
    open_shared_state,
)
from tests.bot.telegram.conftest import STAFF, FakeSession, Harness, make_config

T0 = 1_709_258_400.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
async def state(request: pytest.FixtureRequest) -> AsyncIterator[SharedState]:
    if request.param == "memory":
        yield MemoryState()
        return
    shared = await open_shared_state(request.getfixturevalue("redis_url"))
    yield shared
    await shared.close()


async def test_an_update_is_claimed_by_one_owner_who_may_take_it_back_after_a_restart(state):
    assert await state.claim_update(7, "host:1")
    assert not await state.claim_update(7, "host:2")  # the re-delivery to another worker
    assert await state.claim_update(7, "host:1")  # worker 1 restarted: what it held is its own
    await state.settle_update(7)
    assert not await state.claim_update(7, "host:1") and not await state.claim_update(7, "host:2")
    assert await state.claim_update(8, "host:2")


async def test_the_throttle_allows_limit_per_window_and_warns_once_per_streak(state):
    hits = [await state.hit(5, limit=2, period=60, now=T0 + i) for i in range(4)]
    assert hits == [(True, False), (True, False), (False, True), (False, False)]
    assert await state.hit(6, limit=2, period=60, now=T0 + 4) == (True, False)  # per user
    assert await state.hit(5, limit=2, period=60, now=T0 + 60.5) == (True, False)
    assert await state.hit(5, limit=2, period=60, now=T0 + 60.7) == (False, True)


async def test_jobs_wait_in_time_order_fire_once_and_can_be_cancelled(state):
    def job(chat: str, when: float) -> Job:
        return Job((f"conn:{chat}", when), when, "nudge", {"chat": chat, "客户": "李女士"})

    assert await state.add_job(job("a", T0 + 20), remember=3600)
    assert await state.add_job(job("b", T0 + 10), remember=3600)
    assert await state.add_job(job("c", T0 + 15), remember=3600)
    assert not await state.add_job(job("a", T0 + 20), remember=3600)  # already waiting
    assert await state.cancel_jobs(lambda key: key[0] == "conn:c") == 1
    assert await state.pending_jobs() == {
        ("conn:a", T0 + 20): T0 + 20,
        ("conn:b", T0 + 10): T0 + 10,
    }
    assert await state.take_due(T0 + 5, remember=3600) == []
    [b, a] = await state.take_due(T0 + 30, remember=3600)
    assert (b.data, a.data) == ({"chat": "b", "客户": "李女士"}, {"chat": "a", "客户": "李女士"})
    assert b.key == ("conn:b", T0 + 10) and b.kind == "nudge"
    assert await state.take_due(T0 + 30, remember=3600) == []
    assert not await state.add_job(job("a", T0 + 20), remember=3600)  # fired: never again


async def test_two_redis_workers_take_each_due_job_exactly_once(redis_url):
    first, second = RedisState(redis_url), RedisState(redis_url)
    try:
        for n in range(50):
            await first.add_job(Job(("k", n), T0 + n, "nudge", {"n": n}), remember=3600)
        got = await asyncio.gather(
            first.take_due(T0 + 100, remember=3600), second.take_due(T0 + 100, remember=3600)
        )
        taken = sorted(job.data["n"] for jobs in got for job in jobs)
        assert taken == list(range(50))
        # and the throttle is one window for both
        assert (await first.hit(1, limit=1, period=60, now=T0))[0]
        assert await second.hit(1, limit=1, period=60, now=T0 + 1) == (False, True)
    finally:
        await first.close()
        await second.close()


async def test_a_durable_job_survives_a_restart_and_fires_on_the_worker_that_takes_it(redis_url):
    clock = Clock()
    before = Scheduler(clock, state=await open_shared_state(redis_url))
    assert before.durable
    assert await before.schedule_job(("conn:1", T0), T0 + 10, "nudge", {"chat_id": 9})
    assert not await before.schedule_job(("conn:1", T0), T0 + 10, "nudge", {"chat_id": 9})
    assert before.state is not None
    await before.state.close()  # the worker stops; the job stays in Redis

    fired: list[tuple[dict, str]] = []

    async def nudge(data: dict, *, bot: str, **_: object) -> None:
        fired.append((data, bot))

    after = [Scheduler(clock, state=await open_shared_state(redis_url)) for _ in range(2)]
    for scheduler in after:
        scheduler.handle("nudge", nudge)
        scheduler.bind(bot="the bot")
    assert await after[0].fire_due() == 0  # not due yet
    clock.now += 10
    counts = await asyncio.gather(*(s.fire_due() for s in after))
    assert sorted(counts) == [0, 1] and fired == [({"chat_id": 9}, "the bot")]
    for scheduler in after:
        assert scheduler.state is not None
        await scheduler.state.close()


async def test_an_unreachable_redis_is_one_line_without_the_password():
    with pytest.raises(SharedStateUnavailableError) as caught:
        await open_shared_state("redis://:s3cret-pass@127.0.0.1:1/0")
    assert "s3cret-pass" not in str(caught.value) and "redis.url" in str(caught.value)
    assert isinstance(await open_shared_state(""), MemoryState)


async def test_a_practice_drill_goes_on_in_a_new_process_from_redis(
    tmp_path, shared_assistants, redis_url
):
    """Worker one starts the drill and stops; a fresh dispatcher (a new Coach, a new connection)
    takes the answer, scores it against the same customer line and goes on."""
    config = make_config(tmp_path)
    clock = Clock()
    async with open_storage(tmp_path / "csbot.db") as storage:

        async def worker() -> tuple[Harness, SharedState]:
            assistants = Assistants(config)
            assistants._built = dict(shared_assistants._built)
            shared = await open_shared_state(redis_url)
            dp = create_dispatcher(config, assistants, storage, clock=clock, shared=shared)
            dp["coach"] = Coach(assistants, storage, clock=clock, rng=random.Random(5))
            session = FakeSession()
            return Harness(dp, create_bot(config, session=session), session, storage), shared

        one, shared_one = await worker()
        await one.send("/practice thanks_goodbye")
        line = one.texts()[-1]
        assert line.startswith("👤 顾客：")
        await shared_one.close()

        two, shared_two = await worker()
        two._update_ids = iter(range(100, 200))
        clock.now += 6
        await two.send("亲，在的呢，有什么可以帮您？")
        feedback, follow = two.texts()
        assert (
            "得分 " in feedback and "用时 6 秒" in feedback and texts.PRACTICE_WAIT not in feedback
        )
        assert follow.startswith("👤 顾客：") and follow != line
        [(turn, seconds)] = [
            tuple(r) for r in await storage.db.fetch("SELECT turn, seconds FROM practice_answers")
        ]
        assert (turn, seconds) == (0, 6.0)
        await two.send("/stop")
        assert two.texts()[-1].startswith("<b>练习结束：共 1 题")
        await shared_two.close()
    assert STAFF in config.access.staff


async def test_a_business_nudge_waits_in_redis_and_fires_once_after_a_restart(
    tmp_path, shared_assistants, redis_url
):
    from tests.bot.telegram.test_business import OWNER, FakeClock, Shop

    config = make_config(tmp_path)
    clock = FakeClock()
    async with open_storage(tmp_path / "csbot.db") as storage:

        async def worker() -> tuple[Shop, SharedState]:
            assistants = Assistants(config)
            assistants._built = dict(shared_assistants._built)
            shared = await open_shared_state(redis_url)
            dp = create_dispatcher(config, assistants, storage, clock=clock, shared=shared)
            session = FakeSession()
            bot = create_bot(config, session=session)
            shop = Shop(Harness(dp, bot, session, storage), clock)
            shop.scheduler.bind(bot=bot, db=storage, config=config, clock=clock)
            return shop, shared

        before, shared_before = await worker()
        await before.connect()
        await before.say("包邮吗")
        assert before.scheduler.pending == {}  # nothing in this process's memory …
        [(key, when)] = (await shared_before.pending_jobs()).items()  # … it waits in Redis
        assert key[0].endswith(":777000") and when > clock.now
        await shared_before.close()

        after, shared_after = await worker()
        other, shared_other = await worker()
        assert await after.wait(60) == 1 and await other.wait(0) == 0
        [nudge] = after.nudges()
        assert "李女士" in nudge and other.nudges() == []
        assert all(r.chat_id == OWNER for r in after.h.session.sent() if r.text == nudge)

        after._message_ids = other._message_ids = itertools.count(100)  # Telegram's ids go on
        await after.say("这件有货吗", after=3600)  # a new conversation, a new turn waiting
        assert len(await shared_after.pending_jobs()) == 1
        await other.say("有的亲", who="agent", after=2)  # the owner answers: the nudge is moot
        assert await shared_after.pending_jobs() == {}
        await shared_after.close()
        await shared_other.close()
