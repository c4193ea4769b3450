"""/library and /tone: a chat's phrase library and default tone."""

from html import escape

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.assistants import Assistants, LibraryError
from bot.storage import Storage
from bot.telegram import keyboards, texts
from bot.telegram.routers.prefs import chat_prefs
from intents.library import TONES

LIBRARY_LABELS = {"shop": "网店客服（淘宝/京东）", "clinic": "诊所回访", "it": "IT 服务热线"}


async def library(message: Message, db: Storage, assistants: Assistants) -> None:
    current, _ = await chat_prefs(db, assistants, message.chat.id)
    await message.answer(
        texts.LIBRARY_PICK.format(current=escape(LIBRARY_LABELS.get(current, current))),
        reply_markup=keyboards.library_keyboard(assistants.names, LIBRARY_LABELS),
    )


async def pick_library(
    query: CallbackQuery,
    callback_data: keyboards.PickLibrary,
    db: Storage,
    assistants: Assistants,
) -> None:
    name = callback_data.name
    if name not in assistants.names:  # only what the picker offers is ever stored
        await query.answer(texts.BUTTON_STALE, show_alert=True)
        return
    try:
        assistants.get(name)
    except LibraryError as exc:
        await query.answer()
        if query.message:
            await query.message.answer(
                texts.LIBRARY_BROKEN.format(
                    name=escape(name), problems=escape("\n".join(map(str, exc.problems[:5])))
                )
            )
        return
    chat_id = query.message.chat.id if query.message else query.from_user.id
    await db.set_chat_settings(chat_id, library=name)
    label = LIBRARY_LABELS.get(name, name)
    await query.answer(texts.LIBRARY_SET.format(name=label))
    if query.message:
        await query.message.answer(texts.LIBRARY_SET.format(name=escape(label)))


async def tone(message: Message, db: Storage, assistants: Assistants) -> None:
    _, current = await chat_prefs(db, assistants, message.chat.id)
    await message.answer(
        texts.TONE_PICK.format(current=escape(current)), reply_markup=keyboards.tone_keyboard()
    )


async def pick_tone(query: CallbackQuery, callback_data: keyboards.PickTone, db: Storage) -> None:
    tone = callback_data.tone
    if tone not in TONES:
        await query.answer(texts.BUTTON_STALE, show_alert=True)
        return
    chat_id = query.message.chat.id if query.message else query.from_user.id
    await db.set_chat_settings(chat_id, tone=tone)
    await query.answer(texts.TONE_SET.format(tone=tone))
    if query.message:
        await query.message.answer(texts.TONE_SET.format(tone=escape(tone)))


def get_router() -> Router:
    router = Router(name=__name__)
    router.message.register(library, Command("library"))
    router.callback_query.register(pick_library, keyboards.PickLibrary.filter())
    router.message.register(tone, Command("tone"))
    router.callback_query.register(pick_tone, keyboards.PickTone.filter())
    return router
