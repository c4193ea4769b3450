"""Callback data is untrusted input: crafted presses are refused, exchanges answer only to whom
they were made for, and a chat poisoned before values were checked works again."""

import pytest

from bot.telegram import texts
from bot.telegram.callbacks import CallbackSigner
from tests.bot.telegram.conftest import MANAGER, STAFF

GROUP = -100500


def _answers(harness) -> list[str | None]:
    return [a.text for a in harness.session.sent("answerCallbackQuery")]


@pytest.mark.parametrize(
    "data",
    [
        "t:<b>x",  # the probes of issue 8, unsigned
        "l:../../../../etc/passwd",
        "s:why:1",
        "b:shop:0:-1",
        "pr:first_contact",
        "",
        "s:why:1:AAAAAAAAAAA",  # a made-up signature
        "x" * 64,
    ],
)
async def test_an_unsigned_or_forged_press_is_refused(harness, data):
    await harness.send("包邮吗")
    sent_before = len(harness.session.requests)
    await harness.press(data)
    assert _answers(harness) == [texts.BUTTON_REFUSED]
    assert len(harness.session.requests) == sent_before + 1  # the refusal, nothing else
    assert await harness.storage.chat_settings(STAFF) == (None, None)
    assert (await harness.storage.exchange(1)).variant == 0


async def test_a_real_button_altered_or_moved_is_refused(harness):
    await harness.send("包邮吗")
    signed = harness.button("s:next:1")
    mac = signed.rpartition(":")[2]
    await harness.press(f"s:next:2:{mac}")  # another exchange under the same signature
    await harness.press(signed, user=MANAGER)  # the same button pressed in another chat
    assert _answers(harness) == [texts.BUTTON_REFUSED] * 2
    assert harness.texts("editMessageText") == []


def test_a_signature_is_for_one_chat_and_one_key():
    signer = CallbackSigner.for_token("42:a")
    signed = signer.sign("s:next:1", 7)
    assert signer.verify(signed, 7) == "s:next:1"
    assert signer.verify(signed, 8) is None
    assert CallbackSigner.for_token("42:b").verify(signed, 7) is None
    assert len(signed.encode()) <= 64


@pytest.mark.parametrize(
    "data",
    [
        "t:<b>x",  # signed, but not a value the bot offers (a config reload, an old version)
        "t:正式 ",
        "l:../../../../etc/passwd",
        "l:nope",
        "b:nope:0:-1",
        "b:shop:99:-1",
        "b:shop:0:999",
        "b:shop:-1:-1",
        "pr:nope",
        "s:boom:1",
        "s:next:x",
        "zz:1",
    ],
)
async def test_a_signed_press_with_a_value_not_offered_stores_nothing(harness, data):
    await harness.press(harness.sign(data))
    assert _answers(harness) == [texts.BUTTON_STALE]
    assert harness.texts() == [] and harness.texts("editMessageText") == []
    assert await harness.storage.chat_settings(STAFF) == (None, None)


@pytest.mark.parametrize("action", ["why", "next", "tone", "up", "down"])
async def test_another_staff_members_exchange_is_refused(harness, action):
    await harness.send("我电话13812345678,包邮吗", chat=GROUP)
    button = harness.button(f"s:{action}:1")
    sent_before = len(harness.session.sent())
    await harness.press(button, user=MANAGER, chat=GROUP)  # a colleague in the same group
    assert _answers(harness) == [texts.NOT_YOURS]
    assert len(harness.session.sent()) == sent_before and harness.texts("editMessageText") == []
    exchange = await harness.storage.exchange(1)
    assert exchange.feedback is None and exchange.variant == 0 and exchange.tone == "亲切"
    await harness.press(button, user=STAFF, chat=GROUP)  # the one who asked still may
    assert _answers(harness)[-1] != texts.NOT_YOURS


async def test_an_exchange_of_another_chat_is_refused_even_when_signed(harness):
    await harness.send("包邮吗")  # STAFF's private chat
    await harness.press(harness.sign("s:why:1", chat=MANAGER), user=MANAGER)
    assert _answers(harness) == [texts.NOT_YOURS]
    assert len(harness.texts()) == 1


async def test_a_poisoned_chat_works_again(harness):
    # stored by an older version that trusted callback data
    await harness.storage.db.execute(
        "INSERT INTO chat_settings (chat_id, library, tone) VALUES (?, ?, ?)",
        (STAFF, "../../../../etc/passwd", "<b>x"),
    )
    await harness.send("包邮吗")
    await harness.send("/whoami")
    await harness.send("/tone")
    reply, whoami, tone = harness.texts()
    assert texts.APOLOGY not in harness.texts()
    assert "价格/优惠/包邮" in reply and "<b>x" not in reply and "建议回复 · 亲切" in reply
    assert "shop" in whoami and "passwd" not in whoami and "<b>x" not in whoami
    assert "<b>x" not in tone
    exchange = await harness.storage.exchange(1)
    assert exchange.library == "shop" and exchange.tone == "亲切"
    await harness.press(harness.button("t:正式", name="sendMessage"))
    assert await harness.storage.chat_settings(STAFF) == ("../../../../etc/passwd", "正式")


async def test_a_poisoned_exchange_row_still_answers_its_buttons(harness):
    await harness.send("能便宜点吗")
    await harness.storage.db.execute("UPDATE exchanges SET tone = '<b>x', library = '../x'")
    await harness.press(harness.button("s:tone:1"))
    [edited] = harness.texts("editMessageText")
    assert "<b>x" not in edited and "正式" in edited


async def test_storage_refuses_values_no_picker_offers(harness):
    with pytest.raises(ValueError):
        await harness.storage.set_chat_settings(1, tone="<b>x")
    with pytest.raises(ValueError):
        await harness.storage.set_chat_settings(1, library="../../../../etc/passwd")
    assert await harness.storage.chat_settings(1) == (None, None)


async def test_each_suggested_reply_has_a_copy_button(harness):
    await harness.send("包邮吗?几天能到")
    markup = harness.session.sent()[-1].reply_markup
    copies = [b.copy_text.text for row in markup.inline_keyboard for b in row if b.copy_text]
    exchange = await harness.storage.exchange(1)
    assert len(copies) >= 2 and copies[0] == exchange.reply
    assert all(0 < len(c) <= 256 for c in copies)
