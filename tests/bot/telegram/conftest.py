"""A fake Bot API session (aiogram's MockedSession pattern) and a dispatcher wired to it."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import AsyncGenerator, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.types import CallbackQuery, Chat, Message, Update, User

from bot.assistants import Assistants
from bot.config import AccessSettings, Config, Secret, TelegramSettings
from bot.storage import Storage
from bot.telegram.app import create_bot, create_dispatcher
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

    async def send(self, text: str | None = None, *, user: int = STAFF, **fields: Any) -> None:
        message = Message(
            message_id=next(self._message_ids),
            date=datetime.now(),
            chat=Chat(id=user, type="private"),
            from_user=User(id=user, is_bot=False, first_name="小王"),
            text=text,
            **fields,
        )
        await self.dp.feed_update(
            self.bot, Update(update_id=next(self._update_ids), message=message)
        )

    async def press(self, data: str, *, user: int = STAFF, message_id: int = 500) -> None:
        message = Message(
            message_id=message_id,
            date=datetime.now(),
            chat=Chat(id=user, type="private"),
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

    def last_markup(self) -> list[str]:
        markup = self.session.sent()[-1].reply_markup
        return [b.callback_data for row in markup.inline_keyboard for b in row]


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
async def harness(tmp_path, shared_assistants) -> AsyncGenerator[Harness, None]:
    config = make_config(tmp_path)
    assistants = Assistants(config)
    assistants._built = dict(shared_assistants._built)  # reuse the built shop library
    session = FakeSession()
    bot = create_bot(config, session=session, retry=RetryMiddleware(sleep=no_sleep))
    storage = await Storage(tmp_path / "csbot.db").open()
    dp = create_dispatcher(config, assistants, storage)
    yield Harness(dp, bot, session, storage)
    await storage.close()
