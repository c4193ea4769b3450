"""A chat's library and tone: its own choice, else the configured defaults."""

from __future__ import annotations

from bot.assistants import Assistants
from bot.storage import Storage


async def chat_prefs(db: Storage, assistants: Assistants, chat_id: int) -> tuple[str, str]:
    library, tone = await db.chat_settings(chat_id)
    if library not in assistants.names:
        library = assistants.default
    return library, tone or assistants.config.replies.tone
