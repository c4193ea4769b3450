"""Telegram Business live mode through the real dispatcher: connections, the copilot in the
owner's chat, stored roles, nudges on a fake clock and automatic replies."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncGenerator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from aiogram.exceptions import TelegramServerError
from aiogram.types import BusinessBotRights, BusinessConnection, Chat, Message, Update, User

from bot.assistants import Assistants
from bot.config import BusinessSettings, ServiceTargets
from bot.hours import BusinessHours, parse_windows
from bot.service_time.metrics import AGENT, BOT, CUSTOMER
from bot.service_time.report import build_report
from bot.storage import open_storage
from bot.telegram import texts
from bot.telegram.app import create_bot, create_dispatcher
from bot.telegram.middlewares import RetryMiddleware
from bot.telegram.nudges import Scheduler, due_at
from tests.bot.telegram.conftest import MANAGER, STRANGER, FakeSession, Harness, make_config

OWNER = MANAGER  # the shop owner who connects their Business account
CUSTOMER_ID = 777_000
CONNECTION = "bc-1"
T0 = 1_709_258_400.0  # 2024-03-01 10:00:00 in Shanghai


class FakeClock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Shop:
    """A Business account and one customer, with a clock the test moves by hand."""

    def __init__(self, harness: Harness, clock: FakeClock) -> None:
        self.h, self.clock = harness, clock
        self.scheduler: Scheduler = harness.dp["scheduler"]
        self._ids = itertools.count(10_000)
        self._message_ids = itertools.count(1)

    async def feed(self, **update: Any) -> None:
        await self.h.dp.feed_update(self.h.bot, Update(update_id=next(self._ids), **update))

    async def connect(self, *, owner: int = OWNER, can_reply: bool = True, enabled: bool = True):
        connection = BusinessConnection(
            id=CONNECTION,
            user=User(id=owner, is_bot=False, first_name="老板娘"),
            user_chat_id=owner,
            date=datetime.fromtimestamp(self.clock.now, UTC),
            is_enabled=enabled,
            rights=BusinessBotRights(can_reply=can_reply, can_read_messages=True),
        )
        await self.feed(business_connection=connection)

    async def say(self, text: str, *, who: str = "customer", after: float = 0) -> None:
        """A business_message ``after`` seconds from now: customer, owner (agent) or bot."""
        self.clock.now += after
        sender = (
            User(id=CUSTOMER_ID, is_bot=False, first_name="李女士")
            if who == "customer"
            else User(id=OWNER, is_bot=False, first_name="老板娘")
        )
        message = Message(
            message_id=next(self._message_ids),
            date=datetime.fromtimestamp(self.clock.now, UTC),
            chat=Chat(id=CUSTOMER_ID, type="private", first_name="李女士"),
            from_user=sender,
            text=text,
            business_connection_id=CONNECTION,
            sender_business_bot=User(id=42, is_bot=True, first_name="csbot")
            if who == "bot"
            else None,
        )
        await self.feed(business_message=message)

    async def wait(self, seconds: float) -> int:
        self.clock.now += seconds
        return await self.scheduler.fire_due()

    def to(self, chat_id: int) -> list[str]:
        return [r.text for r in self.h.session.sent() if r.chat_id == chat_id]

    def nudges(self) -> list[str]:
        return [t for t in self.to(OWNER) if t.startswith("⏰")]

    async def roles(self, conversation: str = f"{CONNECTION}:{CUSTOMER_ID}:1") -> list[int]:
        return (await self.h.storage.conversation_timeline("business", conversation)).role.tolist()


async def make_shop(tmp_path, assistants: Assistants, *, auto_reply: bool = False, **targets):
    config = make_config(tmp_path)
    config = replace(
        config,
        business=BusinessSettings(auto_reply=auto_reply),
        service_targets=replace(ServiceTargets(), **targets),
    )
    mine = Assistants(config)
    mine._built = dict(assistants._built)
    session = FakeSession()
    bot = create_bot(config, session=session, retry=RetryMiddleware(sleep=_no_sleep))
    storage = await open_storage(tmp_path / "csbot.db").open()
    clock = FakeClock()
    dp = create_dispatcher(config, mine, storage, clock=clock)
    return Shop(Harness(dp, bot, session, storage), clock)


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def shop(tmp_path, shared_assistants) -> AsyncGenerator[Shop, None]:
    s = await make_shop(tmp_path, shared_assistants)
    yield s
    await s.h.storage.close()


def test_polling_asks_telegram_for_business_updates(tmp_path, shared_assistants):
    dp = create_dispatcher(make_config(tmp_path), shared_assistants, open_storage(":memory:"))
    used = dp.resolve_used_update_types()
    assert {"business_connection", "business_message", "message"} <= set(used)


async def test_connection_is_stored_and_the_owner_is_told(shop):
    await shop.connect(can_reply=False)
    account = await shop.h.storage.business_account(CONNECTION)
    assert account is not None
    assert (account.user_id, account.user_chat_id, account.can_reply, account.is_enabled) == (
        OWNER,
        OWNER,
        False,
        True,
    )
    [told] = shop.to(OWNER)
    assert "已连接" in told and "已关闭" in told and texts.BUSINESS_NO_REPLY_RIGHTS in told


async def test_copilot_goes_to_the_owner_never_to_the_customer(shop):
    await shop.connect()
    await shop.say("包邮吗?几天能到")
    assert shop.to(CUSTOMER_ID) == []
    copilot = shop.to(OWNER)[-1]
    assert "李女士" in copilot and "包邮吗?几天能到" in copilot
    assert "价格/优惠/包邮" in copilot and "发货/物流" in copilot and "<code>" in copilot
    assert shop.h.unsigned_markup()[0].startswith("s:next:")
    exchange = await shop.h.storage.exchange(1)
    assert exchange and exchange.chat_id == OWNER and exchange.replied_at is not None


async def test_copilot_buttons_work_in_the_owners_chat(shop):
    await shop.connect()
    await shop.say("能便宜点吗")
    await shop.h.press(shop.h.button("s:tone:1"), user=OWNER)
    [edited] = shop.h.texts("editMessageText")
    assert "正式" in edited


async def test_messages_are_stored_with_customer_agent_and_bot_roles(shop):
    await shop.connect()
    await shop.say("在吗")
    await shop.say("亲, 在的~", who="bot", after=1)
    await shop.say("您好, 请问有什么可以帮您?", who="agent", after=8)
    assert await shop.roles() == [CUSTOMER, BOT, AGENT]
    assert set((await shop.h.storage.agents()).values()) == {"老板娘"}
    titles = await shop.h.storage.conversation_titles([1])
    assert titles == {1: "李女士"}


async def test_a_long_silence_starts_a_new_conversation(shop):
    await shop.connect()
    await shop.say("在吗")
    await shop.say("在的亲", who="agent", after=5)
    await shop.say("昨天问的那件还有吗", after=31 * 60)
    assert await shop.roles(f"{CONNECTION}:{CUSTOMER_ID}:1") == [CUSTOMER, AGENT]
    assert await shop.roles(f"{CONNECTION}:{CUSTOMER_ID}:2") == [CUSTOMER]


async def test_nudge_when_nobody_answers_five_seconds_before_the_deadline(shop):
    await shop.connect()
    await shop.say("在吗")
    assert await shop.wait(9) == 0 and shop.nudges() == []
    await shop.say("有人吗", after=0.5)  # the clock runs from the oldest message: no new timer
    assert await shop.wait(0.5) == 1
    [nudge] = shop.nudges()
    assert "李女士" in nudge and "还剩 5 秒" in nudge
    await shop.say("???", after=30)  # same unanswered turn: no second nudge
    await shop.wait(60)
    assert len(shop.nudges()) == 1
    assert shop.to(CUSTOMER_ID) == []


async def test_no_nudge_when_the_agent_answers_in_time(shop):
    await shop.connect()
    await shop.say("包邮吗")
    await shop.say("亲, 满99包邮哦", who="agent", after=6)
    assert shop.scheduler.pending == {}
    await shop.wait(60)
    assert shop.nudges() == []


async def test_a_bot_reply_does_not_stop_the_clock(shop):
    await shop.connect()
    await shop.say("包邮吗")
    await shop.say("亲, 满99包邮哦", who="bot", after=2)
    assert len(shop.scheduler.pending) == 1
    await shop.wait(8)
    assert len(shop.nudges()) == 1
    await shop.say("在的, 包邮的", who="agent", after=20)
    report = await build_report(shop.h.storage, ServiceTargets())
    assert report.overall.first_max == 30.0 and report.overall.breaches == 1


async def test_a_later_question_is_nudged_against_the_next_response_target(shop):
    await shop.connect()
    await shop.say("在吗")
    await shop.say("在的亲", who="agent", after=3)
    await shop.say("170穿多大码", after=60)
    assert await shop.wait(14) == 0  # 20 s target: the nudge is due after 15 s, not 10 s
    assert await shop.wait(1) == 1
    assert "还剩 5 秒" in shop.nudges()[0]


@pytest.mark.parametrize(
    ("config_default", "can_reply", "replied"),
    [(True, True, True), (True, False, False), (False, True, False)],
)
async def test_automatic_replies_only_when_enabled_and_allowed(
    tmp_path, shared_assistants, config_default, can_reply, replied
):
    shop = await make_shop(tmp_path, shared_assistants, auto_reply=config_default)
    try:
        await shop.connect(can_reply=can_reply)
        await shop.say("可以开发票吗")
        to_customer = [r for r in shop.h.session.sent() if r.chat_id == CUSTOMER_ID]
        assert bool(to_customer) == replied
        if replied:
            assert all(r.business_connection_id == CONNECTION for r in to_customer)
            assert "发票" in to_customer[0].text
            assert texts.COPILOT_AUTO_REPLIED in shop.to(OWNER)[-1]
            assert await shop.roles() == [CUSTOMER, BOT]
            await shop.wait(10)
            assert len(shop.nudges()) == 1  # the automatic reply stopped no clock
    finally:
        await shop.h.storage.close()


async def test_owner_switches_automatic_replies_per_connection(shop):
    await shop.connect()
    await shop.h.send("/autoreply", user=OWNER)
    assert "已关闭" in shop.to(OWNER)[-1]
    await shop.h.send("/autoreply on", user=OWNER)
    assert shop.to(OWNER)[-1] == texts.AUTOREPLY_SET.format(state="已开启")
    await shop.say("有现货吗")
    assert [r.text for r in shop.h.session.sent() if r.chat_id == CUSTOMER_ID]
    await shop.connect()  # a later update of the connection keeps the owner's choice
    assert (await shop.h.storage.business_account(CONNECTION)).auto_reply is True


async def test_autoreply_without_a_connection_explains_how_to_connect(shop):
    await shop.h.send("/autoreply on", user=OWNER)
    assert shop.to(OWNER) == [texts.AUTOREPLY_NO_CONNECTION]


async def test_a_strangers_business_account_is_neither_recorded_nor_answered(shop):
    await shop.connect(owner=STRANGER)
    await shop.say("包邮吗")
    assert str(STRANGER) in shop.to(STRANGER)[0]
    assert await shop.h.storage.count_messages() == 0
    assert shop.to(CUSTOMER_ID) == [] and shop.scheduler.pending == {}


async def test_disconnecting_cancels_nudges_and_stops_recording(shop):
    await shop.connect()
    await shop.say("在吗")
    assert shop.scheduler.pending
    await shop.connect(enabled=False)
    assert shop.scheduler.pending == {}
    assert shop.to(OWNER)[-1] == texts.BUSINESS_DISCONNECTED
    await shop.say("还在吗", after=5)
    assert await shop.h.storage.count_messages() == 1


async def test_a_connection_made_before_this_database_is_fetched_from_telegram(shop):
    async def make_request(bot, method, timeout=None):
        shop.h.session.requests.append(method)
        if method.__api_method__ == "getBusinessConnection":
            return BusinessConnection(
                id=CONNECTION,
                user=User(id=OWNER, is_bot=False, first_name="老板娘"),
                user_chat_id=OWNER,
                date=datetime.fromtimestamp(T0, UTC),
                is_enabled=True,
                rights=BusinessBotRights(can_reply=False),
            )
        return await FakeSession.make_request(shop.h.session, bot, method, timeout)

    shop.h.session.make_request = make_request  # type: ignore[method-assign]
    await shop.say("包邮吗")
    assert (await shop.h.storage.business_account(CONNECTION)).user_id == OWNER
    assert await shop.roles() == [CUSTOMER]
    assert "价格/优惠/包邮" in shop.to(OWNER)[-1]


async def test_an_unknown_connection_telegram_cannot_confirm_is_ignored(shop):
    await shop.say("包邮吗")  # the fake API answers getBusinessConnection with nonsense
    assert [r.__api_method__ for r in shop.h.session.requests] == ["getBusinessConnection"]
    assert await shop.h.storage.count_messages() == 0


# --- the scheduler and the deadline maths --------------------------------------------------------


async def test_scheduler_fires_each_key_once_earliest_first_and_survives_a_failure():
    clock = FakeClock(100.0)
    scheduler = Scheduler(clock)
    fired: list[str] = []

    def action(name: str):
        async def run() -> None:
            fired.append(name)
            if name == "b":
                raise RuntimeError("send failed")

        return run

    assert scheduler.schedule("a", 120, action("a"))
    assert scheduler.schedule("b", 110, action("b"))
    assert scheduler.schedule("c", 130, action("c"))
    assert not scheduler.schedule("a", 105, action("a"))  # already waiting
    assert scheduler.cancel_where(lambda key: key == "c") == 1
    clock.now = 125
    assert await scheduler.fire_due() == 2
    assert fired == ["b", "a"]
    assert not scheduler.schedule("a", 200, action("a"))  # already fired
    assert scheduler.pending == {}


async def test_scheduler_run_loop_fires_a_timer_without_a_test_driving_it():
    scheduler = Scheduler()
    done = asyncio.Event()

    async def action() -> None:
        done.set()

    await scheduler.start()
    try:
        scheduler.schedule("now", scheduler.clock(), action)
        await asyncio.wait_for(done.wait(), timeout=5)
    finally:
        await scheduler.stop()


def test_deadline_skips_the_hours_the_shop_is_closed():
    hours = BusinessHours(parse_windows(["08:00-23:00"]), "Asia/Shanghai")
    late = T0 + 12 * 3600 + 59 * 60 + 55  # 22:59:55 local
    next_morning = T0 + 22 * 3600 + 10  # 08:00:10 local the next day
    assert abs(due_at(hours, late, 15) - next_morning) < 0.02
    assert due_at(BusinessHours(), T0, 15) == T0 + 15
    assert float(hours.seconds_between(np.array([late]), np.array([next_morning]))[0]) == 15


async def test_a_copilot_message_that_keeps_failing_is_recorded_not_raised(shop, caplog):
    await shop.connect()
    down = [lambda m: TelegramServerError(method=m, message="Bad Gateway")] * 5
    shop.h.session.fail_next.extend(down)
    with caplog.at_level(logging.WARNING):
        await shop.say("包邮吗")
    exchange = await shop.h.storage.exchange(1)
    assert exchange and exchange.replied_at is None
    [(error,)] = await shop.h.storage.db.fetch("SELECT error FROM exchanges")
    assert "TelegramServerError" in error
    assert [r.levelname for r in caplog.records if "发送失败" in r.getMessage()] == ["WARNING"]
    assert not any(r.exc_info for r in caplog.records)
    assert await shop.roles() == [CUSTOMER]  # the customer's message is kept all the same
