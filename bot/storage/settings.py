"""Per-chat settings: the library and the tone a chat chose."""

from __future__ import annotations

from typing import Protocol

from bot.library_names import library_name_ok
from bot.storage.database import Database
from intents.library import TONES


class SettingsRepository(Protocol):
    async def chat_settings(self, chat_id: int) -> tuple[str | None, str | None]: ...

    async def set_chat_settings(
        self, chat_id: int, *, library: str | None = None, tone: str | None = None
    ) -> None: ...


class ChatSettings:
    """SettingsRepository over any Database."""

    db: Database

    async def chat_settings(self, chat_id: int) -> tuple[str | None, str | None]:
        rows = await self.db.fetch(
            "SELECT library, tone FROM chat_settings WHERE chat_id = ?", (chat_id,)
        )
        return (rows[0]["library"], rows[0]["tone"]) if rows else (None, None)

    async def set_chat_settings(
        self, chat_id: int, *, library: str | None = None, tone: str | None = None
    ) -> None:
        # the handlers store only what they offered; this is the last line, should one forget
        if tone is not None and tone not in TONES:
            raise ValueError(f"not a tone: {tone!r}")
        if library is not None and not library_name_ok(library):
            raise ValueError(f"not a library name: {library!r}")
        await self.db.execute(
            "INSERT INTO chat_settings (chat_id, library, tone) VALUES (?, ?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET"
            " library = COALESCE(excluded.library, chat_settings.library),"
            " tone = COALESCE(excluded.tone, chat_settings.tone)",
            (chat_id, library, tone),
        )
