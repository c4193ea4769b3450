"""Practice drills kept in FSM data as well as in memory: with FSM storage in Redis, a drill
goes on after a restart, or on another worker, from where it stopped.

Before a handler, the drill in FSM data replaces the one in memory when they differ (another
worker moved it on, or this process is new); after it, what the handler left is written back.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import Chat, TelegramObject, User

from bot.assistants import Assistants, LibraryError
from bot.practice.snapshot import restore, snapshot
from bot.telegram.routers.practice import Drills, Practising, Run

log = logging.getLogger(__name__)

DATA_KEY = "drill"  # FSM data: {"session": id, "drill": snapshot(...)}


class DrillSnapshots(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        state: FSMContext | None = data.get("state")
        drills: Drills | None = data.get("drills")
        user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        if state is None or drills is None or user is None or chat is None:
            return await handler(event, data)
        key = (chat.id, user.id)
        stored = await self._load(state, drills, key, data)
        try:
            return await handler(event, data)
        finally:
            run = drills.runs.get(key)  # None: finished, and the handler cleared the state
            now = _saved(run) if run is not None else stored
            if now != stored and await state.get_state() == Practising.answering.state:
                await state.update_data({DATA_KEY: now})

    async def _load(
        self, state: FSMContext, drills: Drills, key: tuple[int, int], data: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The drill in FSM data, put in memory if it is not there already; returns it."""
        if await state.get_state() != Practising.answering.state:
            drills.runs.pop(key, None)  # finished elsewhere (another worker, say)
            return None
        stored = (await state.get_data()).get(DATA_KEY)
        run = drills.runs.get(key)
        if not isinstance(stored, dict):
            return None
        if run is not None and _saved(run) == stored:
            return stored
        restored = _restore(stored, drills, data)
        if restored is None:
            drills.runs.pop(key, None)
            return None
        drills.runs[key] = restored
        return stored


def _saved(run: Run) -> dict[str, Any]:
    return {"session": run.session, "drill": snapshot(run.drill)}


def _restore(stored: dict[str, Any], drills: Drills, data: dict[str, Any]) -> Run | None:
    assistants: Assistants | None = data.get("assistants")
    clock = data.get("clock")
    if assistants is None or clock is None:
        return None
    try:
        wanted = stored["drill"]["scenario"]
        scenario = next((s for s in drills.scenarios(assistants) if s.id == wanted), None)
        if scenario is None:
            log.warning("练习场景 %r 已经不在了，这次练习无法继续", wanted)
            return None
        drill = restore(stored["drill"], scenario, assistants.get(scenario.library), clock=clock)
        return Run(drill, int(stored["session"]), scenario)
    except (KeyError, TypeError, ValueError, LibraryError) as exc:
        log.warning("练习状态读不懂，这次练习无法继续：%s", exc)
        return None
