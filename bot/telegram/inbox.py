"""Updates through the inbox: stored before Telegram hears they arrived, handled once.

aiogram's own polling confirms an update (the next getUpdates offset) as soon as it has fetched
it, while its handler may still be running, so a crash loses it. Here the loop stores each batch
in the inbox first and only then asks for the next one; the webhook answers Telegram only once
the update is stored. Updates of one chat run in order, chats side by side. On start, what the
inbox holds unhandled is finished first. On SIGTERM/SIGINT polling stops, running handlers get
a few seconds, and whatever did not finish stays in the inbox for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig
from pydantic import ValidationError

from bot.storage import Storage
from bot.telegram.shared_state import CLAIM_SECONDS, SharedState

log = logging.getLogger(__name__)

POLL_SECONDS = 10  # long-polling wait of one getUpdates
BACKOFF = BackoffConfig(min_delay=0.5, max_delay=10.0, factor=1.6, jitter=0.1)
KEEP_DONE_SECONDS = 2 * 86_400  # Telegram redelivers nothing older than a day
BACKLOG = 1000  # updates queued in this process before polling waits for handlers


class RawUpdates(GetUpdates):
    """getUpdates whose answer stays plain JSON: each update is stored as it came and checked
    on its own, so one update the library cannot read never blocks the ones after it."""

    __returning__ = list[Any]


def lane(payload: dict[str, Any]) -> object:
    """The chat an update belongs to (its updates run in order), else the update itself."""
    for key, value in payload.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        for holder in (value, value.get("message")):
            if isinstance(holder, dict) and isinstance(holder.get("chat"), dict):
                return ("chat", holder["chat"].get("id"))
        if isinstance(value.get("from"), dict):
            return ("user", value["from"].get("id"))
    return ("update", payload.get("update_id"))


class Inbox:
    """Feeds stored updates to the dispatcher and marks each one done when its handler ends."""

    def __init__(
        self,
        bot: Bot,
        dp: Dispatcher,
        storage: Storage,
        *,
        concurrency: int = 8,
        clock: Callable[[], float] = time.time,
        claims: SharedState | None = None,
        owner: str = "",
    ) -> None:
        self.bot, self.dp, self.storage, self.clock = bot, dp, storage, clock
        # several workers: an update is handled by the one that claims its id
        self.claims, self.owner = claims, owner
        self._active: set[int] = set()  # update ids queued or running here
        self.workflow = {"dispatcher": dp, "bots": [bot]}  # what aiogram's polling passes too
        self._slots = asyncio.Semaphore(concurrency)
        self._lanes: dict[object, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._running: set[asyncio.Task[None]] = set()

    @property
    def busy(self) -> int:
        return len(self._tasks)

    async def resume(self) -> int:
        """Queue what the last run stored and did not finish; returns how many."""
        await self.storage.inbox_prune(self.clock() - KEEP_DONE_SECONDS)
        pending = await self.storage.inbox_pending()
        for update_id, payload in pending:
            self.dispatch(update_id, _loads(payload))
        if pending:
            log.info("收件箱里有 %d 条上次没处理完的更新，先处理它们", len(pending))
        return len(pending)

    async def receive(self, payloads: list[dict[str, Any]]) -> None:
        """Store a batch in one commit, then queue the updates that were new."""
        by_id = {}
        for payload in payloads:
            update_id = payload.get("update_id")
            if isinstance(update_id, int) and not isinstance(update_id, bool):
                by_id[update_id] = payload
            else:
                log.warning("收到一条没有 update_id 的更新，跳过：%.200s", payload)
        # ASCII JSON: a lone surrogate in a crafted text would not encode as UTF-8 for SQLite,
        # and the batch, never stored, would never be confirmed
        new = await self.storage.inbox_add([(i, json.dumps(p)) for i, p in by_id.items()])
        for update_id in new:
            self.dispatch(update_id, by_id[update_id])

    async def sweep(self, stop: asyncio.Event, *, every: float = CLAIM_SECONDS / 2) -> None:
        """Several workers: now and then take up what a worker that died left in the inbox
        (its claims expire), until ``stop``."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)
            if stop.is_set():
                break
            try:
                pending = await self.storage.inbox_pending()
            # the database is away for a moment: the next round looks again
            except Exception as exc:
                log.warning("没能查看收件箱（%s），稍后再试", _short(exc))
                continue
            for update_id, payload in pending:
                if update_id not in self._active:
                    self.dispatch(update_id, _loads(payload))

    async def _claim(self, update_id: int) -> bool:
        if self.claims is None:
            return True
        try:
            return await self.claims.claim_update(update_id, self.owner)
        # Redis away: the database's inbox already let only one worker store it as new
        except Exception as exc:
            log.warning("更新 %s 没能在共享状态里认领（%s），照常处理", update_id, _short(exc))
            return True

    async def _settle(self, update_id: int) -> None:
        if self.claims is not None:
            with contextlib.suppress(Exception):  # the claim expires on its own
                await self.claims.settle_update(update_id)

    def dispatch(self, update_id: int, payload: dict[str, Any]) -> None:
        if update_id in self._active:
            return
        self._active.add(update_id)
        key = lane(payload)
        task = asyncio.create_task(self._handle(update_id, payload, self._lanes.get(key)))
        self._lanes[key] = task
        self._tasks.add(task)

        def forget(done: asyncio.Task[None]) -> None:
            self._active.discard(update_id)
            self._tasks.discard(done)
            self._running.discard(done)
            if self._lanes.get(key) is done:
                del self._lanes[key]

        task.add_done_callback(forget)

    async def _handle(
        self, update_id: int, payload: dict[str, Any], before: asyncio.Task[None] | None
    ) -> None:
        if before is not None:
            await asyncio.wait([before])  # in order within a chat, whatever became of it
        async with self._slots:
            current = asyncio.current_task()
            if current is not None:
                self._running.add(current)
            if not await self._claim(update_id):
                log.info("更新 %s 已由另一个进程处理，跳过", update_id)
                return
            try:
                update = Update.model_validate(payload, context={"bot": self.bot})
            except ValidationError as exc:
                log.warning("更新 %s 的格式不对，跳过：%s", update_id, _first_error(exc))
                await self.storage.inbox_done(update_id, f"格式不对：{_first_error(exc)}")
                await self._settle(update_id)
                return
            error = None
            try:
                await self.dp.feed_update(self.bot, update, **self.workflow)
            # one update's failure never stops the others (handler errors already went to
            # on_error; this is what escaped it)
            except Exception as exc:
                log.error("更新 %s 处理失败：%s: %s", update_id, type(exc).__name__, exc)
                error = f"{type(exc).__name__}: {exc}"[:500]
            try:
                await self.storage.inbox_done(update_id, error)
            # the database is busy or gone: the update stays in the inbox, and the next start
            # settles it from its exchange
            except Exception as exc:
                log.warning("更新 %s 处理完了，但没能在收件箱里记下（%s）", update_id, exc)
            await self._settle(update_id)

    async def drain(self, grace: float) -> int:
        """Stop: updates not yet started wait in the inbox, running ones get ``grace`` seconds.
        Returns how many were left for the next start."""
        waiting = [t for t in self._tasks if t not in self._running]
        for task in waiting:
            task.cancel()
        running, late = set(self._running), set()
        if running:
            _, late = await asyncio.wait(running, timeout=grace)
            for task in late:
                task.cancel()
        if self._tasks:
            await asyncio.wait(set(self._tasks))
        left = len(waiting) + len(late)
        return left

    async def poll(self, stop: asyncio.Event, *, allowed_updates: list[str] | None) -> None:
        """Long polling until ``stop``: store a batch, then confirm it with the next offset."""
        backoff = Backoff(BACKOFF)
        offset: int | None = None  # first call: whatever Telegram still holds unconfirmed
        request_timeout = int((self.bot.session.timeout or 60) + POLL_SECONDS)
        while not stop.is_set():
            if self.busy > BACKLOG:  # enough queued: let the handlers catch up first
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.05)
                continue
            method = RawUpdates(
                offset=offset, timeout=POLL_SECONDS, allowed_updates=allowed_updates
            )
            fetch = asyncio.ensure_future(self.bot(method, request_timeout=request_timeout))
            await _until(stop, fetch)
            if not fetch.done():  # stopping: what it would bring stays unconfirmed at Telegram
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await fetch
                break
            try:
                payloads = [p for p in fetch.result() if isinstance(p, dict)]
                await self.receive(payloads)
            # the loop outlives any answer or outage; nothing is confirmed until stored
            except Exception as exc:
                delay = next(backoff)
                log.warning(
                    "取更新失败（%s: %s），%.1f 秒后重试", type(exc).__name__, _short(exc), delay
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                continue
            if backoff.counter:
                log.info("又连上了 Bot API，继续取更新")
                backoff.reset()
            ids = [p["update_id"] for p in payloads if isinstance(p.get("update_id"), int)]
            if ids:
                offset = max(ids) + 1


async def _until(stop: asyncio.Event, future: asyncio.Future[Any]) -> None:
    """Wait for ``future`` or for ``stop``, whichever comes first; the future keeps running."""
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({stopping, future}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()


def _loads(payload: str) -> dict[str, Any]:
    value = json.loads(payload)
    return value if isinstance(value, dict) else {}


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"


def _short(exc: Exception) -> str:
    return str(exc).replace("\n", " ")[:200]
