"""Live mode's rules without aiogram: roles, conversations, nudges and the auto-reply policy."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bot.assistants import Assistants
from bot.business import chats
from bot.config import Config
from bot.storage import BusinessAccount, open_storage
from intents import Assistant

T0 = 1_709_258_400.0  # 2024-03-01 10:00:00 in Shanghai
OWNER = 42
ACCOUNT = BusinessAccount(
    id="bc-1", user_id=OWNER, user_chat_id=OWNER, can_reply=True, is_enabled=True
)
KEY = chats.chat_key("bc-1", 777)


def test_who_wrote_a_message():
    assert chats.sender_role(ACCOUNT, sender_id=777, by_bot=False) == "customer"
    assert chats.sender_role(ACCOUNT, sender_id=OWNER, by_bot=False) == "agent"
    assert chats.sender_role(ACCOUNT, sender_id=OWNER, by_bot=True) == "bot"
    assert chats.sender_role(ACCOUNT, sender_id=None, by_bot=False) == "customer"


@pytest.fixture(scope="module")
def assistant() -> Assistant:
    return Assistants(Config()).get()


def test_the_bot_speaks_for_a_shop_only_when_allowed_granted_and_confident(assistant):
    config = Config()
    on = replace(config, business=replace(config.business, auto_reply=True))
    confident, unsure = assistant.suggest("包邮吗"), assistant.suggest("今天天气怎么样呀朋友")
    assert confident.matches and not unsure.matches
    assert chats.may_auto_reply(ACCOUNT, on, confident)
    assert not chats.may_auto_reply(ACCOUNT, on, unsure)
    assert not chats.may_auto_reply(replace(ACCOUNT, can_reply=False), on, confident)
    assert not chats.may_auto_reply(replace(ACCOUNT, auto_reply=False), on, confident)
    assert chats.auto_reply_on(replace(ACCOUNT, auto_reply=True), config)  # the owner's /autoreply
    assert chats.auto_reply_on(None, on) and not chats.auto_reply_on(None, config)


def test_a_long_message_is_quoted_short():
    assert chats.preview("在吗") == "在吗"
    assert chats.preview("好" * 500) == "好" * chats.PREVIEW + "…"


def test_a_silence_longer_than_the_idle_gap_starts_the_next_conversation(tmp_path):
    config = Config()
    gap = config.service_targets.idle_gap_seconds

    async def run():
        async with open_storage(tmp_path / "b.db") as db:
            said = []
            for n, ts in enumerate([T0, T0 + 60, T0 + 60 + gap + 1], start=1):
                said.append(
                    await chats.record(
                        db, config, key=KEY, message_id=n, ts=ts, role="customer",
                        sender="李女士", text="在吗", customer="李女士",
                    )
                )  # fmt: skip
            return said

    assert asyncio.run(run()) == [f"{KEY}:1", f"{KEY}:1", f"{KEY}:2"]


def test_a_nudge_waits_for_the_oldest_unanswered_message_and_an_agent_cancels_it(tmp_path):
    config = Config()
    targets = config.service_targets

    async def say(db, n, ts, role):
        return await chats.record(
            db, config, key=KEY, message_id=n, ts=ts, role=role, sender="x", text="在吗",
            customer="李女士",
        )  # fmt: skip

    async def run():
        async with open_storage(tmp_path / "n.db") as db:
            conversation = await say(db, 1, T0, "customer")
            await say(db, 2, T0 + 3, "customer")  # the clock runs from the first one
            plan = await chats.plan_nudge(db, targets, KEY, conversation)
            await chats.record_auto_reply(
                db, key=KEY, conversation=conversation, sent=[(3, "亲，在的")], ts=T0 + 4,
                customer="李女士",
            )  # fmt: skip
            after_bot = await chats.still_waiting(db, targets, plan)
            await say(db, 4, T0 + 9, "agent")
            after_agent = await chats.still_waiting(db, targets, plan)
            return (
                plan,
                after_bot,
                after_agent,
                await chats.plan_nudge(db, targets, KEY, conversation),
            )

    plan, after_bot, after_agent, none_left = asyncio.run(run())
    assert plan is not None and plan.key == (KEY, T0) and plan.start == T0
    assert plan.deadline == T0 + targets.first_response_seconds
    assert plan.when == plan.deadline - targets.nudge_before_seconds
    assert plan.seconds_left(T0 + 10) == targets.first_response_seconds - 10
    assert plan.seconds_left(T0 + 99) == 0
    assert after_bot  # a bot's reply stops no clock
    assert not after_agent and none_left is None


def test_nudge_keys_belong_to_their_connection():
    assert chats.belongs((KEY, T0), "bc-1")
    assert not chats.belongs((KEY, T0), "bc")
    assert not chats.belongs("bc-1:777", "bc-1")
