"""Cross-cutting concerns: who may use the bot, how fast, and retries of Bot API calls."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters import Filter
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import CallbackQuery, Message, TelegramObject, User

from bot.config import AccessSettings
from bot.telegram import texts
from bot.telegram.journal import SENDING
from bot.telegram.shared_state import SharedState

log = logging.getLogger(__name__)
#: What an aiogram middleware calls next.
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

ROLES = ("staff", "manager", "admin")  # each may do all the ones before it

# what a Bot API call may raise once retries are spent: Telegram's own errors, and an answer the
# library could not read at all (an HTML page from a proxy, bad JSON, JSON without "ok")
API_ERRORS = (TelegramAPIError, ClientDecodeError)


def describe(exc: BaseException) -> str:
    """One short line for a log or a stored error: an undecodable answer can be a whole page."""
    if isinstance(exc, ClientDecodeError):
        content = " ".join(str(exc.data).split())
        text = f"回答无法解析（{type(exc.original).__name__}），内容：{content[:120]}"
    else:
        text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}"[:300]


def role_of(user_id: int, access: AccessSettings) -> str | None:
    if user_id in access.admins:
        return "admin"
    if user_id in access.managers:
        return "manager"
    if user_id in access.staff or access.open:
        return "staff"
    return None


class AccessMiddleware(BaseMiddleware):
    """Puts the user's role into handler data; strangers get one polite refusal, then silence."""

    def __init__(self, access: AccessSettings) -> None:
        self.access = access
        self.refused: set[int] = set()

    async def __call__(
        self,
        handler: Handler,
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            return None
        role = role_of(user.id, self.access)
        if role is None:
            if user.id not in self.refused:
                self.refused.add(user.id)
                text = texts.REFUSED.format(user_id=user.id)
                if isinstance(event, Message):
                    await event.answer(text)
                elif isinstance(event, CallbackQuery):
                    await event.answer(text, show_alert=True)
            return None
        data["role"] = role
        return await handler(event, data)


class RoleFilter(Filter):
    """Lets an update through when the user's role is at least ``minimum``."""

    def __init__(self, minimum: str) -> None:
        self.minimum = minimum

    async def __call__(self, event: TelegramObject, role: str | None = None) -> bool:
        return role is not None and ROLES.index(role) >= ROLES.index(self.minimum)


class ThrottlingMiddleware(BaseMiddleware):
    """At most ``limit`` updates per user per ``period`` seconds; one warning, then drops.

    With a shared state (Redis) the window is one for all workers (give a wall clock then)."""

    def __init__(
        self,
        limit: int,
        period: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        state: SharedState | None = None,
    ) -> None:
        self.limit, self.period, self.clock, self.state = limit, period, clock, state
        self.recent: dict[int, deque[float]] = {}
        self.warned: set[int] = set()

    async def __call__(
        self,
        handler: Handler,
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or self.limit <= 0:
            return await handler(event, data)
        if self.state is not None:
            allowed, warn = await self.state.hit(
                user.id, limit=self.limit, period=self.period, now=self.clock()
            )
            if allowed:
                return await handler(event, data)
            if warn and isinstance(event, Message):
                await event.answer(texts.THROTTLED)
            return None
        now = self.clock()
        stamps = self.recent.setdefault(user.id, deque())
        while stamps and now - stamps[0] >= self.period:
            stamps.popleft()
        if len(stamps) >= self.limit:
            if user.id not in self.warned and isinstance(event, Message):
                self.warned.add(user.id)
                await event.answer(texts.THROTTLED)
            return None
        self.warned.discard(user.id)
        stamps.append(now)
        return await handler(event, data)


class RetryMiddleware(BaseRequestMiddleware):
    """Retries Bot API calls on 429 (after retry_after), 5xx, network errors and answers that
    cannot be decoded (a proxy's HTML page, bad JSON, JSON without "ok"), with backoff.

    getUpdates is left to the polling loop, which has its own backoff.
    """

    def __init__(
        self,
        attempts: int = 5,
        *,
        base_delay: float = 0.5,
        max_delay: float = 30.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.attempts, self.base_delay, self.max_delay, self.sleep = (
            attempts,
            base_delay,
            max_delay,
            sleep,
        )

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, GetUpdates):
            return await make_request(bot, method)
        for attempt in range(1, self.attempts + 1):
            try:
                return await _attempt(make_request, bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self.attempts:
                    raise
                delay = min(float(exc.retry_after), self.max_delay)
                reason = f"429, Telegram 要求等 {exc.retry_after} 秒"
            except (TelegramServerError, TelegramNetworkError, ClientDecodeError) as exc:
                if attempt == self.attempts:
                    raise
                delay = min(self.base_delay * 2 ** (attempt - 1), self.max_delay)
                reason = describe(exc)[:160]
            log.warning(
                "Bot API %s 失败（%s），第 %d/%d 次重试，%.1f 秒后",
                method.__api_method__,
                reason,
                attempt,
                self.attempts - 1,
                delay,
            )
            await self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover


async def _attempt(
    make_request: NextRequestMiddlewareType[TelegramType],
    bot: Bot,
    method: TelegramMethod[TelegramType],
) -> Response[TelegramType]:
    try:
        return await make_request(bot, method)
    except Exception:
        if (sending := SENDING.get()) is not None:
            sending.failed()  # Telegram did not take this reply part: a restart sends it again
        raise
