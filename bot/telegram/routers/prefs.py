"""A chat's library and tone: its own choice, else the configured defaults.

Both are checked again on every read, so a row stored before choices were validated (a tone
``<b>x``, a library ``../../etc/passwd``) falls back to the defaults instead of breaking the chat.
"""

from __future__ import annotations

from bot.assistants import Assistants
from bot.storage import Storage
from intents.library import TONES


def valid_tone(tone: str | None, assistants: Assistants) -> str:
    return tone if tone in TONES else assistants.config.replies.tone


async def chat_prefs(db: Storage, assistants: Assistants, chat_id: int) -> tuple[str, str]:
    library, tone = await db.chat_settings(chat_id)
    if library not in assistants.names:
        library = assistants.default
    return library, valid_tone(tone, assistants)
