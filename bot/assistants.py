"""The phrase libraries the bot serves: built on first use, reloaded all-or-nothing."""

from __future__ import annotations

from bot.config import Config
from intents import Assistant, Library, LibraryError, Matcher, load_library
from intents.catalog import Catalog, common_pieces, load_catalog


class Assistants:
    """One Assistant per configured library name (shop, clinic, it, …)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._built: dict[str, Assistant] = {}

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


__all__ = ["Assistants", "LibraryError"]
