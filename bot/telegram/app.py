"""The dispatcher factory and the two ways to run the bot: long polling and webhook."""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import signal
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlparse

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramNetworkError,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, ErrorEvent
from aiogram.utils.token import TokenValidationError
from aiohttp import ClientSession

from bot.assistants import Assistants
from bot.config import AccessSettings, Config
from bot.logs import keep_secret
from bot.practice.coach import Coach
from bot.storage import Storage, StorageUnavailableError, open_storage
from bot.telegram import decoding, texts
from bot.telegram.callbacks import CallbackSigner, SignButtons, VerifyButtons
from bot.telegram.drill_state import DrillSnapshots
from bot.telegram.inbox import Inbox
from bot.telegram.journal import SentJournal, forget
from bot.telegram.middlewares import (
    API_ERRORS,
    AccessMiddleware,
    RetryMiddleware,
    ThrottlingMiddleware,
    describe,
)
from bot.telegram.nudges import NUDGE_JOB, Scheduler, nudge_job
from bot.telegram.routers import get_routers
from bot.telegram.shared_state import (
    MemoryState,
    SharedState,
    SharedStateUnavailableError,
    open_shared_state,
    owner_name,
)

log = logging.getLogger(__name__)


SHUTDOWN_GRACE = 5.0  # seconds running handlers get to finish on SIGTERM/SIGINT
TIMEOUT_ENV = "CSBOT_TELEGRAM_TIMEOUT"  # seconds one Bot API request may take (default 20)


WORKER_ENV = "CSBOT_WORKER"  # set by `csbot run --workers N` in each worker: 1 … N


def webhook_secret(config: Config) -> str:
    """telegram.webhook_secret, else one derived from the token: the same in every worker,
    and nothing anyone can guess without the token."""
    given = config.telegram.webhook_secret.get()
    if given:
        return given
    digest = hmac.new(config.telegram.token.get().encode(), b"csbot webhook", "sha256")
    return digest.hexdigest()


class StartupError(Exception):
    """The bot cannot start; the message is one line saying why and what to do."""


def request_timeout() -> float:
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    try:
        seconds = float(raw) if raw else 20.0
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 600:
        raise StartupError(f"环境变量 {TIMEOUT_ENV}={raw!r} 不对：应该是 1 到 600 之间的秒数")
    return seconds


class JournalingSession(AiohttpSession):
    """aiogram's aiohttp session, with the sent journal's hook on every request."""

    def __init__(self, journal: SentJournal, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.journal = journal

    async def create_session(self) -> ClientSession:
        if self._should_reset_connector:
            await self.close()
        if self._session is None or self._session.closed:
            self._session = ClientSession(
                connector=self._connector_type(**self._connector_init),
                trace_configs=[self.journal.trace()],
            )
            self._should_reset_connector = False
        return self._session


def create_bot(
    config: Config,
    *,
    session: BaseSession | None = None,
    retry: RetryMiddleware | None = None,
    journal: SentJournal | None = None,
) -> Bot:
    keep_secret(config.telegram.token.get())  # redacted from logs and stored errors from now on
    if session is None:
        base = config.telegram.api_base
        options: dict[str, Any] = {"timeout": request_timeout(), "json_loads": decoding.loads}
        if base:
            options["api"] = TelegramAPIServer.from_base(base)
        session = JournalingSession(journal, **options) if journal else AiohttpSession(**options)
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
            "Telegram token 格式不对：应该像 123456789:AA...（从 @BotFather 复制完整的 token）"
        ) from None


def create_dispatcher(
    config: Config,
    assistants: Assistants,
    storage: Storage,
    *,
    clock: Callable[[], float] = time.time,
    shared: SharedState | None = None,
) -> Dispatcher:
    """``shared``: what several workers share (Redis); None keeps it all in this process."""
    shared = shared or MemoryState(clock)
    durable = shared if shared.shared else None
    # live-mode nudges; runs while the dispatcher does, durable jobs with a shared state
    scheduler = Scheduler(clock, state=durable)
    scheduler.handle(NUDGE_JOB, nudge_job)
    dp = Dispatcher(
        storage=shared.fsm_storage(),  # practice state: in Redis it outlives a restart
        events_isolation=shared.events_isolation(),  # one update per chat at a time, all workers
        config=config,
        assistants=assistants,
        db=storage,
        clock=clock,
        scheduler=scheduler,
        shared_state=shared,
        coach=Coach(assistants, storage, clock=clock),  # practice drills in progress, per trainee
    )
    dp.startup.register(scheduler.start)
    dp.shutdown.register(scheduler.stop)
    access = AccessMiddleware(config.access)
    throttle = ThrottlingMiddleware(
        config.telegram.throttle_messages,
        config.telegram.throttle_seconds,
        state=durable,
        **({"clock": time.time} if durable else {}),  # one window for all workers: wall time
    )
    drills = DrillSnapshots()  # each drill also lives in FSM data, so another worker goes on
    for observer in (dp.message, dp.callback_query):
        observer.outer_middleware(access)
        observer.outer_middleware(throttle)
        observer.outer_middleware(drills)
    dp.callback_query.outer_middleware(
        VerifyButtons(CallbackSigner.for_token(config.telegram.token.get()))
    )
    dp.include_routers(*get_routers())
    dp.errors.register(on_error)
    return dp


async def on_error(event: ErrorEvent, bot: Bot) -> bool:
    """Every handler error: logged with its update, answered with a short apology. A Bot API
    failure (already retried) is one line; anything else is a bug and gets its traceback."""
    update, exc = event.update, event.exception
    if isinstance(exc, API_ERRORS):
        log.error("更新 %s 没能回复：Bot API %s", update.update_id, describe(exc))
    else:
        log.error("更新 %s 处理出错：%r", update.update_id, exc, exc_info=exc)
    chat_id = None
    if update.message:
        chat_id = update.message.chat.id
    elif update.callback_query and update.callback_query.message:
        chat_id = update.callback_query.message.chat.id
    if chat_id is not None:
        try:
            await bot.send_message(chat_id, texts.APOLOGY)
        except API_ERRORS as exc:
            log.warning("更新 %s：道歉消息也没发出去（%s）", update.update_id, describe(exc))
    return True


async def cosmetic(what: str, call: Awaitable[object]) -> bool:
    """A call the bot can live without: whatever it raises is one warning, never a stop."""
    try:
        await call
    # cosmetic: an emulator or a proxy may answer anything at all, or raise anything
    except Exception as exc:
        log.warning("%s没有成功（%s），不影响使用", what, describe(exc))
        return False
    return True


def command_menus(access: AccessSettings) -> list[tuple[list[BotCommand], Any]]:
    """Staff commands for everyone; each manager and admin gets the menu of their role."""

    def menu(*roles: str) -> list[BotCommand]:
        names = [n for r in roles for n in texts.ROLE_COMMANDS[r]]
        return [BotCommand(command=n, description=texts.COMMANDS[n]) for n in names]

    menus: list[tuple[list[BotCommand], Any]] = [(menu("staff"), BotCommandScopeDefault())]
    for user_id in sorted(access.managers - access.admins):
        menus.append((menu("staff", "manager"), BotCommandScopeChat(chat_id=user_id)))
    for user_id in sorted(access.admins):
        menus.append((menu("staff", "manager", "admin"), BotCommandScopeChat(chat_id=user_id)))
    return menus


async def set_commands(bot: Bot, access: AccessSettings) -> None:
    """The command menus are cosmetic: a failure is a warning, never a stop."""
    (commands, scope), *personal = command_menus(access)
    if not await cosmetic("设置命令菜单", bot.set_my_commands(commands, scope=scope)):
        return  # the API refuses menus altogether: one warning is enough
    for commands, scope in personal:  # a manager who never opened the bot: Telegram says 400
        await cosmetic(
            f"给 {scope.chat_id} 设置命令菜单", bot.set_my_commands(commands, scope=scope)
        )


async def prepare(config: Config) -> tuple[Bot, Dispatcher, Storage, SentJournal]:
    """Everything start-up checks: the library, the database, Redis, the token and the API.

    The shared state is ``dp["shared_state"]``; whoever closes the storage closes it too."""
    assistants = Assistants(config)
    assistants.get()  # refuse to start on a broken library (LibraryError names file:line)
    journal = SentJournal(config.storage.local_files)
    bot = create_bot(config, journal=journal)
    where = config.telegram.api_base or "api.telegram.org"
    try:
        me = await bot.get_me()
    except TelegramUnauthorizedError:
        await bot.session.close()
        raise StartupError("Telegram 拒绝了这个 token：请到 @BotFather 核对或重新生成") from None
    except TelegramNetworkError:
        await bot.session.close()
        raise StartupError(
            f"连不上 Telegram Bot API（{where}）：检查网络或 telegram.api_base"
        ) from None
    except (ClientDecodeError, TelegramServerError):
        await bot.session.close()
        raise StartupError(
            f"Telegram Bot API（{where}）的回答不对（不是 Bot API 的格式，或一直报服务器错误）："
            " 检查 telegram.api_base 是不是 Bot API 服务器，稍后再试"
        ) from None
    try:
        storage = await open_storage(config.storage.database)
    except StorageUnavailableError as exc:
        await bot.session.close()
        raise StartupError(str(exc)) from None
    try:
        shared = await open_shared_state(config.redis.url.get())
    except SharedStateUnavailableError as exc:
        await storage.close()
        await bot.session.close()
        raise StartupError(str(exc)) from None
    where_state = "Redis（多进程共享）" if shared.shared else "本进程内存"
    log.info(
        "已登录 @%s（id %s）；数据库 %s；共享状态 %s",
        me.username,
        me.id,
        storage.location,
        where_state,
    )
    # what earlier runs handed to the network before they died is not sent again
    leftovers = journal.leftovers()
    await storage.add_sent_parts(SentJournal.parts_sent(leftovers))
    forget(leftovers)
    return bot, create_dispatcher(config, assistants, storage, shared=shared), storage, journal


async def first_worker(shared: SharedState, what: str) -> bool:
    """Of several workers, one sets the webhook and the menus: worker 1 of ``--workers N``,
    or among separate processes sharing Redis, the first in a minute."""
    worker = os.environ.get(WORKER_ENV)
    if worker is not None:
        return worker == "1"
    if not shared.shared:
        return True
    try:
        return await shared.once(what, ttl=60)
    # Redis away: setting the webhook twice does no harm
    except Exception:
        return True


def stop_on_signals() -> asyncio.Event:
    """SIGTERM/SIGINT set the event (a graceful stop); a second one ends the process at once."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal(sig: signal.Signals) -> None:
        if stop.is_set():
            log.warning("又收到 %s，立即退出", sig.name)
            os._exit(1)
        log.info("收到 %s，停止接收新消息，正在处理的最多再等 %.0f 秒", sig.name, SHUTDOWN_GRACE)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig)
    return stop


async def _serve(
    config: Config,
    serve: Callable[[Bot, Dispatcher, Storage, Inbox, asyncio.Event], Awaitable[None]],
) -> None:
    """Start-up, the inbox, then ``serve`` until a signal, then a graceful stop."""
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)  # an English line per update
    bot, dp, storage, journal = await prepare(config)
    shared: SharedState = dp["shared_state"]
    stop = stop_on_signals()
    claims = shared if shared.shared else None
    inbox = Inbox(bot, dp, storage, claims=claims, owner=owner_name())
    workflow = {**dp.workflow_data, **inbox.workflow}
    try:
        if await first_worker(shared, "menus"):
            await set_commands(bot, config.access)
        await dp.emit_startup(bot=bot, **workflow)
        try:
            await inbox.resume()
            await serve(bot, dp, storage, inbox, stop)
        finally:
            left = await inbox.drain(SHUTDOWN_GRACE)
            if left:
                log.info("%d 条更新没处理完，留在收件箱里，下次启动接着处理", left)
            await dp.emit_shutdown(bot=bot, **workflow)
            journal.close()  # a clean stop folds its own journal in: nothing is left on disk
            await storage.add_sent_parts(SentJournal.parts_sent([journal.path]))
            forget([journal.path])
    finally:
        journal.close()
        await storage.close()
        await shared.close()
        await bot.session.close()
        log.info("已停止")


async def run_polling(config: Config) -> None:
    async def serve(
        bot: Bot, dp: Dispatcher, storage: Storage, inbox: Inbox, stop: asyncio.Event
    ) -> None:
        await cosmetic("删除 webhook", bot.delete_webhook(drop_pending_updates=False))
        await inbox.poll(stop, allowed_updates=dp.resolve_used_update_types())

    await _serve(config, serve)


async def run_webhook(config: Config, url: str) -> None:
    """Serve updates on ``url``'s path behind HTTPS; requests without the secret get 401.

    Telegram gets its 200 only once the update is in the inbox; before that it retries."""
    from aiohttp import web

    path = urlparse(url).path or "/"
    secret = webhook_secret(config)
    keep_secret(secret)
    host, _, port = config.telegram.webhook_listen.rpartition(":")

    async def serve(
        bot: Bot, dp: Dispatcher, storage: Storage, inbox: Inbox, stop: asyncio.Event
    ) -> None:
        async def receive(request: web.Request) -> web.Response:
            header = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
            if not hmac.compare_digest(header.encode(), secret.encode()):
                return web.Response(status=401, text="Unauthorized")
            try:
                payload = decoding.loads(await request.text())
            except ValueError:
                return web.Response(status=400, text="not JSON")
            if not isinstance(payload, dict):
                return web.Response(status=400, text="not an update")
            try:
                await inbox.receive([payload])
            # not stored, whatever the reason: a 500 makes Telegram send it again
            except Exception as exc:
                log.error("webhook 更新没存进收件箱（%s），让 Telegram 重发", describe(exc))
                return web.Response(status=500, text="not stored")
            return web.json_response({})

        app = web.Application()
        app.router.add_post(path, receive)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        shared: SharedState = dp["shared_state"]
        sweeping = None
        try:
            if await first_worker(shared, "webhook"):
                await bot.set_webhook(
                    url, secret_token=secret, allowed_updates=dp.resolve_used_update_types()
                )
            # workers of `csbot run --workers N` share the port; the kernel spreads connections
            reuse = os.environ.get(WORKER_ENV) is not None
            site = web.TCPSite(runner, host or "0.0.0.0", int(port or 8080), reuse_port=reuse)
            await site.start()
            if shared.shared:  # what a worker that died left in the inbox, another takes up
                sweeping = asyncio.create_task(inbox.sweep(stop))
            log.info("webhook 地址 %s，在 %s 监听", url, config.telegram.webhook_listen)
            await stop.wait()
        finally:
            if sweeping is not None:
                sweeping.cancel()
            await runner.cleanup()

    await _serve(config, serve)
