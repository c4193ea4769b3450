"""The suggestion flow: a customer's message in, replies to send out, buttons to refine."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, Update

from bot.assistants import Assistants
from bot.storage import Exchange, Storage
from bot.telegram import keyboards, texts
from bot.telegram.delivery import store_and_deliver
from bot.telegram.formatting import split_message, suggestion_html, why_html
from bot.telegram.routers.prefs import chat_prefs, valid_tone
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
    assistant = assistants.get(library)
    # a staff member's own chat: only /product or a pasted link carries over
    conversation = assistants.conversations.get(("chat", message.chat.id), private=True)
    user = message.from_user
    values = assistants.agent_values(user.id, user.first_name) if user else None
    suggestion = assistant.suggest(text, tone=tone, conversation=conversation, values=values)

    async def send(chunk: str, markup: InlineKeyboardMarkup | None) -> Message:
        return await message.answer(chunk, reply_markup=markup)

    await store_and_deliver(
        send,
        db,
        chat_id=message.chat.id,
        user_id=user.id if user else None,
        library=library,
        text=text,
        suggestion=suggestion,
        tone=tone,
        html=suggestion_html(suggestion, tone, assistant.library),
        received_at=received,
        clock=clock,
        update_id=update_id,
        earlier=earlier,
    )


def _made_for(exchange: Exchange, query: CallbackQuery) -> bool:
    """An exchange answers only in its own chat, and there only to the member of staff who sent
    the message, or to the owner of the private chat it was whispered into (Business copilot)."""
    chat_id = query.message.chat.id if query.message is not None else None
    presser = query.from_user.id
    return chat_id == exchange.chat_id and presser in {exchange.user_id, exchange.chat_id}


async def stale(query: CallbackQuery) -> None:
    """A signed button no handler takes any more (from an older version of the bot)."""
    await query.answer(texts.BUTTON_STALE, show_alert=True)


def _again(
    assistants: Assistants, exchange: Exchange, query: CallbackQuery, *, tone: str, variant: int
) -> Suggestion:
    # the chat's current product, read but not moved on: 换一个 is no new customer message
    product = assistants.conversations.get(("chat", exchange.chat_id), private=True).product_id
    values = assistants.agent_values(query.from_user.id, query.from_user.first_name)
    return assistants.get(exchange.library).suggest(
        exchange.text, tone=tone, variant=variant, product=product, values=values
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
    if not _made_for(exchange, query):
        await query.answer(texts.NOT_YOURS, show_alert=True)
        return
    action = callback_data.action
    if action in {"up", "down"}:
        await db.set_feedback(exchange.id, 1 if action == "up" else -1)
        await query.answer(texts.FEEDBACK_THANKS)
        return
    if action == "why":
        await query.answer()
        tone = valid_tone(exchange.tone, assistants)
        suggestion = _again(assistants, exchange, query, tone=tone, variant=exchange.variant)
        if query.message:
            library = assistants.get(exchange.library).library
            await query.message.answer(why_html(suggestion, library))
        return
    current = valid_tone(exchange.tone, assistants)  # rows stored before tones were checked
    tone, variant = current, exchange.variant + 1
    if action == "tone":
        tone, variant = keyboards.other_tone(current), 0
    suggestion = _again(assistants, exchange, query, tone=tone, variant=variant)
    await query.answer()
    if query.message is not None and hasattr(query.message, "edit_text"):
        try:
            await query.message.edit_text(
                split_message(
                    suggestion_html(suggestion, tone, assistants.get(exchange.library).library)
                )[-1],
                reply_markup=keyboards.suggestion_keyboard(exchange.id, tone, suggestion.replies),
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
    # last of all callbacks, as the suggestion router is last of all routers
    router.callback_query.register(stale)
    return router
