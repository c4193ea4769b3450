import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from intents import Assistant, Library, Matcher, load_library
from tests.pg import PostgresServer
from tests.redis_server import RedisServer

# the matcher's trained vote is cached per test run, never in the user's cache folder; set at
# import, so subprocesses and the doctests in intents/ and bot/ (collected after tests/) see it
os.environ["CSBOT_CACHE_DIR"] = tempfile.mkdtemp(prefix="csbot-test-cache-")

ROOT = Path(__file__).resolve().parent.parent
ServerT = TypeVar("ServerT", PostgresServer, RedisServer)
PHRASES = ROOT / "phrases"


@pytest.fixture(scope="session")
def shop() -> Library:
    return load_library(PHRASES)


@pytest.fixture(scope="session")
def matcher(shop: Library) -> Matcher:
    return Matcher(shop)


@pytest.fixture(scope="session")
def assistant(shop: Library, matcher: Matcher) -> Assistant:
    return Assistant(shop, matcher=matcher)


def _serve(server: ServerT) -> Iterator[ServerT | str]:
    """The started server, or the one line saying why there is none; stopped at the end."""
    try:
        server.start()
    except RuntimeError as exc:
        yield str(exc)
    else:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer | str]:
    """One PostgreSQL server for the session, or the one line saying why there is none."""
    yield from _serve(PostgresServer())


@pytest.fixture
def postgres_url(pg_server: PostgresServer | str) -> str:
    """A fresh database on the session's server (open_storage creates it)."""
    if isinstance(pg_server, str):
        pytest.skip(f"没有 PostgreSQL，跳过：{pg_server}")
    return pg_server.url()


@pytest.fixture(params=["sqlite", "postgresql"])
def storage_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """storage.database for each backend: the storage tests run against both."""
    if request.param == "sqlite":
        return tmp_path / "csbot.db"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer | str]:
    """One Redis server for the session, or the one line saying why there is none."""
    yield from _serve(RedisServer())


@pytest.fixture
def redis_url(redis_server: RedisServer | str) -> str:
    """A database of its own on the session's server, emptied first."""
    if isinstance(redis_server, str):
        pytest.skip(f"没有 Redis，跳过：{redis_server}")
    url = redis_server.url()
    import redis

    with redis.Redis.from_url(url) as client:
        client.flushdb()
    return url
