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

from bot.hours import DAY, due_at
from bot.service_time.metrics import open_round

__all__ = ["Action", "Scheduler", "due_at", "open_round"]

log = logging.getLogger(__name__)

Action = Callable[[], Awaitable[None]]


class Scheduler:
    """One-shot timers on an injectable clock; each key fires at most once.

    In the bot, run() (started with the dispatcher) sleeps until the next timer is due. Tests
    move their clock and call fire_due(), so nothing really waits.
    """

    def __init__(self, clock: Callable[[], float] = time.time, *, remember: float = DAY) -> None:
        self.clock = clock
        self.remember = remember  # how long a fired key stays blocked from firing again
        self._timers: dict[Hashable, tuple[float, Action]] = {}
        self._fired: dict[Hashable, float] = {}
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

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
        return fired

    async def run(self) -> None:
        while True:
            self._changed.clear()
            await self.fire_due()
            upcoming = min((when for when, _ in self._timers.values()), default=None)
            timeout = None if upcoming is None else max(upcoming - self.clock(), 0.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)

    async def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name="csbot-nudges")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
