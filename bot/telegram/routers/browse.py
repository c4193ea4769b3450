"""/intents: browse the chat's library by intent, every reply copyable."""

from html import escape

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.assistants import Assistants
from bot.storage import Storage
from bot.telegram import keyboards, texts
from bot.telegram.formatting import intent_label, split_message
from bot.telegram.routers.prefs import chat_prefs


def pages_of(ids: list[str]) -> int:
    return max(1, -(-len(ids) // keyboards.INTENTS_PER_PAGE))


def page_text(assistants: Assistants, library: str, page: int) -> tuple[str, list[str]]:
    ids = list(assistants.get(library).library.intent_ids)
    header = texts.INTENTS_HEADER.format(
        library=escape(library), page=page + 1, pages=pages_of(ids)
    )
    return header, ids


async def intents(message: Message, db: Storage, assistants: Assistants) -> None:
    library, _ = await chat_prefs(db, assistants, message.chat.id)
    text, ids = page_text(assistants, library, 0)
    await message.answer(text, reply_markup=keyboards.intents_keyboard(library, ids, 0))


async def browse(
    query: CallbackQuery, callback_data: keyboards.Browse, assistants: Assistants
) -> None:
    library, page, wanted = callback_data.library, callback_data.page, callback_data.intent
    ids = list(assistants.get(library).library.intent_ids) if library in assistants.names else []
    # a library, page or intent the bot does not offer (any more) is refused, not guessed at
    if not ids or not 0 <= page < pages_of(ids) or not -1 <= wanted < len(ids):
        await query.answer(texts.BUTTON_STALE, show_alert=True)
        return
    await query.answer()
    if query.message is None or not hasattr(query.message, "edit_text"):
        return
    if wanted < 0:
        text, ids = page_text(assistants, library, page)
        await query.message.edit_text(
            text, reply_markup=keyboards.intents_keyboard(library, ids, page)
        )
        return
    assistant = assistants.get(library)
    intent = assistant.library.intent(ids[wanted])
    values = assistants.agent_values(query.from_user.id, query.from_user.first_name)
    replies = "\n".join(
        f"{escape(reply_tone)}: <code>{escape(text)}</code>"
        for reply_tone, text in (
            (r.tone, assistant.render(r, values))
            for r in assistant.library.intent(intent.id).replies
        )
    )
    body = texts.INTENT_REPLIES.format(
        name=escape(intent_label(intent.id)),
        intent=escape(intent.id),
        examples=escape(" / ".join(intent.examples[:3])),
        replies=replies,
    )
    if intent.topics:
        topics = "、".join(escape(t.description or t.id) for t in intent.topics)
        body += texts.INTENT_TOPICS.format(count=len(intent.topics), topics=topics)
    chunks = split_message(body)
    await query.message.edit_text(chunks[0], reply_markup=keyboards.back_keyboard(library, page))
    for chunk in chunks[1:]:
        await query.message.answer(chunk)


def get_router() -> Router:
    router = Router(name=__name__)
    router.message.register(intents, Command("intents"))
    router.callback_query.register(browse, keyboards.Browse.filter())
    return router
