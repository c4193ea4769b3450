"""What ``storage.database`` names: a SQLite file or a PostgreSQL server. A leaf: config and
storage both read it, and neither imports the other for it.

>>> parse_database("sqlite:////srv/csbot.db")
PosixPath('/srv/csbot.db')
>>> print(parse_database("postgresql://bot:s3cret@127.0.0.1:5432/shop"))
postgresql://bot:***@127.0.0.1:5432/shop
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SQLITE_PREFIX = "sqlite:///"  # as SQLAlchemy reads it: sqlite:///relative, sqlite:////absolute
POSTGRES_SCHEMES = ("postgresql", "postgres")
HIDDEN = "***"


@dataclass(frozen=True)
class PostgresUrl:
    """A PostgreSQL URL whose ``str`` and ``repr`` hide the password, so that an f-string in a
    message or a log line can never show it; ``secret`` is the one way to the real URL."""

    secret: str = field(repr=False)

    def __str__(self) -> str:
        parts = urlsplit(self.secret)
        if parts.password is None:
            return self.secret
        user = parts.username or ""
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit(parts._replace(netloc=f"{user}:{HIDDEN}@{host}"))

    def __repr__(self) -> str:
        return f"PostgresUrl({str(self)!r})"

    @property
    def password(self) -> str | None:
        return urlsplit(self.secret).password

    @property
    def database(self) -> str:
        return urlsplit(self.secret).path.lstrip("/") or (urlsplit(self.secret).username or "")

    @property
    def slug(self) -> str:
        """host-port-database, safe as a file name: the prefix of local files kept for it."""
        parts = urlsplit(self.secret)
        words = (parts.hostname or "local", str(parts.port or 5432), self.database)
        return "-".join("".join(c if c.isalnum() or c in "._" else "_" for c in w) for w in words)


Database = Path | PostgresUrl


def parse_database(value: str | Path) -> Database:
    """A plain path or ``sqlite:///path`` → the file's Path (``:memory:`` stays as it is);
    ``postgresql://…`` or ``postgres://…`` → a PostgresUrl; any other URL is a ValueError."""
    if isinstance(value, Path):
        return value
    scheme, sep, _ = value.partition("://")
    if not sep:
        return Path(value)
    if scheme.lower() in POSTGRES_SCHEMES:
        return PostgresUrl(value)
    if value.lower().startswith(SQLITE_PREFIX):
        return Path(value[len(SQLITE_PREFIX) :])
    raise ValueError(f"not a database URL: {scheme}://…")
