"""Every repository of the storage, against SQLite and PostgreSQL alike (the ``storage_url``
fixture); then what only a server has: a missing or unreachable database, and its password."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from bot.storage import (
    DATABASE_ERRORS,
    MIGRATIONS,
    POSTGRES_MIGRATIONS,
    BusinessAccount,
    BusinessRepository,
    ExchangeRepository,
    MissingDatabaseError,
    PracticeRepository,
    SettingsRepository,
    Storage,
    StorageUnavailableError,
    TimelineMessage,
    TimelineRepository,
    open_storage,
)
from bot.storage_url import PostgresUrl, parse_database

BIG_CHAT = -1001234567890  # a supergroup id: past 32 bits
T0 = 1_764_374_400.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def storage(storage_url):
    async with open_storage(storage_url, clock=Clock()) as storage:
        yield storage


async def add(storage: Storage, *, update_id: int | None = None, text: str = "包邮吗") -> int:
    return await storage.add_exchange(
        chat_id=BIG_CHAT,
        user_id=7,
        library="shop",
        text=text,
        intents=[("price", 0.91), ("shipping", 0.84)],
        tone="亲切",
        received_at=T0,
        update_id=update_id,
    )


# --- exchanges and the inbox ------------------------------------------------------------------


async def test_an_exchange_keeps_its_reply_choice_and_feedback(storage):
    exchange = await add(storage, update_id=41, text="电话13812345678，包邮吗")
    await storage.mark_replied(exchange, reply="亲，包邮哦", bot_message_id=9, replied_at=T0 + 1.5)
    await storage.update_choice(exchange, reply="亲，满99包邮", variant=1, tone="正式")
    await storage.set_feedback(exchange, -1)
    stored = await storage.exchange(exchange)
    assert stored is not None
    assert (stored.chat_id, stored.text) == (BIG_CHAT, "电话138****5678，包邮吗")
    assert stored.intents == (("price", 0.91), ("shipping", 0.84))
    assert (stored.reply, stored.variant, stored.tone, stored.feedback) == (
        "亲，满99包邮", 1, "正式", -1,
    )  # fmt: skip
    assert stored.latency_ms == pytest.approx(1500) and stored.bot_message_id == 9
    assert await storage.exchange(exchange + 1) is None
    assert await storage.exchange_for_update(41) == (exchange, True, 0)
    assert await storage.exchange_for_update(42) is None
    assert await storage.count_exchanges() == 1


async def test_sent_parts_only_grow(storage):
    exchange = await add(storage, update_id=1)
    await storage.add_sent_parts({exchange: 2})
    await storage.add_sent_parts({exchange: 1})  # an older journal says less: kept at 2
    assert await storage.exchange_for_update(1) == (exchange, False, 2)


async def test_a_failed_reply_settles_its_update_without_the_secret(storage):
    await storage.inbox_add([(5, '{"update_id": 5}')])
    exchange = await add(storage, update_id=5)
    await storage.mark_failed(exchange, "HTTP 400", update_id=5)
    assert await storage.exchange_for_update(5) == (exchange, True, 0)
    assert await storage.inbox_pending() == []


async def test_the_inbox_hears_each_update_once(storage):
    assert await storage.inbox_add([(3, "c"), (1, "a"), (1, "a")]) == [3, 1]
    assert await storage.inbox_add([(1, "a"), (2, "b")]) == [2]
    assert await storage.inbox_pending() == [(1, "a"), (2, "b"), (3, "c")]
    await storage.inbox_done(2, "格式不对")
    assert [i for i, _ in await storage.inbox_pending()] == [1, 3]
    [(payload, error)] = await storage.db.fetch(
        "SELECT payload, error FROM inbox WHERE update_id = 2"
    )
    assert payload is None and error == "格式不对"
    storage.clock.now += 86_400
    await storage.inbox_prune(T0 + 1)
    assert [i for i, _ in await storage.inbox_pending()] == [1, 3]  # only handled ones go
    [(left,)] = await storage.db.fetch("SELECT COUNT(*) FROM inbox")
    assert left == 2


async def test_two_workers_sharing_a_database_store_an_update_once(storage_url):
    """Telegram re-delivers on a timeout, and the copy may reach another worker."""
    async with open_storage(storage_url) as one, open_storage(storage_url) as two:
        heard = await asyncio.gather(
            *(worker.inbox_add([(n, "{}")]) for n in range(20) for worker in (one, two))
        )
        assert sorted(n for ids in heard for n in ids) == list(range(20))  # each exactly once
        await add(one, update_id=77)
        with pytest.raises(DATABASE_ERRORS):
            await add(two, update_id=77)
        assert await two.count_exchanges() == 1


# --- timelines ------------------------------------------------------------------------------


def timeline_messages() -> list[TimelineMessage]:
    def m(conv: str, n: int, dt: float, role: str, agent: str | None = None) -> TimelineMessage:
        return TimelineMessage(
            conv, f"{conv}:{n}", T0 + dt, role, agent=agent, text=f"{conv}第{n}条",
            title={"qn-1": "顾客甲"}.get(conv),
        )  # fmt: skip

    return [
        m("qn-2", 1, 100, "customer"), m("qn-1", 2, 8, "agent", "小美"),
        m("qn-1", 1, 0, "customer"), m("qn-2", 2, 125, "agent", "阿杰"),
        m("qn-1", 3, 60, "bot"), m("qn-1", 1, 0, "customer"),  # the same message twice
        m("x-9", 1, 86_400, "customer"),
    ]  # fmt: skip


async def test_a_timeline_is_stored_once_and_read_in_order(storage):
    assert await storage.add_timeline("csv", timeline_messages()) == 6
    assert await storage.add_timeline("csv", timeline_messages()) == 0
    assert await storage.add_timeline("telegram-export", timeline_messages()[:1]) == 1
    assert await storage.count_messages() == 7
    agents = await storage.agents()
    assert sorted(agents.values()) == ["小美", "阿杰"]
    ids = await storage.agent_ids(["小美", "老王"])
    assert ids["小美"] in agents and ids["老王"] not in agents
    whole = await storage.timeline()
    for conversation in set(whole.conversation.tolist()):
        ts = whole.ts[whole.conversation == conversation].tolist()
        assert ts == sorted(ts)
    names = await storage.conversation_names(whole.conversation.tolist())
    by_name = {external: i for i, (external, _) in names.items() if external.startswith("qn")}
    assert names[by_name["qn-1"]] == ("qn-1", "顾客甲")
    titles = await storage.conversation_titles(list(by_name.values()))
    assert titles == {by_name["qn-1"]: "顾客甲", by_name["qn-2"]: "qn-2"}
    one = await storage.timeline(conversation="顾客甲")
    assert one.role.tolist() == [0, 1, 2] and one.ts.tolist() == [T0, T0 + 8, T0 + 60]
    assert one.agent.tolist()[1] == {v: k for k, v in agents.items()}["小美"]
    assert one.agent.tolist()[0] == -1
    late = await storage.timeline(since=T0 + 1000)
    assert late.ts.tolist() == [T0 + 86_400]
    early = await storage.timeline(until=T0 + 1)
    assert early.ts.tolist() == [T0, T0 + 8, T0 + 60]  # its conversation, whole
    live = await storage.conversation_timeline("csv", "qn-2")
    assert live.ts.tolist() == [T0 + 100, T0 + 125] and live.role.tolist() == [0, 1]
    assert await storage.latest_conversation("csv", "qn-") == ("qn-2", T0 + 125)
    assert await storage.latest_conversation("csv", "zz") is None


async def test_learning_reads_chat_texts_and_disliked_suggestions(storage):
    await storage.add_timeline("csv", timeline_messages())
    disliked = await add(storage, text="这个能便宜吗")
    await storage.set_feedback(disliked, -1)
    await storage.set_feedback(await add(storage, text="在吗"), 1)
    rows = await storage.learning_rows()
    assert [text for _, _, text in rows.messages][:3] == ["qn-1第1条", "qn-1第2条", "qn-1第3条"]
    assert rows.disliked == [("这个能便宜吗", ("price", "shipping"))]
    later = await storage.learning_rows(since=T0 + 1000)
    assert [text for _, _, text in later.messages] == ["x-9第1条"] and later.disliked == []


# --- Business accounts, practice, chat settings ----------------------------------------------


async def test_a_business_account_keeps_the_owners_auto_reply_choice(storage):
    account = BusinessAccount("bc-1", user_id=5, user_chat_id=50, can_reply=True, is_enabled=True)
    await storage.save_business_account(account)
    assert await storage.set_auto_reply(5, False) == 1
    storage.clock.now += 1
    await storage.save_business_account(
        BusinessAccount("bc-2", user_id=5, user_chat_id=50, can_reply=False, is_enabled=True)
    )
    storage.clock.now += 1
    await storage.save_business_account(account)  # a later update without a choice in it
    assert await storage.business_account("bc-1") == BusinessAccount(
        "bc-1", 5, 50, can_reply=True, is_enabled=True, auto_reply=False
    )
    assert [a.id for a in await storage.business_accounts_of(5)] == ["bc-2", "bc-1"]
    assert await storage.business_account("nope") is None
    assert await storage.set_auto_reply(6, True) == 0


async def test_practice_progress_is_the_mean_of_each_sessions_answers(storage):
    skills = {"speed": 1.0, "typing": 0.5, "content": 0.75, "tone": 1.0, "compliance": 0.0}
    first = await storage.start_practice(
        user_id=BIG_CHAT, user_name="小王", scenario="price", level=1, started_at=T0
    )
    second = await storage.start_practice(
        user_id=8, user_name="小李", scenario="size", level=2, started_at=T0 + 1
    )
    await storage.add_practice_answer(first, turn=1, seconds=9, total=80, skills=skills)
    await storage.add_practice_answer(first, turn=2, seconds=12, total=60, skills=skills)
    await storage.finish_practice(first, finished_at=T0 + 30)
    await storage.start_practice(user_id=8, user_name="小李", scenario="x", level=1, started_at=T0)
    await storage.add_practice_answer(second, turn=1, seconds=5, total=90, skills=skills)
    [mine] = await storage.practice_progress(BIG_CHAT)
    assert mine["session"] == first and mine["total"] == pytest.approx(70)
    assert (mine["answers"], mine["finished_at"], mine["typing"]) == (2, T0 + 30, 0.5)
    assert [row["user_name"] for row in await storage.practice_progress()] == ["小王", "小李"]
    [(total,)] = await storage.db.fetch(
        "SELECT total FROM practice_sessions WHERE id = ?", (first,)
    )
    assert total == pytest.approx(70)


async def test_chat_settings_change_one_at_a_time(storage):
    assert await storage.chat_settings(BIG_CHAT) == (None, None)
    await storage.set_chat_settings(BIG_CHAT, library="clinic")
    await storage.set_chat_settings(BIG_CHAT, tone="正式")
    assert await storage.chat_settings(BIG_CHAT) == ("clinic", "正式")
    with pytest.raises(ValueError, match="not a tone"):
        await storage.set_chat_settings(BIG_CHAT, tone="<b>")


# --- schema versions --------------------------------------------------------------------------


async def test_each_dialect_keeps_its_own_schema_version(storage_url):
    known = POSTGRES_MIGRATIONS if isinstance(parse_database(storage_url), PostgresUrl) else None
    async with open_storage(storage_url) as first:
        version = await first.schema_version()
    async with open_storage(storage_url, create=False) as again:  # reopening migrates nothing
        assert await again.schema_version() == version
    assert version == len(known if known is not None else MIGRATIONS)


async def test_workers_starting_together_on_a_fresh_database_migrate_it_once(storage_url):
    opened = await asyncio.gather(*(open_storage(storage_url).open() for _ in range(3)))
    try:
        versions = {await s.schema_version() for s in opened}
        assert len(versions) == 1
        await opened[0].add_timeline("csv", timeline_messages())
        assert await opened[2].count_messages() == 6
    finally:
        for s in opened:
            await s.close()


async def test_many_openers_of_one_fresh_sqlite_file_all_get_it(tmp_path):
    # switching a fresh file to WAL fails at once, busy timeout or not, while another opener
    # holds it; before _use_wal waited, about one round in seven lost an opener
    for round_ in range(40):
        path = tmp_path / f"{round_}.db"
        opened = await asyncio.gather(*(open_storage(path).open() for _ in range(3)))
        try:
            modes = [await s.db.fetch("PRAGMA journal_mode") for s in opened]
            assert [m[0][0] for m in modes] == ["wal"] * 3
        finally:
            for s in opened:
                await s.close()


# --- PostgreSQL: a server that is missing, unreachable, or guarded by a password --------------


async def test_a_reader_never_creates_a_postgres_database(postgres_url):
    with pytest.raises(MissingDatabaseError) as missing:
        await open_storage(postgres_url, create=False)
    shown = str(missing.value)
    password = PostgresUrl(postgres_url).password
    assert password and password not in shown and "***" in shown
    async with open_storage(postgres_url):
        pass  # a writer makes it
    async with open_storage(postgres_url, create=False) as reader:
        assert reader.location == str(PostgresUrl(postgres_url))
        assert password not in reader.location


async def test_a_wrong_password_or_a_dead_server_is_one_clear_line_without_the_password(
    postgres_url,
):
    wrong = PostgresUrl(postgres_url.replace(PostgresUrl(postgres_url).password, "not-it-9f3"))
    with pytest.raises(StorageUnavailableError) as refused:
        await open_storage(wrong.secret)
    assert "not-it-9f3" not in str(refused.value)
    assert "连不上 PostgreSQL 数据库 postgresql://csbot:***@127.0.0.1" in str(refused.value)
    assert "请检查 storage.database" in str(refused.value)
    with pytest.raises(StorageUnavailableError) as dead:
        await open_storage("postgresql://csbot:hunter2-x@127.0.0.1:1/shop")
    assert "hunter2-x" not in str(dead.value) and "127.0.0.1:1/shop" in str(dead.value)


# --- storage.database ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("data/csbot.db", "CONFIG/data/csbot.db"),
        ("sqlite:///data/csbot.db", "CONFIG/data/csbot.db"),
        ("sqlite:////srv/csbot.db", "/srv/csbot.db"),
        ("postgresql://bot:s3cr3t-pw@db:5432/shop", "postgresql://bot:***@db:5432/shop"),
        ("postgres://bot@db/shop", "postgres://bot@db/shop"),
    ],
)
def test_storage_database_takes_a_path_or_a_url(tmp_path, value, expected):
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  database: {value}\n", encoding="utf-8")
    database = load_config(config).storage.database
    assert str(database) == expected.replace("CONFIG", str(tmp_path))
    assert "s3cr3t-pw" not in repr(load_config(config))


def test_a_postgres_database_keeps_its_local_files_in_journal_dir(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(
        "storage:\n  database: postgresql://bot:pw@db.internal:6543/shop\n  journal_dir: run\n",
        encoding="utf-8",
    )
    assert load_config(config).storage.local_files == tmp_path / "run" / "db.internal-6543-shop"
    sqlite = load_config(None).storage
    assert sqlite.local_files == sqlite.database  # beside the file, as the journals always were


def test_an_unknown_database_url_is_named_with_file_and_line(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("storage:\n  database: mysql://bot:s3cr3t-pw@db/shop\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config.yaml:2: storage.database: 应该是") as bad:
        load_config(config)
    assert "s3cr3t-pw" not in str(bad.value)


def test_parse_database_keeps_memory_and_paths():
    assert parse_database(":memory:") == Path(":memory:")
    assert parse_database(Path("x.db")) == Path("x.db")


@pytest.mark.parametrize(
    "protocol",
    [
        ExchangeRepository,
        TimelineRepository,
        BusinessRepository,
        PracticeRepository,
        SettingsRepository,
    ],
)
def test_storage_gives_every_repository_as_its_protocol_says(protocol):
    methods = [name for name in vars(protocol) if not name.startswith("_")]
    assert methods
    for name in methods:
        assert inspect.signature(getattr(Storage, name)) == inspect.signature(
            getattr(protocol, name)
        ), name


async def test_concurrent_handlers_on_one_sqlite_connection_keep_their_transactions(tmp_path):
    """Regression: webhook handlers sharing the one aiosqlite connection interleaved their
    statements: one handler's rollback took others' rows with it, and a commit mid-fetch gave
    "bad parameter or other API misuse". Each now holds the connection alone."""
    import asyncio

    from bot.storage import open_storage

    async with open_storage(tmp_path / "busy.db") as storage:

        async def handler(n: int) -> None:
            batch = [(n * 10 + k, '{"n": 1}') for k in range(3)]
            assert await storage.inbox_add(batch) == [i for i, _ in batch]
            await storage.inbox_done(n * 10)

        async def failing(n: int) -> None:
            with contextlib.suppress(RuntimeError):
                async with storage.db.transaction() as tx:
                    await tx.execute(
                        "INSERT INTO inbox (update_id, payload, received_at) VALUES (?, ?, 0)",
                        (-n, "{}"),
                    )
                    await asyncio.sleep(0)
                    raise RuntimeError("a handler fails mid-transaction")

        await asyncio.gather(*(f(n) for n in range(1, 101) for f in (handler, failing)))
        [(kept,)] = await storage.db.fetch("SELECT COUNT(*) FROM inbox WHERE update_id > 0")
        [(failed,)] = await storage.db.fetch("SELECT COUNT(*) FROM inbox WHERE update_id < 0")
        assert (kept, failed) == (300, 0)
        assert len(await storage.inbox_pending()) == 200
