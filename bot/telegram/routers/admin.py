"""/reload: admins reload the phrase libraries; a bad file keeps the old ones."""

import asyncio

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.assistants import Assistants, LibraryError
from bot.telegram import texts
from bot.telegram.middlewares import RoleFilter


async def reload(message: Message, assistants: Assistants) -> None:
    try:
        names = await asyncio.to_thread(assistants.reload)
    except LibraryError as exc:
        problems = "\n".join(str(p) for p in exc.problems[:10])
        await message.answer(texts.RELOAD_FAILED.format(problems=problems), parse_mode=None)
        return
    await message.answer(texts.RELOADED.format(names=", ".join(names)))


async def admins_only(message: Message) -> None:
    await message.answer(texts.ADMINS_ONLY)


def get_router() -> Router:
    router = Router(name=__name__)
    router.message.register(reload, Command("reload"), RoleFilter("admin"))
    router.message.register(admins_only, Command("reload"))  # anyone else asking
    return router
