"""The suggestion flow: a customer's message in, replies to send out, buttons to refine."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message, Update

from bot.assistants import Assistants
from bot.storage import Exchange, Storage
from bot.telegram import keyboards, texts
from bot.telegram.formatting import split_message, suggestion_html, why_html
from bot.telegram.journal import SENDING, Sending
from bot.telegram.middlewares import API_ERRORS, describe
from bot.telegram.routers.prefs import chat_prefs
from intents import Suggestion


async def suggest(
    message: Message,
    db: Storage,
    assistants: Assistants,
    clock: Callable[[], float],
    event_update: Update,
) -> None:
    received = clock()
    text = message.text or message.caption or ""
    if not text.strip():
        await message.answer(texts.EMPTY)
        return
    update_id = event_update.update_id
    # a restart replays the updates it had not finished: one exchange per update, and no part
    # of a reply sent twice once it was confirmed, or journaled as handed to the network
    # (bot.telegram.journal). Only a part whose bytes had not left when the process died is
    # sent again.
    earlier = await db.exchange_for_update(update_id)
    if earlier is not None and earlier[1]:
        return
    library, tone = await chat_prefs(db, assistants, message.chat.id)
    suggestion = assistants.get(library).suggest(text, tone=tone)
    # stored before anything is sent, so a failed send never loses the exchange
    exchange = (
        earlier[0]
        if earlier
        else await db.add_exchange(
            chat_id=message.chat.id,
            user_id=message.from_user.id if message.from_user else None,
            library=library,
            text=text,
            intents=[(m.intent, m.score) for m in suggestion.matches],
            tone=tone,
            received_at=received,
            update_id=update_id,
        )
    )
    chunks = split_message(suggestion_html(suggestion, tone))
    bot_message_id = None  # unknown when the last part left before a crash
    try:
        for n in range(earlier[2] if earlier else 0, len(chunks)):
            last = n == len(chunks) - 1
            markup = keyboards.suggestion_keyboard(exchange, tone) if last else None
            sending = SENDING.set(Sending(exchange, n))
            try:
                sent = await message.answer(chunks[n], reply_markup=markup)
            finally:
                SENDING.reset(sending)
            bot_message_id = sent.message_id
    except API_ERRORS as exc:
        await db.mark_failed(exchange, describe(exc), update_id=update_id)
        raise
    await db.mark_replied(
        exchange,
        reply=suggestion.replies[0] if suggestion.replies else "",
        bot_message_id=bot_message_id,
        replied_at=clock(),
        update_id=update_id,
    )


def _again(assistants: Assistants, exchange: Exchange, *, tone: str, variant: int) -> Suggestion:
    return assistants.get(exchange.library).suggest(exchange.text, tone=tone, variant=variant)


async def refine(
    query: CallbackQuery,
    callback_data: keyboards.Suggest,
    db: Storage,
    assistants: Assistants,
) -> None:
    exchange = await db.exchange(callback_data.exchange)
    if exchange is None:
        await query.answer(texts.EXPIRED, show_alert=True)
        return
    action = callback_data.action
    if action in {"up", "down"}:
        await db.set_feedback(exchange.id, 1 if action == "up" else -1)
        await query.answer(texts.FEEDBACK_THANKS)
        return
    if action == "why":
        await query.answer()
        suggestion = _again(assistants, exchange, tone=exchange.tone, variant=exchange.variant)
        if query.message:
            await query.message.answer(why_html(suggestion))
        return
    tone, variant = exchange.tone, exchange.variant + 1
    if action == "tone":
        tone, variant = keyboards.other_tone(exchange.tone), 0
    suggestion = _again(assistants, exchange, tone=tone, variant=variant)
    await query.answer()
    if query.message is not None and hasattr(query.message, "edit_text"):
        try:
            await query.message.edit_text(
                split_message(suggestion_html(suggestion, tone))[-1],
                reply_markup=keyboards.suggestion_keyboard(exchange.id, tone),
            )
        except TelegramBadRequest as exc:
            if "not modified" not in str(exc):
                raise
    await db.update_choice(
        exchange.id,
        reply=suggestion.replies[0] if suggestion.replies else "",
        variant=variant,
        tone=tone,
    )


def get_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(refine, keyboards.Suggest.filter())
    router.message.register(suggest, F.text | F.caption)
    return router
