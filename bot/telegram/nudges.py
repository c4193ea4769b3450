"""Live-mode nudges: one-shot timers on an injectable clock.

Which customer turn is still waiting (service_time.metrics.open_round) and when its reply is
due (hours.due_at) are plain maths; what a nudge says and when is bot/business/chats.py. The
Scheduler only keeps timers, behind a small interface (schedule, cancel_where, pending,
fire_due, start, stop), so a durable scheduler can replace it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from html import escape
from typing import Any

from aiogram import Bot

from bot.business import chats
from bot.business.chats import Nudge
from bot.config import Config
from bot.hours import DAY, due_at
from bot.service_time.metrics import open_round
from bot.storage import Storage
from bot.telegram import texts
from bot.telegram.shared_state import Job, SharedState

__all__ = ["NUDGE_JOB", "Action", "JobHandler", "Scheduler", "due_at", "nudge_job", "open_round"]

log = logging.getLogger(__name__)

Action = Callable[[], Awaitable[None]]
JobHandler = Callable[..., Awaitable[None]]  # (data, **context) -> None
SHARED_POLL = 1.0  # seconds between looks at the shared schedule, which other workers fill
NUDGE_JOB = "nudge"  # the kind of a durable Business nudge job (Scheduler.handle)


class Scheduler:
    """One-shot timers on an injectable clock; each key fires at most once.

    In the bot, run() (started with the dispatcher) sleeps until the next timer is due. Tests
    move their clock and call fire_due(), so nothing really waits.

    With a shared state (Redis), jobs are durable: ``schedule_job`` stores a kind and JSON data,
    which survive a restart, and the worker that takes a due job from the shared schedule is
    the only one that fires it, through the handler registered for its kind with ``handle``.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        *,
        remember: float = DAY,
        state: SharedState | None = None,
    ) -> None:
        self.clock = clock
        self.remember = remember  # how long a fired key stays blocked from firing again
        self.state = state
        self._timers: dict[Hashable, tuple[float, Action]] = {}
        self._fired: dict[Hashable, float] = {}
        self._handlers: dict[str, JobHandler] = {}
        self._context: dict[str, Any] = {}
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def durable(self) -> bool:
        """Jobs go to a schedule that other workers share and a restart keeps."""
        return self.state is not None and self.state.shared

    def handle(self, kind: str, handler: JobHandler) -> None:
        """``handler(data, **context)`` fires the jobs of ``kind``; context is what the
        dispatcher's start-up passes (bot, db, config, clock …), plus ``bind``."""
        self._handlers[kind] = handler

    def bind(self, **context: Any) -> None:
        self._context.update(context)

    async def schedule_job(
        self, key: tuple[Any, ...], when: float, kind: str, data: dict[str, Any]
    ) -> bool:
        """A durable job (JSON ``data``); False when ``key`` is already waiting or has fired."""
        assert self.state is not None, "schedule_job needs a shared state"
        added = await self.state.add_job(Job(key, when, kind, data), remember=self.remember)
        if added:
            self._changed.set()
        return added

    async def cancel_jobs(self, predicate: Callable[[tuple[Any, ...]], bool]) -> int:
        assert self.state is not None, "cancel_jobs needs a shared state"
        return await self.state.cancel_jobs(predicate)

    @property
    def pending(self) -> dict[Hashable, float]:
        return {key: when for key, (when, _) in self._timers.items()}

    def schedule(self, key: Hashable, when: float, action: Action) -> bool:
        """False when ``key`` is already waiting or has fired."""
        if key in self._timers or key in self._fired:
            return False
        self._timers[key] = (when, action)
        self._changed.set()
        return True

    def cancel_where(self, predicate: Callable[[Hashable], bool]) -> int:
        keys = [key for key in self._timers if predicate(key)]
        for key in keys:
            del self._timers[key]
        if keys:
            self._changed.set()
        return len(keys)

    async def fire_due(self) -> int:
        """Run every timer whose time has come, earliest first; one failing never stops the rest."""
        now = self.clock()
        due = sorted(
            ((when, key) for key, (when, _) in self._timers.items() if when <= now),
            key=lambda item: item[0],
        )
        fired = 0
        for when, key in due:
            entry = self._timers.pop(key, None)
            if entry is None:  # an earlier action cancelled it
                continue
            self._fired[key] = when
            fired += 1
            try:
                await entry[1]()
            except Exception:
                log.exception("timer %r failed", key)
        self._fired = {k: w for k, w in self._fired.items() if w > now - self.remember}
        if self.state is not None:
            for job in await self.state.take_due(now, remember=self.remember):
                fired += 1
                handler = self._handlers.get(job.kind)
                if handler is None:
                    log.error("定时任务 %r 的类型 %r 没有处理函数，丢弃", job.key, job.kind)
                    continue
                try:
                    await handler(job.data, **self._context)
                except Exception:
                    log.exception("job %r failed", job.key)
        return fired

    async def run(self) -> None:
        while True:
            self._changed.clear()
            try:
                await self.fire_due()
            # Redis away for a moment: the jobs wait there, the loop tries again
            except Exception as exc:
                log.warning("定时任务没能读取（%s），稍后再试", type(exc).__name__)
            upcoming = min((when for when, _ in self._timers.values()), default=None)
            timeout = None if upcoming is None else max(upcoming - self.clock(), 0.0)
            if self.state is not None:
                timeout = SHARED_POLL if timeout is None else min(timeout, SHARED_POLL)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)

    async def start(self, **context: Any) -> None:
        """Started with the dispatcher, whose start-up passes its workflow data as context."""
        self._context.update(context)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name="csbot-nudges")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


async def nudge_job(
    job: dict[str, Any],
    *,
    bot: Bot,
    db: Storage,
    config: Config,
    clock: Callable[[], float],
    **_: Any,
) -> None:
    """A Business nudge falls due: tell the owner, unless the customer's turn was answered
    meanwhile. ``job`` is JSON data, so the nudge survives a restart in a shared schedule."""
    plan = Nudge(
        key=(job["conversation"], job["start"]),
        conversation=job["conversation"],
        start=job["start"],
        when=job["when"],
        deadline=job["deadline"],
    )
    if not await chats.still_waiting(db, config.service_targets, plan):
        return
    await bot.send_message(
        job["chat_id"],
        texts.NUDGE.format(customer=escape(job["customer"]), seconds=plan.seconds_left(clock())),
    )
