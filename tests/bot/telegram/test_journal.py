"""The sent journal: a reply part whose bytes left before a kill -9 is not sent again."""

import json
import os

from bot.config import Config, Secret, TelegramSettings
from bot.telegram.app import create_bot
from bot.telegram.fake_api import FakeBotAPI
from bot.telegram.inbox import Inbox
from bot.telegram.journal import SENDING, Sending, SentJournal
from bot.telegram.middlewares import RetryMiddleware
from tests.bot.telegram.conftest import STAFF, TOKEN, no_sleep
from tests.bot.telegram.test_inbox import message_update, settle


def test_parts_sent_count_from_the_first_and_a_failed_attempt_undoes_its_line(tmp_path):
    journal = tmp_path / "bot.db.sent.1"
    journal.write_text(
        "sent 5 0\nsent 5 1\n"  # both parts of exchange 5 left
        "sent 6 0\nfailed 6 0\n"  # exchange 6: the attempt failed
        "sent 7 1\n"  # part 0 of 7 never left: nothing counts
        "sent 8 0\nfailed 8 0\nsent 8 0\n"  # retried, then it left
        "garbage\n",
        encoding="ascii",
    )
    assert SentJournal.parts_sent([journal]) == {5: 2, 8: 1}


def test_only_journals_of_processes_that_are_gone_are_folded(tmp_path):
    database = tmp_path / "bot.db"
    alive = tmp_path / f"bot.db.sent.{os.getppid()}"  # the test runner's parent: running
    gone = tmp_path / "bot.db.sent.999999999"
    for path in (alive, gone):
        path.write_text("sent 1 0\n", encoding="ascii")
    assert SentJournal(database).leftovers() == [gone]


async def test_the_hook_marks_a_part_when_its_bytes_leave_and_a_failure_unmarks_it(tmp_path):
    api = FakeBotAPI(TOKEN)
    await api.start()
    config = Config(telegram=TelegramSettings(token=Secret(TOKEN), api_base=api.base))
    journal = SentJournal(tmp_path / "bot.db")
    bot = create_bot(config, retry=RetryMiddleware(sleep=no_sleep), journal=journal)
    api.failures["sendMessage"] = [500]  # Telegram refuses the first attempt
    token = SENDING.set(Sending(exchange=3, part=0))
    try:
        await bot.send_message(STAFF, "亲,满99元包邮哦~")
    finally:
        SENDING.reset(token)
        await bot.session.close()
        await api.stop()
        journal.close()
    assert journal.path.read_text().splitlines() == ["sent 3 0", "failed 3 0", "sent 3 0"]
    assert SentJournal.parts_sent([journal.path]) == {3: 1}


async def test_a_reply_journaled_as_sent_before_the_crash_is_not_sent_again(harness):
    exchange = await harness.storage.add_exchange(
        chat_id=STAFF, user_id=STAFF, library="shop", text="包邮吗", intents=[],
        tone="亲切", received_at=1.0, update_id=30,
    )  # fmt: skip
    await harness.storage.inbox_add([(30, json.dumps(message_update(30, "包邮吗")))])
    await harness.storage.add_sent_parts({exchange: 1})  # folded from the dead run's journal
    inbox = Inbox(harness.bot, harness.dp, harness.storage)
    await inbox.resume()
    await settle(inbox)
    assert harness.session.sent() == []
    assert (await harness.storage.exchange(exchange)).replied_at is not None
    assert await harness.storage.inbox_pending() == []
