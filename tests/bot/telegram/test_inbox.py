"""The inbox: updates stored before they are confirmed, replayed after a crash, handled once."""

import asyncio
import io
import json

import pytest

from bot.logs import RedactingStream, keep_secret, redact
from bot.storage import MIGRATIONS
from bot.telegram.inbox import Inbox, lane
from tests.bot.telegram.conftest import STAFF


@pytest.fixture
def harness_database(storage_url):
    """The inbox's promises (stored before confirmed, answered once) hold on each backend."""
    return storage_url


def message_update(update_id: int, text: str, *, chat: int = STAFF) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_764_374_400,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "小王"},
            "text": text,
        },
    }


async def settle(inbox: Inbox) -> None:
    while inbox.busy:
        await asyncio.sleep(0.01)


async def pending(harness) -> list[int]:
    return [i for i, _ in await harness.storage.inbox_pending()]


async def test_a_received_update_is_stored_answered_and_its_raw_text_forgotten(harness):
    inbox = Inbox(harness.bot, harness.dp, harness.storage)
    await inbox.receive([message_update(7, "我电话13812345678,包邮吗")])
    await settle(inbox)
    assert len(harness.session.sent()) == 1
    assert await pending(harness) == []
    [(payload, done_at)] = await harness.storage.db.fetch("SELECT payload, done_at FROM inbox")
    [(update_id,)] = await harness.storage.db.fetch("SELECT update_id FROM exchanges")
    assert payload is None and done_at is not None  # the unmasked phone is gone with it
    assert update_id == 7


async def test_the_same_update_delivered_twice_is_answered_once(harness):
    inbox = Inbox(harness.bot, harness.dp, harness.storage)
    await inbox.receive([message_update(8, "有色差吗")])
    await inbox.receive([message_update(8, "有色差吗"), message_update(9, "几天能到")])
    await settle(inbox)
    assert len(harness.session.sent()) == 2
    assert await harness.storage.count_exchanges() == 2


async def test_an_update_stored_before_a_crash_is_answered_on_the_next_start(harness):
    await harness.storage.inbox_add([(11, json.dumps(message_update(11, "包邮吗")))])
    inbox = Inbox(harness.bot, harness.dp, harness.storage)
    assert await inbox.resume() == 1
    await settle(inbox)
    assert "包邮" in harness.texts()[0]
    assert await pending(harness) == []


async def test_a_reply_confirmed_before_the_crash_is_not_sent_again(harness):
    inbox = Inbox(harness.bot, harness.dp, harness.storage)
    await inbox.receive([message_update(12, "可以开发票吗")])
    await settle(inbox)
    # the process died after the reply was stored as sent but before the inbox heard of it
    await harness.storage.db.execute(
        "UPDATE inbox SET done_at = NULL, payload = ? WHERE update_id = 12",
        (json.dumps(message_update(12, "可以开发票吗")),),
    )
    again = Inbox(harness.bot, harness.dp, harness.storage)
    assert await again.resume() == 1
    await settle(again)
    assert len(harness.session.sent()) == 1
    assert await harness.storage.count_exchanges() == 1
    assert await pending(harness) == []


async def test_a_reply_in_flight_at_the_crash_is_sent_again_and_stored_once(harness):
    # the exchange was stored, then the process died before the reply was confirmed sent
    exchange = await harness.storage.add_exchange(
        chat_id=STAFF, user_id=STAFF, library="shop", text="L码还有吗", intents=[],
        tone="亲切", received_at=1.0, update_id=13,
    )  # fmt: skip
    await harness.storage.inbox_add([(13, json.dumps(message_update(13, "L码还有吗")))])
    inbox = Inbox(harness.bot, harness.dp, harness.storage)
    await inbox.resume()
    await settle(inbox)
    assert len(harness.session.sent()) == 1
    assert await harness.storage.count_exchanges() == 1
    assert (await harness.storage.exchange(exchange)).replied_at is not None


async def test_an_update_the_library_cannot_read_is_skipped_and_the_next_one_answered(
    harness, caplog
):
    broken = {"update_id": 14, "message": {"text": "没有 chat 也没有 date"}}
    inbox = Inbox(harness.bot, harness.dp, harness.storage)
    await inbox.receive([broken, {"no": "update_id"}, message_update(15, "在吗")])
    await settle(inbox)
    assert len(harness.session.sent()) == 1
    assert "更新 14 的格式不对" in caplog.text
    [(error,)] = await harness.storage.db.fetch("SELECT error FROM inbox WHERE update_id = 14")
    assert error.startswith("格式不对")
    assert await pending(harness) == []


async def test_a_lone_surrogate_in_a_crafted_update_does_not_block_the_inbox(harness):
    inbox = Inbox(harness.bot, harness.dp, harness.storage)
    await inbox.receive([message_update(16, "在吗\ud800"), message_update(17, "包邮吗")])
    await settle(inbox)
    assert await pending(harness) == []
    assert any("包邮" in text for text in harness.texts())


async def test_stopping_leaves_what_did_not_start_in_the_inbox(harness):
    inbox = Inbox(harness.bot, harness.dp, harness.storage, concurrency=1)
    await inbox.receive([message_update(20 + n, "包邮吗", chat=STAFF) for n in range(5)])
    left = await inbox.drain(grace=5)
    assert left == 5 - len(harness.session.sent())
    assert len(await pending(harness)) == left


def test_updates_of_one_chat_share_a_lane():
    assert lane(message_update(1, "a", chat=5)) == lane(message_update(2, "b", chat=5))
    assert lane(message_update(1, "a", chat=5)) != lane(message_update(2, "b", chat=6))
    press = {"update_id": 3, "callback_query": {"from": {"id": 5}, "message": {"chat": {"id": 5}}}}
    assert lane(press) == lane(message_update(1, "a", chat=5))
    assert lane({"update_id": 4}) == ("update", 4)


def test_the_inbox_is_migration_5():
    assert "CREATE TABLE inbox" in MIGRATIONS[4]


def test_what_the_process_prints_is_redacted():
    keep_secret("777:inbox-test-secret")
    out = io.StringIO()
    stream = RedactingStream(out)
    stream.write("Traceback ... Cannot POST /bot777:inbox-test-secret/getMe\n")
    assert "inbox-test-secret" not in out.getvalue() and "/bot***/getMe" in out.getvalue()
    assert redact("token=777:inbox-test-secret") == "token=***"
