"""The phrase libraries the bot serves: built on first use, reloaded all-or-nothing."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from bot.config import Config
from intents import Assistant, Library, LibraryError, Matcher, load_library
from intents.catalog import Catalog, common_pieces, load_catalog
from intents.context import Conversation


class Conversations:
    """What each chat remembers (its product, its last question), kept in memory, the chats
    seen least recently forgotten first."""

    def __init__(
        self,
        idle_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        limit: int = 10_000,
    ) -> None:
        self.idle_seconds = idle_seconds
        self.clock = clock
        self.limit = limit
        self._chats: OrderedDict[Hashable, Conversation] = OrderedDict()

    def get(self, key: Hashable, *, private: bool) -> Conversation:
        """``private``: a staff member's own chat, where several customers' messages are pasted."""
        conversation = self._chats.pop(key, None)
        if conversation is None:
            conversation = Conversation(self.idle_seconds, private=private, clock=self.clock)
        self._chats[key] = conversation
        while len(self._chats) > self.limit:
            self._chats.popitem(last=False)
        return conversation


#: The placeholder of the agent's own name (我是客服{agent_name}).
AGENT_NAME = "agent_name"


class Assistants:
    """One Assistant per configured library name (shop, clinic, it, …), the chats'
    conversations, and the names staff sign their replies with."""

    def __init__(self, config: Config, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._built: dict[str, Assistant] = {}
        self.conversations = Conversations(config.library.context_minutes * 60, clock=clock)
        # Telegram first names of the people the bot has seen, by user id: a Business account's
        # owner is the agent of its chats but never the sender of a customer's message
        self.first_names: dict[int, str] = {}

    def agent_values(self, user_id: int | None, first_name: str | None = None) -> dict[str, str]:
        """``{agent_name}`` for one person: their name in ``access.names``, else their
        Telegram first name (given, or seen before); with neither, the library's own value
        (or ``library.values``) stands."""
        if user_id is not None and first_name:
            self.first_names[user_id] = first_name
        name = self.config.access.names.get(user_id or 0) or self.first_names.get(user_id or 0)
        name = (name or "").strip()
        return {AGENT_NAME: name} if name else {}

    @property
    def names(self) -> list[str]:
        return list(self.config.library.paths)

    @property
    def default(self) -> str:
        return self.config.library.default

    def get(self, name: str | None = None) -> Assistant:
        name = name if name in self.config.library.paths else self.default
        if name not in self._built:
            self._built[name] = self._build(name)
        return self._built[name]

    def reload(self) -> list[str]:
        """Rebuild every library in use, and the catalogue, from their files; on any error keep
        all the old ones."""
        names = list(dict.fromkeys([self.default, *self._built]))
        fresh = {name: self._build(name) for name in names}  # raises LibraryError, nothing swapped
        self._built = fresh
        return names

    def _build(self, name: str) -> Assistant:
        library = load_library(self.config.library_path(name))
        threshold = self.config.matcher.threshold
        matcher = Matcher(library, **({"threshold": threshold} if threshold else {}))
        return Assistant(
            library,
            values=self.config.library.values,
            matcher=matcher,
            catalog=self._catalog(library),
            tone=self.config.replies.tone,
            count=self.config.replies.count,
        )

    def _catalog(self, library: Library) -> Catalog | None:
        path = self.config.library.catalog
        # a broken catalogue raises CatalogError, a LibraryError: the old assistants stay
        return load_catalog(path, common=common_pieces(library)) if path else None


__all__ = ["AGENT_NAME", "Assistants", "Conversations", "LibraryError"]
