"""Stickers, photos, voice and other non-text messages get a short explanation."""

from aiogram import F, Router
from aiogram.enums import ContentType
from aiogram.types import Message

from bot.telegram import texts

NOT_TEXT = {
    ContentType.STICKER,
    ContentType.PHOTO,
    ContentType.VOICE,
    ContentType.VIDEO,
    ContentType.VIDEO_NOTE,
    ContentType.AUDIO,
    ContentType.ANIMATION,
    ContentType.DOCUMENT,
    ContentType.LOCATION,
    ContentType.CONTACT,
}


async def not_text(message: Message) -> None:
    await message.answer(texts.NOT_TEXT)


def get_router() -> Router:
    router = Router(name=__name__)
    router.message.register(not_text, F.content_type.in_(NOT_TEXT), ~F.caption)
    return router
