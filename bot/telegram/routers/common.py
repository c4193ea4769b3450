"""/start, /help, /whoami."""

from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message

from bot.assistants import Assistants
from bot.storage import Storage
from bot.telegram import texts
from bot.telegram.routers.prefs import chat_prefs


async def start(message: Message) -> None:
    await message.answer(texts.START)


async def help_(message: Message) -> None:
    await message.answer(texts.HELP)


async def whoami(message: Message, role: str, db: Storage, assistants: Assistants) -> None:
    library, tone = await chat_prefs(db, assistants, message.chat.id)
    user_id = message.from_user.id if message.from_user else 0
    await message.answer(
        texts.WHOAMI.format(
            user_id=user_id,
            role=texts.ROLE_NAMES[role],
            library=escape(library),
            tone=escape(tone),
        )
    )


def get_router() -> Router:
    router = Router(name=__name__)
    router.message.register(start, CommandStart())
    router.message.register(help_, Command("help"))
    router.message.register(whoami, Command("whoami"))
    return router
