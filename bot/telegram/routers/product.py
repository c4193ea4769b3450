"""/product: the current product of a staff member's chat (by id, by name with buttons, off)."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.assistants import Assistants
from bot.storage import Storage
from bot.telegram import keyboards, texts
from bot.telegram.routers.prefs import chat_prefs


async def product(
    message: Message, command: CommandObject, db: Storage, assistants: Assistants
) -> None:
    library, _ = await chat_prefs(db, assistants, message.chat.id)
    catalog = assistants.get(library).catalog
    if catalog is None:
        await message.answer(texts.PRODUCT_NO_CATALOG)
        return
    conversation = assistants.conversations.get(("chat", message.chat.id), private=True)
    query = (command.args or "").strip()
    if not query:
        current = catalog.get(conversation.product_id or "")
        if current is None:
            await message.answer(texts.PRODUCT_NONE)
        else:
            await message.answer(
                texts.PRODUCT_CURRENT.format(name=escape(current.name), id=escape(current.id))
            )
        return
    if query.lower() in texts.PRODUCT_OFF_WORDS:
        conversation.set_product(None)
        await message.answer(texts.PRODUCT_OFF)
        return
    found = catalog.search(query)
    if len(found) == 1:
        conversation.set_product(found[0].id)
        await message.answer(texts.PRODUCT_SET.format(name=escape(found[0].name), id=found[0].id))
    elif found:
        buttons = keyboards.product_keyboard([(p.id, f"{p.name}（{p.id}）") for p in found])
        await message.answer(texts.PRODUCT_PICK.format(count=len(found)), reply_markup=buttons)
    else:
        await message.answer(texts.PRODUCT_NOT_FOUND.format(query=escape(query)))


async def pick(
    query: CallbackQuery,
    callback_data: keyboards.PickProduct,
    db: Storage,
    assistants: Assistants,
) -> None:
    chat_id = query.message.chat.id if query.message else query.from_user.id
    library, _ = await chat_prefs(db, assistants, chat_id)
    catalog = assistants.get(library).catalog
    chosen = catalog.get(callback_data.id) if catalog is not None else None
    if chosen is None:  # the catalogue was reloaded without it
        await query.answer(texts.PRODUCT_NOT_FOUND.format(query=callback_data.id), show_alert=True)
        return
    assistants.conversations.get(("chat", chat_id), private=True).set_product(chosen.id)
    await query.answer()
    if query.message is not None and hasattr(query.message, "edit_text"):
        await query.message.edit_text(
            texts.PRODUCT_SET.format(name=escape(chosen.name), id=escape(chosen.id))
        )


def get_router() -> Router:
    router = Router(name=__name__)
    router.message.register(product, Command("product"))
    router.callback_query.register(pick, keyboards.PickProduct.filter())
    return router
