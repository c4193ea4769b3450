"""The real `csbot run` against the loopback fake Bot API with untrusted input: crafted button
presses and a lone surrogate, as a fault-injection run sends them over HTTP."""

import sqlite3

from bot.telegram import texts
from tests.bot.telegram.test_e2e import CHAT, TOKEN, start_bot, stop_bot


async def test_csbot_run_refuses_crafted_presses_and_answers_a_lone_surrogate(api, tmp_path):
    bot = await start_bot(api, tmp_path)
    try:
        await api.wait_for("getMe", timeout=60)
        for n, data in enumerate(["t:<b>x", "l:../../../../etc/passwd", "s:why:1"], 1):
            await api.press(CHAT, data, message_id=900 + n)
            answers = await api.wait_for("answerCallbackQuery", count=n)
            assert answers[-1].params["text"] == texts.BUTTON_REFUSED
        # the fake API writes JSON with escapes: this is a lone \ud83d on the wire
        await api.message(CHAT, "包邮吗\ud83d，几天能到")
        [reply] = await api.wait_for("sendMessage", chat_id=CHAT)
        assert reply.params["text"] != texts.APOLOGY and "价格" in reply.params["text"]
    finally:
        log = await stop_bot(bot)
    assert TOKEN not in log and "Traceback" not in log
    with sqlite3.connect(tmp_path / "bot.db") as db:
        assert db.execute("SELECT COUNT(*) FROM chat_settings").fetchone() == (0,)
        [(text,)] = db.execute("SELECT text FROM exchanges").fetchall()
    assert text == "包邮吗\ufffd，几天能到"
