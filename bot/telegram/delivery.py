"""The one path a suggestion takes to staff: sent in parts with its buttons on the last, then
marked replied, or, when Telegram keeps refusing after the retries, marked failed."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable

from aiogram.types import InlineKeyboardMarkup, Message

from bot.storage import Storage
from bot.telegram import keyboards, texts
from bot.telegram.formatting import split_message
from bot.telegram.journal import SENDING, Sending
from bot.telegram.middlewares import API_ERRORS, describe
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
    update_id: int | None = None,
    first_part: int = 0,
) -> bool:
    """Send ``html`` for a stored exchange; False when it could not be delivered.

    Each part is journaled as it leaves (bot.telegram.journal), so a restart that replays the
    update starts at ``first_part``, the first part not known to have left. The retry
    middleware has already retried 429s, 5xx, network errors and unreadable answers: what is
    left is recorded against the exchange (and its inbox row closed), logged in one line with
    no traceback, and the staff member gets the short apology if Telegram takes it."""
    chunks = split_message(html)
    bot_message_id = None  # unknown when the last part left before a crash
    try:
        for n in range(first_part, len(chunks)):
            last = n == len(chunks) - 1
            markup = (
                keyboards.suggestion_keyboard(exchange, tone, suggestion.replies) if last else None
            )
            sending = SENDING.set(Sending(exchange, n))
            try:
                sent = await send(chunks[n], markup)
            finally:
                SENDING.reset(sending)
            bot_message_id = sent.message_id
    except API_ERRORS as exc:
        error = describe(exc)
        await db.mark_failed(exchange, error, update_id=update_id)
        log.warning("第 %s 条建议发送失败（重试后仍失败），已记录在这条建议上：%s", exchange, error)
        with contextlib.suppress(*API_ERRORS):
            await send(texts.APOLOGY, None)
        return False
    await db.mark_replied(
        exchange,
        reply=suggestion.replies[0] if suggestion.replies else "",
        bot_message_id=bot_message_id,
        replied_at=clock(),
        update_id=update_id,
    )
    return True


async def store_and_deliver(
    send: Send,
    db: Storage,
    *,
    chat_id: int,
    user_id: int | None,
    library: str,
    text: str,
    suggestion: Suggestion,
    tone: str,
    html: str,
    received_at: float,
    clock: Callable[[], float],
    update_id: int | None = None,
    earlier: tuple[int, bool, int] | None = None,
) -> bool:
    """The one path of every suggestion, in a private chat or whispered to a Business owner:
    stored as an exchange before anything is sent (a failed send never loses it), then
    delivered and marked. ``earlier``: the exchange a replayed update already stored, as
    ``Storage.exchange_for_update`` gives it; delivery resumes at its first unsent part."""
    exchange = (
        earlier[0]
        if earlier
        else await db.add_exchange(
            chat_id=chat_id,
            user_id=user_id,
            library=library,
            text=text,
            intents=[(m.intent, m.score) for m in suggestion.matches],
            tone=tone,
            received_at=received_at,
            update_id=update_id,
        )
    )
    return await deliver(
        send,
        db,
        exchange=exchange,
        html=html,
        suggestion=suggestion,
        tone=tone,
        clock=clock,
        update_id=update_id,
        first_part=earlier[2] if earlier else 0,
    )
