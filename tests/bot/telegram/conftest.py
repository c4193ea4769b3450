"""A fake Bot API session (aiogram's MockedSession pattern) and a dispatcher wired to it."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import AsyncGenerator, Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.types import CallbackQuery, Chat, Message, Update, User

from bot.assistants import Assistants
from bot.config import AccessSettings, Config, Secret, TelegramSettings
from bot.storage import Storage, open_storage
from bot.telegram.app import create_bot, create_dispatcher
from bot.telegram.callbacks import CallbackSigner
from bot.telegram.fake_api import FakeBotAPI
from bot.telegram.middlewares import RetryMiddleware

STAFF, MANAGER, ADMIN, STRANGER = 1001, 2002, 3003, 9009
TOKEN = "42:TEST-token-for-fake-session"


class FakeSession(BaseSession):
    """Records every Bot API call and answers it as Telegram would; errors can be queued."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.fail_next: deque[Callable[[TelegramMethod[Any]], Exception]] = deque()
        self._ids = itertools.count(500)

    async def close(self) -> None:
        pass

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None):
        self.requests.append(method)
        if self.fail_next:
            raise self.fail_next.popleft()(method)
        name = method.__api_method__
        if name == "getMe":
            return User(id=42, is_bot=True, first_name="csbot", username="csbot_test_bot")
        if name in {"sendMessage", "editMessageText", "sendPhoto", "sendDocument"}:
            return Message(
                message_id=next(self._ids),
                date=datetime.now(),
                chat=Chat(id=method.chat_id or 0, type="private"),
                text=getattr(method, "text", None),
            )
        return True

    async def stream_content(self, *args: Any, **kwargs: Any) -> AsyncGenerator[bytes, None]:
        yield b""

    def sent(self, name: str = "sendMessage") -> list[TelegramMethod[Any]]:
        return [r for r in self.requests if r.__api_method__ == name]


class Harness:
    """Feeds updates through the real dispatcher, filters and middlewares."""

    def __init__(self, dp: Dispatcher, bot: Bot, session: FakeSession, storage: Storage) -> None:
        self.dp, self.bot, self.session, self.storage = dp, bot, session, storage
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)

    async def send(
        self, text: str | None = None, *, user: int = STAFF, chat: int | None = None, **fields: Any
    ) -> None:
        message = Message(
            message_id=next(self._message_ids),
            date=datetime.now(),
            chat=_chat(user, chat),
            from_user=User(id=user, is_bot=False, first_name="小王"),
            text=text,
            **fields,
        )
        await self.dp.feed_update(
            self.bot, Update(update_id=next(self._update_ids), message=message)
        )

    async def press(
        self, data: str, *, user: int = STAFF, chat: int | None = None, message_id: int = 500
    ) -> None:
        message = Message(
            message_id=message_id,
            date=datetime.now(),
            chat=_chat(user, chat),
            from_user=User(id=42, is_bot=True, first_name="csbot"),
            text="…",
        )
        query = CallbackQuery(
            id=str(next(self._update_ids)),
            from_user=User(id=user, is_bot=False, first_name="小王"),
            chat_instance="ci",
            message=message,
            data=data,
        )
        await self.dp.feed_update(
            self.bot, Update(update_id=next(self._update_ids), callback_query=query)
        )

    def texts(self, name: str = "sendMessage") -> list[str]:
        return [r.text for r in self.session.sent(name)]

    def last_markup(self, name: str = "sendMessage") -> list[str]:
        """The callback data of the last message's buttons, as sent: signed."""
        markup = self.session.sent(name)[-1].reply_markup
        return [b.callback_data for row in markup.inline_keyboard for b in row if b.callback_data]

    def unsigned_markup(self, name: str = "sendMessage") -> list[str]:
        return [data.rpartition(":")[0] for data in self.last_markup(name)]

    def button(self, unsigned: str, name: str = "sendMessage") -> str:
        """The signed data of the button whose data is ``unsigned``, from any message sent."""
        for request in reversed(self.session.sent(name)):
            if request.reply_markup is None:
                continue
            for row in request.reply_markup.inline_keyboard:
                for b in row:
                    if b.callback_data and b.callback_data.rpartition(":")[0] == unsigned:
                        return b.callback_data
        raise AssertionError(f"no button {unsigned!r} was sent")

    def sign(self, data: str, *, chat: int = STAFF) -> str:
        """Data signed as the bot would have, for a button it never sent (a stale one)."""
        return CallbackSigner.for_token(TOKEN).sign(data, chat)


def _chat(user: int, chat: int | None) -> Chat:
    """The user's private chat with the bot, or a group (negative id) they write in."""
    if chat is None or chat == user:
        return Chat(id=user, type="private")
    return Chat(id=chat, type="group", title="客服群")


async def no_sleep(_: float) -> None:
    return None


def make_config(tmp_path, **telegram: Any) -> Config:
    return replace(
        Config(),
        telegram=replace(TelegramSettings(token=Secret(TOKEN)), **telegram),
        access=AccessSettings(
            admins=frozenset({ADMIN}), managers=frozenset({MANAGER}), staff=frozenset({STAFF})
        ),
    )


@pytest.fixture(scope="session")
def shared_assistants() -> Assistants:
    assistants = Assistants(Config())
    assistants.get()
    return assistants


@pytest.fixture
def harness_database(tmp_path: Path) -> str | Path:
    """storage.database of the harness; a test module overrides it to run on each backend."""
    return tmp_path / "csbot.db"


@pytest.fixture
async def harness(tmp_path, shared_assistants, harness_database) -> AsyncGenerator[Harness, None]:
    config = make_config(tmp_path)
    assistants = Assistants(config)
    assistants._built = dict(shared_assistants._built)  # reuse the built shop library
    session = FakeSession()
    bot = create_bot(config, session=session, retry=RetryMiddleware(sleep=no_sleep))
    storage = await open_storage(harness_database)
    dp = create_dispatcher(config, assistants, storage)
    yield Harness(dp, bot, session, storage)
    await storage.close()


@pytest.fixture
async def api(request: pytest.FixtureRequest) -> AsyncGenerator[FakeBotAPI, None]:
    """A fake Bot API on 127.0.0.1 for a real `csbot run`, taking the test module's TOKEN."""
    server = FakeBotAPI(request.module.TOKEN)
    await server.start()
    yield server
    await server.stop()
