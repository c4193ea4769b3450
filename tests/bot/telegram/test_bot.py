"""Every handler and button, through the real dispatcher with a fake Bot API session."""

import logging

import pytest
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import Sticker

from bot.logs import RedactingFormatter
from bot.telegram import decoding, texts
from bot.telegram.app import set_commands
from bot.telegram.formatting import MESSAGE_LIMIT, split_message
from tests.bot.telegram.conftest import ADMIN, MANAGER, STAFF, STRANGER, TOKEN


async def test_start_help_whoami(harness):
    await harness.send("/start")
    await harness.send("/help")
    await harness.send("/whoami", user=MANAGER)
    start, help_, whoami = harness.texts()
    assert start == texts.START
    assert "/intents" in help_ and "/reload" in help_
    assert str(MANAGER) in whoami and "主管" in whoami and "shop" in whoami


async def test_customer_message_gets_intents_copyable_replies_and_buttons(harness):
    await harness.send("包邮吗?几天能到")
    [reply] = harness.texts()
    assert "价格/优惠/包邮" in reply and "发货/物流" in reply
    assert reply.count("<code>") >= 3
    assert texts.DRAFT in reply  # two needs: one stitched draft first
    assert harness.unsigned_markup() == ["s:next:1", "s:tone:1", "s:up:1", "s:down:1", "s:why:1"]
    row = await harness.storage.exchange(1)
    assert row and row.replied_at and row.latency_ms is not None and row.latency_ms >= 0
    assert {i for i, _ in row.intents} == {"price", "shipping"}
    assert row.reply and row.bot_message_id and row.library == "shop"


async def test_next_variant_edits_in_place(harness):
    await harness.send("能便宜点吗")
    first = harness.texts()[0]
    await harness.press(harness.button("s:next:1"))
    [edited] = harness.texts("editMessageText")
    assert edited != first
    assert (await harness.storage.exchange(1)).variant == 1


async def test_tone_button_switches_to_formal(harness):
    await harness.send("能便宜点吗")
    await harness.press(harness.button("s:tone:1"))
    [edited] = harness.texts("editMessageText")
    assert "正式" in edited and "您" in edited
    assert (await harness.storage.exchange(1)).tone == "正式"


@pytest.mark.parametrize(("button", "stored"), [("up", 1), ("down", -1)])
async def test_feedback_is_stored(harness, button, stored):
    await harness.send("可以开发票吗")
    await harness.press(harness.button(f"s:{button}:1"))
    [answer] = harness.session.sent("answerCallbackQuery")
    assert answer.text == texts.FEEDBACK_THANKS
    assert (await harness.storage.exchange(1)).feedback == stored


async def test_why_explains(harness):
    await harness.send("有色差吗")
    await harness.press(harness.button("s:why:1"))
    why = harness.texts()[-1]
    assert "为什么" in why and "颜色/色差" in why and "最像例句" in why


async def test_unknown_exchange_button_says_expired(harness):
    await harness.press(harness.sign("s:next:999"))
    [answer] = harness.session.sent("answerCallbackQuery")
    assert answer.text == texts.EXPIRED


async def test_no_match_suggests_a_clarifying_question_and_a_hint(harness):
    await harness.send("今天几号")
    [reply] = harness.texts()
    assert texts.NO_MATCH in reply and texts.NO_MATCH_HINT in reply and "<code>" in reply


@pytest.mark.parametrize("message", ["好的", "嗯嗯 收到"])
async def test_an_acknowledgement_is_answered_in_kind_without_asking_what_was_meant(
    harness, message
):
    await harness.send(message)
    [reply] = harness.texts()
    assert texts.ACKNOWLEDGED in reply and "<code>" in reply
    assert texts.NO_MATCH not in reply and texts.NO_MATCH_HINT not in reply


def test_long_messages_are_split_under_telegrams_limit():
    html = "\n".join(f"<code>{'包邮' * 300}&amp;</code>" for _ in range(12))
    chunks = split_message(html)
    assert len(chunks) > 1
    assert all(len(c) <= MESSAGE_LIMIT for c in chunks)
    assert sum(c.count("<code>") for c in chunks) == 12
    [huge] = split_message("<code>" + "&lt;" * 3000 + "</code>", 1000)[:1]
    assert huge.startswith("<code>") and huge.endswith("</code>") and len(huge) <= 1000


async def test_long_reply_is_offered_in_parts(harness):
    await harness.send("你好,包邮吗,几天能到,有发票吗")
    assert "分" in harness.texts()[0] and "次发送" in harness.texts()[0]


async def test_stranger_gets_one_polite_refusal_then_nothing(harness):
    await harness.send("包邮吗", user=STRANGER)
    await harness.send("在吗", user=STRANGER)
    await harness.press(harness.sign("s:up:1", chat=STRANGER), user=STRANGER)
    [refusal] = harness.texts()
    assert str(STRANGER) in refusal and "抱歉" in refusal
    assert await harness.storage.count_exchanges() == 0


@pytest.mark.parametrize(("user", "allowed"), [(STAFF, False), (MANAGER, False), (ADMIN, True)])
async def test_reload_is_for_admins_only(harness, user, allowed):
    await harness.send("/reload", user=user)
    [reply] = harness.texts()
    if allowed:
        assert reply.startswith("话术库已重新加载")
    else:
        assert reply == texts.ADMINS_ONLY


async def test_reload_with_a_broken_file_keeps_the_old_library(harness, tmp_path, monkeypatch):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "version: 1\nintents:\n  - intent: price\n    examples: [\n", encoding="utf-8"
    )
    from dataclasses import replace

    assistants = harness.dp["assistants"]
    old = assistants.get()
    library = replace(assistants.config.library, paths={"shop": broken})
    monkeypatch.setattr(assistants, "config", replace(assistants.config, library=library))
    await harness.send("/reload", user=ADMIN)
    [reply] = harness.texts()
    assert "重新加载失败" in reply and f"{broken}:" in reply
    assert harness.dp["assistants"].get() is old
    await harness.send("包邮吗")
    assert "价格" in harness.texts()[-1]


async def test_library_switch_per_chat(harness):
    await harness.send("/library")
    assert "l:clinic" in harness.unsigned_markup()
    await harness.press(harness.button("l:clinic"))
    await harness.send("伤口还有点疼,正常吗")
    assert (await harness.storage.exchange(1)).library == "clinic"
    await harness.send("包邮吗", user=MANAGER)  # another chat keeps the shop library
    assert (await harness.storage.exchange(2)).library == "shop"


async def test_tone_command_sets_the_chat_default(harness):
    await harness.send("/tone")
    await harness.press(harness.button("t:正式"))
    await harness.send("能便宜点吗")
    assert "您" in harness.texts()[-1] and (await harness.storage.exchange(1)).tone == "正式"


async def test_intents_browser_pages_and_shows_every_reply(harness):
    await harness.send("/intents")
    first_page = harness.unsigned_markup()
    price = harness.dp["assistants"].get().library.intent_ids.index("price")
    assert f"b:shop:0:{price}" in first_page and "b:shop:1:-1" in first_page
    await harness.press(harness.button("b:shop:1:-1"))
    await harness.press(harness.button(f"b:shop:0:{price}"))
    page_two, price = harness.texts("editMessageText")
    assert "第 2/2 页" in page_two
    assert price.count("<code>") == 6 and "亲切" in price and "正式" in price


async def test_throttling_warns_once_then_drops(tmp_path, shared_assistants):
    from dataclasses import replace

    from bot.assistants import Assistants
    from bot.storage import open_storage
    from bot.telegram.app import create_bot, create_dispatcher
    from tests.bot.telegram.conftest import FakeSession, Harness, make_config

    config = make_config(tmp_path)
    config = replace(config, telegram=replace(config.telegram, throttle_messages=2))
    assistants = Assistants(config)
    assistants._built = dict(shared_assistants._built)
    session = FakeSession()
    async with open_storage(tmp_path / "t.db") as storage:
        h = Harness(
            create_dispatcher(config, assistants, storage),
            create_bot(config, session=session),
            session,
            storage,
        )
        for _ in range(5):
            await h.send("包邮吗")
        assert h.texts().count(texts.THROTTLED) == 1
        assert len(h.texts()) == 3
        assert await storage.count_exchanges() == 2


async def test_handler_error_is_logged_and_answered_with_an_apology(harness, monkeypatch, caplog):
    def boom(*args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(harness.dp["assistants"].get(), "suggest", boom)
    with caplog.at_level(logging.ERROR):
        await harness.send("包邮吗")
    assert harness.texts() == [texts.APOLOGY]
    assert "更新 1 处理出错" in caplog.text and "engine exploded" in caplog.text


@pytest.mark.parametrize(
    "error",
    [
        lambda m: TelegramRetryAfter(method=m, message="Too Many Requests", retry_after=0),
        lambda m: TelegramServerError(method=m, message="Internal Server Error"),
        lambda m: TelegramNetworkError(method=m, message="connection reset"),
        lambda m: ClientDecodeError("Failed to decode object", ValueError("x"), "<html>"),
    ],
)
async def test_bot_api_errors_are_retried_and_no_reply_is_lost(harness, error):
    harness.session.fail_next.extend([error, error])
    await harness.send("包邮吗")
    assert len(harness.session.sent()) == 3  # two failures, then delivered
    assert (await harness.storage.exchange(1)).replied_at is not None


async def test_stickers_and_photos_get_an_explanation(harness):
    sticker = Sticker(
        file_id="x",
        file_unique_id="y",
        type="regular",
        width=1,
        height=1,
        is_animated=False,
        is_video=False,
    )
    await harness.send(sticker=sticker)
    assert harness.texts() == [texts.NOT_TEXT]


async def test_command_menu_failure_is_only_a_warning(harness, caplog):
    harness.session.fail_next.extend([lambda m: TelegramServerError(method=m, message="down")] * 5)
    with caplog.at_level(logging.WARNING):
        await set_commands(harness.bot, harness.dp["config"].access)
    assert "设置命令菜单没有成功" in caplog.text


async def test_each_role_gets_its_command_menu(harness):
    await set_commands(harness.bot, harness.dp["config"].access)
    menus = {
        getattr(m.scope, "chat_id", "default"): [c.command for c in m.commands]
        for m in harness.session.sent("setMyCommands")
    }
    assert set(menus) == {"default", MANAGER, ADMIN}
    assert "help" in menus["default"] and "stats" not in menus["default"]
    assert "stats" in menus[MANAGER] and "reload" not in menus[MANAGER]
    assert {"help", "stats", "reload"} <= set(menus[ADMIN])


@pytest.mark.parametrize(
    "error",
    [
        lambda m: RuntimeError("this emulator has no setMyCommands"),
        lambda m: ClientDecodeError("Failed to decode object", ValueError("x"), "<html>"),
    ],
)
async def test_a_cosmetic_call_survives_whatever_it_raises(harness, caplog, error):
    harness.session.fail_next.extend([error] * 5)  # more than the retries
    with caplog.at_level(logging.WARNING):
        await set_commands(harness.bot, harness.dp["config"].access)
    assert "设置命令菜单没有成功" in caplog.text


async def test_phone_numbers_are_masked_in_storage(harness):
    await harness.send("我电话13812345678,包邮吗")
    assert "13812345678" not in (await harness.storage.exchange(1)).text
    assert "138****5678" in (await harness.storage.exchange(1)).text


def test_token_never_reaches_the_log():
    formatter = RedactingFormatter([TOKEN], "%(message)s")
    record = logging.LogRecord("x", logging.ERROR, "", 0, "POST /bot%s/sendMessage", (TOKEN,), None)
    assert TOKEN not in formatter.format(record) and "***" in formatter.format(record)


@pytest.mark.parametrize(
    ("error", "attempts"),
    [  # 5: every attempt the retry middleware makes; a 400 is not retried
        (lambda m: TelegramServerError(method=m, message="Bad Gateway"), 5),
        (lambda m: TelegramNetworkError(method=m, message="connection reset"), 5),
        (lambda m: TelegramBadRequest(method=m, message="Bad Request: chat not found"), 1),
    ],
)
async def test_a_reply_that_keeps_failing_is_recorded_and_logged_in_one_line(
    harness, caplog, error, attempts
):
    harness.session.fail_next.extend([error] * attempts)
    with caplog.at_level(logging.WARNING):
        await harness.send("包邮吗")
    row = await harness.storage.db.fetch("SELECT error, replied_at FROM exchanges")
    [(stored_error, replied_at)] = [tuple(r) for r in row]
    assert replied_at is None and stored_error.startswith("Telegram")
    failures = [r for r in caplog.records if "发送失败" in r.getMessage()]
    assert len(failures) == 1 and failures[0].levelno == logging.WARNING
    assert all(r.exc_info is None for r in caplog.records)
    assert not any(r.levelno >= logging.ERROR for r in caplog.records)
    assert harness.texts("sendMessage")[-1] == texts.APOLOGY  # staff learn it did not go out
    await harness.send("几天能到")  # the chat goes on
    assert (await harness.storage.exchange(2)).replied_at is not None


def _raw_update(text: str, first_name: str) -> str:
    """An update as Telegram's JSON carries it: the escapes are written out, not decoded."""
    return (
        '{"update_id": 7, "message": {"message_id": 1, "date": 1700000000,'
        f' "chat": {{"id": {STAFF}, "type": "private"}},'
        f' "from": {{"id": {STAFF}, "is_bot": false, "first_name": "{first_name}"}},'
        f' "text": "{text}"}}}}'
    )


async def test_a_lone_surrogate_is_cleaned_at_the_edge_and_answered(harness):
    raw = _raw_update("包邮吗\\ud83d，几天能到", "小王\\udc00")
    update = decoding.loads(raw)
    assert update["message"]["text"] == "包邮吗\ufffd，几天能到"
    await harness.dp.feed_raw_update(harness.bot, update)
    [reply] = harness.texts()
    assert reply != texts.APOLOGY and "价格/优惠/包邮" in reply and "发货/物流" in reply
    assert (await harness.storage.exchange(1)).text == "包邮吗\ufffd，几天能到"


def test_pairs_and_plain_text_pass_the_decoder_unchanged():
    assert decoding.loads('{"t": "\\ud83d\\ude00 包邮"}') == {"t": "😀 包邮"}
    assert decoding.loads('{"t": ["\\udfff", {"\\ud800": 1}]}') == {"t": ["\ufffd", {"\ufffd": 1}]}
    assert decoding.loads("[1, null]") == [1, None]


def test_the_bots_session_decodes_through_the_cleaner(tmp_path):
    from bot.telegram.app import create_bot
    from tests.bot.telegram.conftest import make_config

    assert create_bot(make_config(tmp_path)).session.json_loads is decoding.loads


async def test_an_undecodable_answer_is_recorded_without_the_token(harness, caplog):
    page = f"<html>Cannot POST /bot{TOKEN}/sendMessage</html>"
    # retried like a 5xx, five times in all, then recorded
    harness.session.fail_next.extend(
        [lambda m: ClientDecodeError("Failed to deserialize object", ValueError(page), page)] * 5
    )
    with caplog.at_level(logging.WARNING):
        await harness.send("包邮吗")
    [(error,)] = await harness.storage.db.fetch("SELECT error FROM exchanges")
    assert error.startswith("ClientDecodeError") and TOKEN not in error and "***" in error
    assert not any(r.levelno >= logging.ERROR for r in caplog.records)
