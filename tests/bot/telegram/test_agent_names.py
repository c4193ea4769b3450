"""Each member of staff signs replies with their own name ({agent_name}): the config's
access.names, else their Telegram first name; in Business chats the account's owner is the
agent. Driven through the real `csbot run` against the fake Bot API."""

import json
import time

from bot.telegram.fake_api import BotProcess

TOKEN = "123456:AGENT-names-fake-token"
NAMED, UNNAMED, CUSTOMER = 5001, 5002, 7007  # 5001 has a name in the config, 5002 has not


def connection(connection_id: str, owner: int, first_name: str) -> dict:
    return {
        "business_connection": {
            "id": connection_id,
            "user": {"id": owner, "is_bot": False, "first_name": first_name},
            "user_chat_id": owner,
            "date": int(time.time()),
            "is_enabled": True,
            "rights": {"can_reply": False, "can_read_messages": True},
        }
    }


def customer_says(connection_id: str, message_id: int, text: str) -> dict:
    return {
        "business_message": {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": CUSTOMER, "type": "private", "first_name": "李女士"},
            "from": {"id": CUSTOMER, "is_bot": False, "first_name": "李女士"},
            "text": text,
            "business_connection_id": connection_id,
        }
    }


def buttons(call) -> dict[str, str]:
    markup = json.loads(call.params["reply_markup"])
    return {
        b["callback_data"].rpartition(":")[0]: b["callback_data"]
        for row in markup["inline_keyboard"]
        for b in row
        if "callback_data" in b
    }


async def test_two_staff_members_get_their_own_names_in_every_reply(api, tmp_path):
    bot = BotProcess(api, tmp_path, config=f"  names:\n    {NAMED}: 阿珍\n")
    await bot.start()
    try:
        await api.wait_for("getMe", timeout=90)
        # private suggestions: the configured name wins over the Telegram first name
        await api.message(NAMED, "你好", first_name="Amy")
        await api.message(UNNAMED, "你好", first_name="小丽")
        [to_named] = await api.wait_for("sendMessage", chat_id=NAMED)
        [to_unnamed] = await api.wait_for("sendMessage", chat_id=UNNAMED)
        assert "客服阿珍" in to_named.params["text"]
        assert "客服小丽" in to_unnamed.params["text"]
        for call in (to_named, to_unnamed):
            assert "小美" not in call.params["text"] and "Amy" not in call.params["text"]

        # 换一个 keeps the name of the one who pressed it
        [tone] = [v for k, v in buttons(to_unnamed).items() if k.startswith("s:tone:")]
        await api.press(UNNAMED, tone, 1001, first_name="小丽")
        [edited] = await api.wait_for("editMessageText", chat_id=UNNAMED)
        assert "客服小丽" in edited.params["text"] and "小美" not in edited.params["text"]

        # Business chats: the owner of each connected account is the agent of its chats
        await api.push(connection("bc-named", NAMED, "Amy"))
        await api.push(connection("bc-unnamed", UNNAMED, "小丽"))
        await api.push(customer_says("bc-named", 1, "你好"))
        await api.push(customer_says("bc-unnamed", 2, "你好"))
        named = await api.wait_for("sendMessage", chat_id=NAMED, count=3)
        unnamed = await api.wait_for("sendMessage", chat_id=UNNAMED, count=3)
        [copilot_named] = [c for c in named if "李女士" in c.params["text"]]
        [copilot_unnamed] = [c for c in unnamed if "李女士" in c.params["text"]]
        assert "客服阿珍" in copilot_named.params["text"]
        assert "客服小丽" in copilot_unnamed.params["text"]
    finally:
        await bot.stop()
    assert "Traceback" not in bot.output()
