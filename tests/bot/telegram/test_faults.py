"""The real `csbot run` against a Bot API answering nonsense: it stays up, the token never shows."""

import asyncio
import json
import sqlite3

from bot.telegram import texts
from bot.telegram.fake_api import FAULTS, BotProcess, FakeBotAPI

TOKEN = "123456:FAULTS-secret-token-never-shown"
CHAT = 4242
# every Bot API method a staff member's message and a button press make the bot call
METHODS = (
    "getMe",
    "setMyCommands",
    "deleteWebhook",
    "getUpdates",
    "sendMessage",
    "editMessageText",
    "answerCallbackQuery",
)


def stored_bytes(bot: BotProcess) -> bytes:
    return b"".join(p.read_bytes() for p in bot.workdir.glob("bot.db*"))


async def serve_through(api: FakeBotAPI, workdir) -> tuple[BotProcess, int | None]:
    """Start the bot, have a staff member paste a message and press 换一个, stop it."""
    # a timeout fault is a request never answered: the bot gives up after 1 s and retries
    bot = BotProcess(api, workdir, env={"CSBOT_TELEGRAM_TIMEOUT": "1"})
    await bot.start()
    try:
        await api.wait_for("getMe", timeout=90)
        await api.message(CHAT, "包邮吗?几天能到")
        [reply] = await api.wait_for("sendMessage", chat_id=CHAT, timeout=90)
        markup = json.loads(reply.params["reply_markup"])
        next_button = next(
            b.get("callback_data", "")
            for row in markup["inline_keyboard"]
            for b in row
            if b.get("callback_data", "").startswith("s:next:")
        )
        await api.press(CHAT, next_button, message_id=1001)
        await api.wait_for("editMessageText", chat_id=CHAT, timeout=90)
        await api.wait_for("answerCallbackQuery", timeout=90)
        assert bot.running
    finally:
        code = await bot.stop()
    return bot, code


async def test_every_fault_on_every_method_is_survived(tmp_path):
    # two bots side by side, each with three faults in a row on the first call of every
    # method (the fourth attempt gets a proper answer): six faults, seven methods
    groups = [FAULTS[:3], FAULTS[3:]]
    apis = [FakeBotAPI(TOKEN) for _ in groups]
    for api, faults in zip(apis, groups, strict=True):
        await api.start()
        for method in METHODS:
            api.failures[method] = list(faults)
    try:
        runs = await asyncio.gather(
            *(serve_through(api, tmp_path / str(n)) for n, api in enumerate(apis))
        )
    finally:
        for api in apis:
            await api.stop()
    for api, faults, (bot, code) in zip(apis, groups, runs, strict=True):
        faulted = {c.method for c in api.calls if "!" in c.method}
        assert faulted == {f"{m}!{f}" for m in METHODS for f in faults}
        assert len(api.sent("sendMessage", CHAT)) == 1  # retried, and delivered once
        log = bot.output()
        assert code == 0, log
        assert TOKEN not in log and TOKEN.encode() not in stored_bytes(bot)
        assert "Traceback" not in log
        assert "失败" in log  # the retries were logged, in Chinese


async def test_a_reply_that_never_gets_through_is_recorded_without_the_token(api, tmp_path):
    bot = BotProcess(api, tmp_path)
    await bot.start()
    try:
        await api.wait_for("getMe", timeout=60)
        # the reply gets a proxy's HTML page (holding the URL, token and all) five times: every
        # retry is spent, and the staff member gets the apology
        api.failures["sendMessage"] = ["html"] * 5
        await api.message(CHAT, "可以开发票吗")
        [apology] = await api.wait_for("sendMessage", chat_id=CHAT, timeout=90)
        assert apology.params["text"] == texts.APOLOGY
        await api.message(CHAT, "有色差吗")  # the bot is still up and answers the next one
        await api.wait_for("sendMessage", chat_id=CHAT, count=2, timeout=60)
    finally:
        code = await bot.stop()
    log = bot.output()
    assert code == 0
    assert TOKEN not in log and TOKEN.encode() not in stored_bytes(bot)
    assert "Traceback" not in log
    with sqlite3.connect(bot.database) as db:
        rows = db.execute("SELECT text, error, replied_at FROM exchanges ORDER BY id").fetchall()
        pending = db.execute("SELECT COUNT(*) FROM inbox WHERE done_at IS NULL").fetchone()[0]
    (first, error, replied), (second, _, replied_again) = rows
    assert first == "可以开发票吗" and replied is None
    assert "ClientDecodeError" in error and "Cannot POST /bot***/sendMessage" in error
    assert second == "有色差吗" and replied_again is not None
    assert pending == 0


async def test_an_api_that_never_answers_get_me_properly_stops_the_start_in_one_line(api, tmp_path):
    api.failures["getMe"] = ["html", "no_ok", "bad_json", "empty", "html"]
    bot = BotProcess(api, tmp_path)
    await bot.start()
    assert bot.process is not None
    await asyncio.wait_for(bot.process.wait(), 90)
    log = bot.output()
    assert bot.process.returncode == 1
    assert "回答不对" in log.strip().splitlines()[-1]
    assert TOKEN not in log and "Traceback" not in log
