"""State that several bot processes of one bot must share: which worker handles an update, the
per-user throttle, the scheduled nudges, and aiogram's FSM. ``open_shared_state(url)`` gives the
one-process memory default for an empty ``redis.url``, else Redis (redis.asyncio).

Telegram re-delivers an update when its webhook call timed out, possibly to another worker; the
claim on its ``update_id`` (SET NX with an expiry) lets exactly one of them handle it. A claim
names its owner, so a worker restarted under the same name takes back what it held when it died.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import DisabledEventIsolation, MemoryStorage

log = logging.getLogger(__name__)

PREFIX = "csbot:"
CLAIM_SECONDS = 120.0  # a worker that died holding an update gives it up after this long
ISOLATION_SECONDS = 30  # longest one update of a chat may hold the chat (FSM event isolation)
DONE_SECONDS = 2 * 86_400.0  # Telegram re-delivers nothing older than a day


@dataclass(frozen=True, slots=True)
class Job:
    """A durable scheduled job: what to run (``kind``, a registered handler) with which data."""

    key: tuple[Any, ...]
    when: float
    kind: str
    data: dict[str, Any]


class SharedState(Protocol):
    """What the workers of one bot share; the memory one is for a single process."""

    shared: bool  # True: other processes see the same state

    async def claim_update(self, update_id: int, owner: str, *, ttl: float = CLAIM_SECONDS) -> bool:
        """True when this owner may handle the update: nobody held it, or this owner did."""
        ...

    async def settle_update(self, update_id: int) -> None:
        """Handled: no worker claims it again for DONE_SECONDS."""
        ...

    async def hit(
        self, user_id: int, *, limit: int, period: float, now: float
    ) -> tuple[bool, bool]:
        """One update of ``user_id`` at ``now``: (allowed, warn). At most ``limit`` are allowed
        per ``period`` seconds; ``warn`` is true for the first refusal of a streak only."""
        ...

    async def add_job(self, job: Job, *, remember: float) -> bool:
        """False when a job of this key is waiting, or fired less than ``remember`` ago."""
        ...

    async def cancel_jobs(self, predicate: Callable[[tuple[Any, ...]], bool]) -> int: ...

    async def take_due(self, now: float, *, remember: float) -> list[Job]:
        """The jobs due at ``now``, earliest first, each taken by exactly one caller."""
        ...

    async def pending_jobs(self) -> dict[tuple[Any, ...], float]: ...

    async def once(self, name: str, *, ttl: float) -> bool:
        """True for the first caller in ``ttl`` seconds (who sets the webhook, say)."""
        ...

    def fsm_storage(self) -> BaseStorage: ...

    def events_isolation(self) -> BaseEventIsolation: ...

    async def close(self) -> None: ...


class MemoryState:
    """One process keeps it all itself (the default without redis.url)."""

    shared = False

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._claims: dict[int, tuple[str, float]] = {}  # update id → (owner or "", until)
        self._recent: dict[int, deque[float]] = {}
        self._warned: set[int] = set()
        self._jobs: dict[tuple[Any, ...], Job] = {}
        self._fired: dict[tuple[Any, ...], float] = {}  # key → blocked until
        self._once: dict[str, float] = {}

    async def claim_update(self, update_id: int, owner: str, *, ttl: float = CLAIM_SECONDS) -> bool:
        now = self.clock()
        held = self._claims.get(update_id)
        if held is not None and held[1] > now and held[0] != owner:
            return False
        self._claims[update_id] = (owner, now + ttl)
        return True

    async def settle_update(self, update_id: int) -> None:
        now = self.clock()
        self._claims[update_id] = ("", now + DONE_SECONDS)
        if len(self._claims) > 10_000:
            self._claims = {k: v for k, v in self._claims.items() if v[1] > now}

    async def hit(
        self, user_id: int, *, limit: int, period: float, now: float
    ) -> tuple[bool, bool]:
        stamps = self._recent.setdefault(user_id, deque())
        while stamps and now - stamps[0] >= period:
            stamps.popleft()
        if len(stamps) >= limit:
            warn = user_id not in self._warned
            self._warned.add(user_id)
            return False, warn
        self._warned.discard(user_id)
        stamps.append(now)
        return True, False

    async def add_job(self, job: Job, *, remember: float) -> bool:
        fired_until = self._fired.get(job.key)
        if job.key in self._jobs or (fired_until is not None and fired_until > self.clock()):
            return False
        self._jobs[job.key] = job
        return True

    async def cancel_jobs(self, predicate: Callable[[tuple[Any, ...]], bool]) -> int:
        keys = [key for key in self._jobs if predicate(key)]
        for key in keys:
            del self._jobs[key]
        return len(keys)

    async def take_due(self, now: float, *, remember: float) -> list[Job]:
        due = sorted((j for j in self._jobs.values() if j.when <= now), key=lambda j: j.when)
        # how long a fired key stays blocked, on this state's own clock as Redis's expiry is
        wall = self.clock()
        for job in due:
            del self._jobs[job.key]
            self._fired[job.key] = wall + remember
        self._fired = {k: until for k, until in self._fired.items() if until > wall}
        return due

    async def pending_jobs(self) -> dict[tuple[Any, ...], float]:
        return {key: job.when for key, job in self._jobs.items()}

    async def once(self, name: str, *, ttl: float) -> bool:
        now = self.clock()
        if self._once.get(name, 0.0) > now:
            return False
        self._once[name] = now + ttl
        return True

    def fsm_storage(self) -> BaseStorage:
        return MemoryStorage()

    def events_isolation(self) -> BaseEventIsolation:
        return DisabledEventIsolation()

    async def close(self) -> None:
        return None


# KEYS[1] the claim; ARGV owner, ttl ms. Free, or held by this owner: (re)claim it.
_CLAIM = """
local held = redis.call('GET', KEYS[1])
if held == false or held == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""

# A sliding window per user: KEYS[1] a sorted set of stamps, KEYS[2] the warned flag;
# ARGV now, period, limit, a unique member. Returns {allowed, warn}.
_HIT = """
local now, period, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
local ttl = math.ceil(period * 1000)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local first = redis.call('SET', KEYS[2], '1', 'NX', 'PX', ttl)
  return {0, first and 1 or 0}
end
redis.call('DEL', KEYS[2])
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], ttl)
return {1, 0}
"""

# KEYS[1] the schedule (sorted set), KEYS[2] job data (hash), KEYS[3] the fired marker;
# ARGV member, when, data. A waiting or recently fired key is refused.
_ADD = """
if redis.call('EXISTS', KEYS[3]) == 1 or redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1
"""

# Take one due job: whoever removes it from the schedule fires it. KEYS as _ADD (KEYS[3] built
# by the caller for this member); ARGV member, remember ms. Returns the data or false.
_TAKE = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return false
end
local data = redis.call('HGET', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[2])
return data
"""


class RedisState:
    """The same state in one Redis, for every worker of the bot."""

    shared = True

    def __init__(self, url: str, *, prefix: str = PREFIX) -> None:
        from redis.asyncio import Redis

        self.redis = Redis.from_url(url)
        self.prefix = prefix
        self._claim = self.redis.register_script(_CLAIM)
        self._hit = self.redis.register_script(_HIT)
        self._add = self.redis.register_script(_ADD)
        self._take = self.redis.register_script(_TAKE)

    def _key(self, *parts: object) -> str:
        return self.prefix + ":".join(str(p) for p in parts)

    async def ping(self) -> None:
        await self.redis.ping()

    async def claim_update(self, update_id: int, owner: str, *, ttl: float = CLAIM_SECONDS) -> bool:
        key = self._key("update", update_id)
        return bool(await self._claim(keys=[key], args=[owner, int(ttl * 1000)]))

    async def settle_update(self, update_id: int) -> None:
        await self.redis.set(self._key("update", update_id), "", px=int(DONE_SECONDS * 1000))

    async def hit(
        self, user_id: int, *, limit: int, period: float, now: float
    ) -> tuple[bool, bool]:
        keys = [self._key("throttle", user_id), self._key("throttle", user_id, "warned")]
        allowed, warn = await self._hit(
            keys=keys, args=[repr(now), repr(period), limit, f"{now!r}:{uuid.uuid4().hex[:8]}"]
        )
        return bool(allowed), bool(warn)

    def _member(self, key: Sequence[Any]) -> str:
        return json.dumps(list(key), ensure_ascii=False)

    async def add_job(self, job: Job, *, remember: float) -> bool:
        member = self._member(job.key)
        data = json.dumps({"kind": job.kind, "data": job.data}, ensure_ascii=False)
        keys = [self._key("jobs"), self._key("jobs", "data"), self._key("jobs", "fired", member)]
        return bool(await self._add(keys=keys, args=[member, repr(job.when), data]))

    async def cancel_jobs(self, predicate: Callable[[tuple[Any, ...]], bool]) -> int:
        cancelled = 0
        for member in await self.redis.zrange(self._key("jobs"), 0, -1):
            member = member.decode()
            if predicate(tuple(json.loads(member))):
                async with self.redis.pipeline(transaction=True) as tx:
                    tx.zrem(self._key("jobs"), member)
                    tx.hdel(self._key("jobs", "data"), member)
                    removed, _ = await tx.execute()
                cancelled += int(removed)
        return cancelled

    async def take_due(self, now: float, *, remember: float) -> list[Job]:
        taken = []
        due = await self.redis.zrangebyscore(self._key("jobs"), "-inf", repr(now), withscores=True)
        for member, when in due:
            member = member.decode()
            keys = [
                self._key("jobs"),
                self._key("jobs", "data"),
                self._key("jobs", "fired", member),
            ]
            raw = await self._take(keys=keys, args=[member, max(int(remember * 1000), 1)])
            if raw is None:
                continue  # another worker took it first
            try:
                body = json.loads(raw)
                job = Job(tuple(json.loads(member)), float(when), body["kind"], body["data"])
            except (ValueError, KeyError, TypeError):
                log.warning("Redis 里有一条读不懂的定时任务，跳过：%.200s", raw)
                continue
            taken.append(job)
        return taken

    async def pending_jobs(self) -> dict[tuple[Any, ...], float]:
        rows = await self.redis.zrange(self._key("jobs"), 0, -1, withscores=True)
        return {tuple(json.loads(member)): float(when) for member, when in rows}

    async def once(self, name: str, *, ttl: float) -> bool:
        return bool(await self.redis.set(self._key("once", name), "1", nx=True, px=int(ttl * 1000)))

    def fsm_storage(self) -> BaseStorage:
        from aiogram.fsm.storage.base import DefaultKeyBuilder
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage(self.redis, key_builder=DefaultKeyBuilder(prefix=self.prefix + "fsm"))

    def events_isolation(self) -> BaseEventIsolation:
        from aiogram.fsm.storage.base import DefaultKeyBuilder
        from aiogram.fsm.storage.redis import RedisEventIsolation

        builder = DefaultKeyBuilder(prefix=self.prefix + "fsm")
        # the lock a killed worker held frees itself after this long, so its chat goes on
        lock = {"timeout": ISOLATION_SECONDS}
        return RedisEventIsolation(self.redis, key_builder=builder, lock_kwargs=lock)

    async def close(self) -> None:
        await self.redis.aclose()


class SharedStateUnavailableError(RuntimeError):
    """redis.url is set but Redis does not answer; the message says what to do."""


async def open_shared_state(url: str, *, clock: Callable[[], float] = time.time) -> SharedState:
    """Memory for an empty url, else Redis, checked with a PING (the url is never printed)."""
    if not url:
        return MemoryState(clock)
    from redis.exceptions import AuthenticationError, RedisError

    state = RedisState(url)
    try:
        await state.ping()
    except AuthenticationError:
        await state.close()
        raise SharedStateUnavailableError(
            "Redis 拒绝了密码：检查 redis.url（或环境变量 CSBOT_REDIS_URL）里的密码"
        ) from None
    except (RedisError, OSError) as exc:
        await state.close()
        raise SharedStateUnavailableError(
            f"连不上 Redis（{type(exc).__name__}）：确认 Redis 在运行，"
            "并检查 redis.url（或环境变量 CSBOT_REDIS_URL）"
        ) from None
    return state


def owner_name(worker: str | None = None) -> str:
    """Who holds a claim: host and worker number (stable across a restart), else host and pid."""
    import os
    import socket

    return f"{socket.gethostname()}:{worker or os.environ.get('CSBOT_WORKER') or os.getpid()}"
