"""The one path a suggestion takes to staff: sent in parts with its buttons on the last, then
marked replied, or, when Telegram keeps refusing after the retries, marked failed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiogram.exceptions import ClientDecodeError, TelegramAPIError
from aiogram.types import InlineKeyboardMarkup, Message

from bot.storage import Storage
from bot.telegram import keyboards
from bot.telegram.formatting import split_message
from intents import Suggestion

log = logging.getLogger(__name__)

Send = Callable[[str, InlineKeyboardMarkup | None], Awaitable[Message]]


async def deliver(
    send: Send,
    db: Storage,
    *,
    exchange: int,
    html: str,
    suggestion: Suggestion,
    tone: str,
    clock: Callable[[], float],
    token: str,
) -> bool:
    """Send ``html`` for a stored exchange; False when it could not be delivered.

    The retry middleware has already retried 429s, 5xx and network errors by then: what is
    left is recorded against the exchange and logged in one line, with no traceback, and the
    update goes on (an apology would fail the same way). ``token`` is blanked out of the error
    before it is stored: an undecodable answer quotes the request path, token and all."""
    chunks = split_message(html)
    try:
        for n, chunk in enumerate(chunks):
            last = n == len(chunks) - 1
            markup = (
                keyboards.suggestion_keyboard(exchange, tone, suggestion.replies) if last else None
            )
            sent = await send(chunk, markup)
    except (TelegramAPIError, ClientDecodeError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        if token:
            error = error.replace(token, "***")
        await db.mark_failed(exchange, error)
        log.warning("第 %s 条建议发送失败（重试后仍失败），已记录在这条建议上：%s", exchange, error)
        return False
    await db.mark_replied(
        exchange,
        reply=suggestion.replies[0] if suggestion.replies else "",
        bot_message_id=sent.message_id,
        replied_at=clock(),
    )
    return True
