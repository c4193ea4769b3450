"""The real `csbot run` against a fake Telegram Bot API on 127.0.0.1, as Telegram would drive it."""

import asyncio
import json
import os
import signal
import sqlite3
import sys

from bot.telegram.fake_api import FakeBotAPI
from tests.conftest import ROOT

TOKEN = "123456:E2E-fake-token-never-printed"
CHAT = 777


async def start_bot(api: FakeBotAPI, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(
        f"telegram:\n  api_base: {api.base}\n"
        f"storage:\n  database: {tmp_path / 'bot.db'}\n"
        "access:\n  open: true\n",
        encoding="utf-8",
    )
    env = {**os.environ, "CSBOT_TELEGRAM_TOKEN": TOKEN}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def stop_bot(process) -> str:
    if process.returncode is None:
        process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
    _, err = await process.communicate()
    return err.decode()


async def test_csbot_run_serves_a_staff_member_end_to_end(api, tmp_path):
    api.failures["setMyCommands"] = [500] * 5  # cosmetic: must not stop the bot
    bot = await start_bot(api, tmp_path)
    try:
        await api.wait_for("getMe", timeout=60)
        await api.message(CHAT, "包邮吗?几天能到")
        [reply] = await api.wait_for("sendMessage", chat_id=CHAT)
        assert "价格" in reply.params["text"] and "<code>" in reply.params["text"]
        markup = json.loads(reply.params["reply_markup"])
        buttons = {
            b.get("callback_data", "").rpartition(":")[0]: b.get("callback_data", "")
            for row in markup["inline_keyboard"]
            for b in row
            if "callback_data" in b
        }
        assert "s:next:1" in buttons

        # 换一个 edits the suggestion in place and answers the button press
        await api.press(CHAT, buttons["s:next:1"], message_id=1001)
        [edit] = await api.wait_for("editMessageText", chat_id=CHAT)
        assert edit.params["text"] != reply.params["text"]
        await api.wait_for("answerCallbackQuery")

        # Telegram says 429, then 500: the reply still arrives, once
        api.failures["sendMessage"] = [429, 500]
        await api.message(CHAT, "可以开发票吗")
        replies = await api.wait_for("sendMessage", chat_id=CHAT, count=2)
        assert "发票" in replies[1].params["text"]
        assert [c.method for c in api.calls if c.method.startswith("sendMessage!")] == [
            "sendMessage!429",
            "sendMessage!500",
        ]
    finally:
        log = await stop_bot(bot)
    assert TOKEN not in log
    assert "设置命令菜单没有成功" in log
    with sqlite3.connect(tmp_path / "bot.db") as db:
        rows = db.execute("SELECT text, replied_at FROM exchanges ORDER BY id").fetchall()
    assert [r[0] for r in rows] == ["包邮吗?几天能到", "可以开发票吗"]
    assert all(r[1] is not None for r in rows)


async def test_csbot_run_without_a_reachable_api_exits_with_one_line(tmp_path):
    api = FakeBotAPI(TOKEN)  # never started: nothing listens on its port
    api.port = 9  # discard port on loopback
    bot = await start_bot(api, tmp_path)
    await asyncio.wait_for(bot.wait(), 90)
    err = await stop_bot(bot)
    assert bot.returncode == 1
    assert err.strip().splitlines()[-1].startswith("连不上 Telegram Bot API")
    assert TOKEN not in err


async def test_csbot_run_with_a_rejected_token_exits_with_one_line(api, tmp_path):
    api.token = "another-token"  # the fake API answers 401 to ours
    bot = await start_bot(api, tmp_path)
    await asyncio.wait_for(bot.wait(), 60)
    err = await stop_bot(bot)
    assert bot.returncode == 1
    assert "拒绝了这个 token" in err and TOKEN not in err


async def test_csbot_run_drives_a_whole_practice_run(api, tmp_path):
    answers = [
        "亲,在的~您好,有什么可以帮您的呢?",
        "亲,页面上能选的颜色和尺码都有现货的哦,拍下就给您安排~",
        "亲,付款后48小时内发货,默认中通快递,一般2-4天就能到哦~",
        "不客气哦亲~感谢您光临本店,有需要随时找我呀",
    ]  # the four turns of thanks_goodbye: 打招呼, 有货吗, 发货, 道别
    bot = await start_bot(api, tmp_path)
    try:
        await api.wait_for("getMe", timeout=60)
        await api.message(CHAT, "/practice thanks_goodbye")
        title, line = await api.wait_for("sendMessage", chat_id=CHAT, count=2)
        assert "问完就走的顾客" in title.params["text"]
        assert line.params["text"].startswith("👤 顾客：")
        for turn, answer in enumerate(answers, 1):
            await api.message(CHAT, answer)  # only once the customer's line has arrived
            sent = await api.wait_for("sendMessage", chat_id=CHAT, count=2 + 2 * turn)
            feedback, follow = (call.params["text"] for call in sent[-2:])
            assert "得分" in feedback and "参考话术" in feedback and "<code>" in feedback
            if turn < len(answers):
                assert follow.startswith("👤 顾客：")
        assert follow.startswith("<b>练习结束：共 4 题")
    finally:
        log = await stop_bot(bot)
    assert TOKEN not in log
    with sqlite3.connect(tmp_path / "bot.db") as db:
        [(user_id, finished_at, total)] = db.execute(
            "SELECT user_id, finished_at, total FROM practice_sessions"
        ).fetchall()
        turns = db.execute("SELECT turn FROM practice_answers ORDER BY turn").fetchall()
    assert user_id == CHAT and finished_at is not None and total >= 85
    assert turns == [(0,), (1,), (2,), (3,)]


async def test_csbot_run_webhook_checks_the_secret_header(api, tmp_path):
    import socket

    import aiohttp

    with socket.socket() as probe:  # a free loopback port for the webhook server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "config.yaml"
    config.write_text(
        f"telegram:\n  api_base: {api.base}\n  webhook_secret: s3cret-header\n"
        f"  webhook_listen: 127.0.0.1:{port}\n"
        f"storage:\n  database: {tmp_path / 'hook.db'}\naccess:\n  open: true\n",
        encoding="utf-8",
    )
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config),
        "--webhook", f"https://shop.example/tg/{port}",
        cwd=ROOT, env={**os.environ, "CSBOT_TELEGRAM_TOKEN": TOKEN},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        [hook] = await api.wait_for("setWebhook", timeout=60)
        assert hook.params["url"] == f"https://shop.example/tg/{port}"
        assert hook.params["secret_token"] == "s3cret-header"
        update = {
            "update_id": 1,
            "message": {
                "message_id": 5,
                "date": 1_764_374_400,
                "chat": {"id": CHAT, "type": "private"},
                "from": {"id": CHAT, "is_bot": False, "first_name": "小王"},
                "text": "有色差吗",
            },
        }
        url = f"http://127.0.0.1:{port}/tg/{port}"
        async with aiohttp.ClientSession() as http:
            for _ in range(100):  # the server starts listening right after setWebhook
                try:
                    async with http.post(url, json=update) as refused:
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            assert refused.status == 401
            header = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-header"}
            async with http.post(url, json=update, headers=header) as accepted:
                assert accepted.status == 200
            with sqlite3.connect(tmp_path / "hook.db") as db:  # stored before the 200
                assert db.execute("SELECT update_id FROM inbox").fetchall() == [(1,)]
            [reply] = await api.wait_for("sendMessage", chat_id=CHAT)
            # Telegram did not hear the 200 and sends the update again: answered once
            async with http.post(url, json=update, headers=header) as again:
                assert again.status == 200
            update["update_id"], update["message"]["text"] = 2, "几天能到"
            async with http.post(url, json=update, headers=header) as later:
                assert later.status == 200
            # one chat's updates run in order: a second answer to update 1 would come first
            replies = await api.wait_for("sendMessage", chat_id=CHAT, count=2)
        assert "颜色/色差" in reply.params["text"]
        assert "颜色/色差" not in replies[1].params["text"]
    finally:
        log = await stop_bot(bot)
    assert "s3cret-header" not in log and TOKEN not in log
