"""Signed buttons: callback data is untrusted input, since any client can send any string.

Every inline button the bot sends has an HMAC of its data and its chat appended on the way out
(a request middleware, so no keyboard can forget it), and every press is checked on the way in
(an update middleware, before any filter or handler). A crafted, altered or moved press gets a
short refusal. The key is derived from the bot token: a secret the deployment already keeps,
the same across restarts, so yesterday's buttons still work and a new token retires them all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.filters.callback_data import MAX_CALLBACK_LENGTH
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, TelegramObject

from bot.telegram import texts
from bot.telegram.middlewares import Handler

log = logging.getLogger(__name__)

SEPARATOR = ":"
SIGNATURE_BYTES = 8  # 64 bits: far beyond guessing through Telegram's rate limits
SIGNATURE_CHARS = len(base64.urlsafe_b64encode(bytes(SIGNATURE_BYTES)).rstrip(b"="))
#: What a keyboard may put in callback_data so that it still fits once signed.
UNSIGNED_LIMIT = MAX_CALLBACK_LENGTH - len(SEPARATOR) - SIGNATURE_CHARS


class CallbackSigner:
    """Signs callback data for one chat and checks it back."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def for_token(cls, token: str) -> CallbackSigner:
        return cls(hmac.new(token.encode(), b"csbot callback data v1", hashlib.sha256).digest())

    def _mac(self, data: str, chat_id: int) -> str:
        digest = hmac.new(self._key, f"{chat_id}{SEPARATOR}{data}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()[:SIGNATURE_BYTES]).rstrip(b"=").decode()

    def sign(self, data: str, chat_id: int) -> str:
        if len(data.encode()) > UNSIGNED_LIMIT:
            raise ValueError(
                f"callback data {data!r} is over {UNSIGNED_LIMIT} bytes and would not fit signed"
            )
        return f"{data}{SEPARATOR}{self._mac(data, chat_id)}"

    def verify(self, signed: str, chat_id: int) -> str | None:
        """The data without its signature, or None when the signature is not ours for this chat."""
        data, separator, mac = signed.rpartition(SEPARATOR)
        if not separator or not hmac.compare_digest(mac, self._mac(data, chat_id)):
            return None
        return data

    def sign_markup(self, markup: InlineKeyboardMarkup, chat_id: int) -> InlineKeyboardMarkup:
        rows = [
            [
                b.model_copy(update={"callback_data": self.sign(b.callback_data, chat_id)})
                if b.callback_data is not None
                else b
                for b in row
            ]
            for row in markup.inline_keyboard
        ]
        return markup.model_copy(update={"inline_keyboard": rows})


class SignButtons(BaseRequestMiddleware):
    """Signs the buttons of every outgoing message for the chat it goes to."""

    def __init__(self, signer: CallbackSigner) -> None:
        self.signer = signer

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        markup = getattr(method, "reply_markup", None)
        chat_id = getattr(method, "chat_id", None)
        if isinstance(markup, InlineKeyboardMarkup) and isinstance(chat_id, int):
            # a copy: a retried request passes here again and must not be signed twice
            signed = self.signer.sign_markup(markup, chat_id)
            method = method.model_copy(update={"reply_markup": signed})
        return await make_request(bot, method)


class VerifyButtons(BaseMiddleware):
    """Lets a button press through only with our signature for the chat it was pressed in;
    handlers then see the data without it."""

    def __init__(self, signer: CallbackSigner) -> None:
        self.signer = signer

    async def __call__(
        self,
        handler: Handler,
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, CallbackQuery):
            return await handler(event, data)
        chat_id = event.message.chat.id if event.message is not None else None
        unsigned = None
        if chat_id is not None and event.data is not None:
            unsigned = self.signer.verify(event.data, chat_id)
        if unsigned is None:
            log.warning("用户 %s 按了一个没有通过校验的按钮，已拒绝", event.from_user.id)
            await event.answer(texts.BUTTON_REFUSED, show_alert=True)
            return None
        return await handler(event.model_copy(update={"data": unsigned}), data)
