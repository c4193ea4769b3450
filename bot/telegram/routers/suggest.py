"""The suggestion flow: a customer's message in, replies to send out, buttons to refine."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import CallbackQuery, Message

from bot.assistants import Assistants
from bot.storage import Exchange, Storage
from bot.telegram import keyboards, texts
from bot.telegram.formatting import split_message, suggestion_html, why_html
from bot.telegram.routers.prefs import chat_prefs
from intents import Suggestion


async def suggest(
    message: Message,
    db: Storage,
    assistants: Assistants,
    clock: Callable[[], float],
) -> None:
    received = clock()
    text = message.text or message.caption or ""
    if not text.strip():
        await message.answer(texts.EMPTY)
        return
    library, tone = await chat_prefs(db, assistants, message.chat.id)
    assistant = assistants.get(library)
    # a staff member's own chat: only /product or a pasted link carries over
    conversation = assistants.conversations.get(("chat", message.chat.id), private=True)
    suggestion = assistant.suggest(text, tone=tone, conversation=conversation)
    # stored before anything is sent, so a failed send never loses the exchange
    exchange = await db.add_exchange(
        chat_id=message.chat.id,
        user_id=message.from_user.id if message.from_user else None,
        library=library,
        text=text,
        intents=[(m.intent, m.score) for m in suggestion.matches],
        tone=tone,
        received_at=received,
    )
    try:
        chunks = split_message(suggestion_html(suggestion, tone, assistant.library))
        for n, chunk in enumerate(chunks):
            last = n == len(chunks) - 1
            markup = keyboards.suggestion_keyboard(exchange, tone) if last else None
            sent = await message.answer(chunk, reply_markup=markup)
    except TelegramAPIError as exc:
        await db.mark_failed(exchange, f"{type(exc).__name__}: {exc}")
        raise
    await db.mark_replied(
        exchange,
        reply=suggestion.replies[0] if suggestion.replies else "",
        bot_message_id=sent.message_id,
        replied_at=clock(),
    )


def _again(assistants: Assistants, exchange: Exchange, *, tone: str, variant: int) -> Suggestion:
    # the chat's current product, read but not moved on: 换一个 is no new customer message
    product = assistants.conversations.get(("chat", exchange.chat_id), private=True).product_id
    return assistants.get(exchange.library).suggest(
        exchange.text, tone=tone, variant=variant, product=product
    )


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
            library = assistants.get(exchange.library).library
            await query.message.answer(why_html(suggestion, library))
        return
    tone, variant = exchange.tone, exchange.variant + 1
    if action == "tone":
        tone, variant = keyboards.other_tone(exchange.tone), 0
    suggestion = _again(assistants, exchange, tone=tone, variant=variant)
    await query.answer()
    if query.message is not None and hasattr(query.message, "edit_text"):
        try:
            await query.message.edit_text(
                split_message(
                    suggestion_html(suggestion, tone, assistants.get(exchange.library).library)
                )[-1],
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
