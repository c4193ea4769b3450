"""The dispatcher factory and the two ways to run the bot: long polling and webhook."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from urllib.parse import urlparse

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramUnauthorizedError
from aiogram.types import BotCommand, ErrorEvent
from aiogram.utils.token import TokenValidationError

from bot.assistants import Assistants
from bot.config import Config
from bot.storage import Storage
from bot.telegram import decoding, texts
from bot.telegram.callbacks import CallbackSigner, SignButtons, VerifyButtons
from bot.telegram.middlewares import AccessMiddleware, RetryMiddleware, ThrottlingMiddleware
from bot.telegram.nudges import Scheduler
from bot.telegram.routers import get_routers
from bot.telegram.routers.practice import Drills

log = logging.getLogger(__name__)


class StartupError(Exception):
    """The bot cannot start; the message is one line saying why and what to do."""


def create_bot(
    config: Config, *, session: BaseSession | None = None, retry: RetryMiddleware | None = None
) -> Bot:
    if session is None:
        base = config.telegram.api_base
        api = TelegramAPIServer.from_base(base) if base else PRODUCTION
        session = AiohttpSession(api=api, json_loads=decoding.loads)
    session.middleware(retry or RetryMiddleware())
    session.middleware(SignButtons(CallbackSigner.for_token(config.telegram.token.get())))
    try:
        return Bot(
            config.telegram.token.get(),
            session=session,
            default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
        )
    except TokenValidationError:
        raise StartupError(
            "Telegram token 格式不对: 应该像 123456789:AA... (从 @BotFather 复制完整的 token)"
        ) from None


def create_dispatcher(
    config: Config,
    assistants: Assistants,
    storage: Storage,
    *,
    clock: Callable[[], float] = time.time,
) -> Dispatcher:
    scheduler = Scheduler(clock)  # live-mode nudges; runs while the dispatcher does
    dp = Dispatcher(
        config=config,
        assistants=assistants,
        db=storage,
        clock=clock,
        scheduler=scheduler,
        drills=Drills(),  # practice drills in progress, per trainee
    )
    dp.startup.register(scheduler.start)
    dp.shutdown.register(scheduler.stop)
    access = AccessMiddleware(config.access)
    throttle = ThrottlingMiddleware(
        config.telegram.throttle_messages, config.telegram.throttle_seconds
    )
    for observer in (dp.message, dp.callback_query):
        observer.outer_middleware(access)
        observer.outer_middleware(throttle)
    dp.callback_query.outer_middleware(
        VerifyButtons(CallbackSigner.for_token(config.telegram.token.get()))
    )
    dp.include_routers(*get_routers())
    dp.errors.register(on_error)
    return dp


async def on_error(event: ErrorEvent, bot: Bot) -> bool:
    """Every handler error: logged with its update, answered with a short apology."""
    update = event.update
    log.error("update %s failed: %r", update.update_id, event.exception, exc_info=event.exception)
    chat_id = None
    if update.message:
        chat_id = update.message.chat.id
    elif update.callback_query and update.callback_query.message:
        chat_id = update.callback_query.message.chat.id
    if chat_id is not None:
        try:
            await bot.send_message(chat_id, texts.APOLOGY)
        except TelegramAPIError as exc:
            log.warning("update %s: could not send the apology either: %r", update.update_id, exc)
    return True


async def set_commands(bot: Bot) -> None:
    """The command menu is cosmetic: a failure is a warning, never a stop."""
    try:
        await bot.set_my_commands(
            [BotCommand(command=c, description=d) for c, d in texts.COMMANDS.items()]
        )
    except TelegramAPIError as exc:
        log.warning("could not set the command menu (%s); going on without it", exc)


async def prepare(config: Config) -> tuple[Bot, Dispatcher, Storage]:
    """Everything start-up checks: the library, the database, the token and the API."""
    assistants = Assistants(config)
    assistants.get()  # refuse to start on a broken library (LibraryError names file:line)
    bot = create_bot(config)
    try:
        me = await bot.get_me()
    except TelegramUnauthorizedError:
        await bot.session.close()
        raise StartupError("Telegram 拒绝了这个 token: 请到 @BotFather 核对或重新生成") from None
    except TelegramNetworkError:
        await bot.session.close()
        where = config.telegram.api_base or "api.telegram.org"
        raise StartupError(
            f"连不上 Telegram Bot API ({where}): 检查网络或 telegram.api_base"
        ) from None
    storage = await Storage(config.storage.database).open()
    log.info("logged in as @%s (id %s); database %s", me.username, me.id, storage.path)
    return bot, create_dispatcher(config, assistants, storage), storage


async def run_polling(config: Config) -> None:
    bot, dp, storage = await prepare(config)
    try:
        await set_commands(bot)
        await bot.delete_webhook(drop_pending_updates=False)
        await dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types())
    finally:
        await storage.close()
        await bot.session.close()


async def run_webhook(config: Config, url: str) -> None:
    """Serve updates on ``url``'s path behind HTTPS; requests without the secret get 401."""
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
    from aiohttp import web

    path = urlparse(url).path or "/"
    secret = config.telegram.webhook_secret.get() or secrets.token_urlsafe(32)
    host, _, port = config.telegram.webhook_listen.rpartition(":")
    bot, dp, storage = await prepare(config)
    app = web.Application()
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=secret).register(app, path=path)
    setup_application(app, dp, bot=bot)
    runner = web.AppRunner(app)
    try:
        await set_commands(bot)
        await bot.set_webhook(
            url, secret_token=secret, allowed_updates=dp.resolve_used_update_types()
        )
        await runner.setup()
        await web.TCPSite(runner, host or "0.0.0.0", int(port or 8080)).start()
        log.info("webhook on %s, listening on %s", url, config.telegram.webhook_listen)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await storage.close()
        await bot.session.close()
