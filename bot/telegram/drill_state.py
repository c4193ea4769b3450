"""Practice drills kept in FSM data as well as in the Coach: with FSM storage in Redis, a drill
goes on after a restart, or on another worker, from where it stopped.

Before a handler, the drill in FSM data replaces the Coach's when they differ (another worker
moved it on, or this process is new); after it, what the handler left is written back.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Chat, TelegramObject, User

from bot.practice.coach import Coach
from bot.telegram.middlewares import Handler
from intents import LibraryError

log = logging.getLogger(__name__)

DATA_KEY = "drill"  # FSM data: Coach.snapshot(), {"session": id, "drill": {...}}


class Practising(StatesGroup):
    answering = State()  # the trainee's texts are answers to the customer the bot plays


class DrillSnapshots(BaseMiddleware):
    async def __call__(
        self,
        handler: Handler,
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        state: FSMContext | None = data.get("state")
        coach: Coach | None = data.get("coach")
        user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        if state is None or coach is None or user is None or chat is None:
            return await handler(event, data)
        key = (chat.id, user.id)
        stored = await _load(state, coach, key)
        try:
            return await handler(event, data)
        finally:
            now = coach.snapshot(key)  # None: finished, and the handler cleared the state
            changed = now is not None and now != stored
            if changed and await state.get_state() == Practising.answering.state:
                await state.update_data({DATA_KEY: now})


async def _load(state: FSMContext, coach: Coach, key: tuple[int, int]) -> dict[str, Any] | None:
    """The drill in FSM data, put in the Coach if it is not there already; returns it."""
    if await state.get_state() != Practising.answering.state:
        coach.runs.pop(key, None)  # finished elsewhere (on another worker, say)
        return None
    stored = (await state.get_data()).get(DATA_KEY)
    if not isinstance(stored, dict):
        return None
    if coach.snapshot(key) == stored:
        return stored
    try:
        restored = coach.restore(key, stored)
    except (KeyError, TypeError, ValueError, LibraryError) as exc:
        log.warning("练习状态读不懂，这次练习无法继续：%s", exc)
        restored = None
    if restored is None:
        coach.runs.pop(key, None)
        return None
    return stored
