"""Live mode through Telegram Business: record every customer↔shop message, whisper suggested
replies to the owner, nudge before a reply is due, and reply automatically only when allowed.

The rules (conversations, nudge times, the auto-reply policy) are bot/business/chats.py; these
handlers turn updates into its calls and send what it decides."""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from html import escape

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BusinessConnection, InlineKeyboardMarkup, Message

from bot.assistants import Assistants
from bot.business import chats
from bot.business.chats import auto_reply_on, chat_key
from bot.config import Config
from bot.storage import BusinessAccount, Storage
from bot.telegram import texts
from bot.telegram.delivery import store_and_deliver
from bot.telegram.formatting import suggestion_html
from bot.telegram.middlewares import API_ERRORS, describe, role_of
from bot.telegram.nudges import NUDGE_JOB, Scheduler, nudge_job
from bot.telegram.routers.prefs import chat_prefs
from intents import Library, Suggestion, split_long

log = logging.getLogger(__name__)


def sender_role(message: Message, account: BusinessAccount) -> str:
    """customer, agent (the owner, a human) or bot (sent for the account by a bot)."""
    return chats.sender_role(
        account,
        sender_id=message.from_user.id if message.from_user else None,
        by_bot=message.sender_business_bot is not None,
    )


async def on_connection(
    event: BusinessConnection,
    bot: Bot,
    db: Storage,
    config: Config,
    assistants: Assistants,
    scheduler: Scheduler,
) -> None:
    account = _account_from(event)
    assistants.agent_values(event.user.id, event.user.first_name)  # the agent of its chats
    await db.save_business_account(account)
    if not account.is_enabled:
        await _cancel(scheduler, lambda key: chats.belongs(key, account.id))
        await _tell(bot, account.user_chat_id, texts.BUSINESS_DISCONNECTED)
        return
    if role_of(account.user_id, config.access) is None:
        await _tell(bot, account.user_chat_id, texts.REFUSED.format(user_id=account.user_id))
        return
    stored = await db.business_account(account.id)
    text = texts.BUSINESS_CONNECTED.format(auto=texts.ON_OFF[auto_reply_on(stored, config)])
    if not account.can_reply:
        text += "\n" + texts.BUSINESS_NO_REPLY_RIGHTS
    await _tell(bot, account.user_chat_id, text)


async def on_message(
    message: Message,
    bot: Bot,
    db: Storage,
    config: Config,
    assistants: Assistants,
    scheduler: Scheduler,
    clock: Callable[[], float],
) -> None:
    account = await _known_account(bot, db, message.business_connection_id)
    if account is None or not account.is_enabled:
        return
    if role_of(account.user_id, config.access) is None:
        return  # a stranger connected their shop: neither record nor answer it
    role = sender_role(message, account)
    key = chat_key(account.id, message.chat.id)
    text = message.text or message.caption or ""
    customer = message.chat.full_name
    conversation = await chats.record(
        db,
        config,
        key=key,
        message_id=message.message_id,
        ts=message.date.timestamp(),
        role=role,
        sender=message.from_user.full_name if message.from_user else "",
        text=text,
        customer=customer,
    )
    if role == "agent":  # a human answered: every nudge waiting in this chat is moot
        if message.from_user is not None:
            assistants.agent_values(message.from_user.id, message.from_user.first_name)
        await _cancel(scheduler, lambda k: isinstance(k, tuple) and k[0] == key)
        return
    if role == "bot":
        return  # a bot's reply stops no clock, so the nudge stays
    await _schedule_nudge(bot, db, config, scheduler, clock, account, key, conversation, customer)
    if not text.strip():
        return
    library, tone = await chat_prefs(db, assistants, account.user_chat_id)
    # one customer's chat: their last product and question carry over
    context = assistants.conversations.get(("business", key), private=False)
    values = await _owner_values(bot, assistants, account)
    suggestion = assistants.get(library).suggest(
        text, tone=tone, conversation=context, values=values
    )
    replied = await _answer_customer(
        bot, db, config, clock, account, message, conversation, suggestion
    )
    await _copilot(
        bot,
        db,
        clock,
        account,
        message,
        suggestion,
        library,
        tone,
        replied,
        assistants.get(library).library,
    )


async def autoreply(message: Message, command: CommandObject, db: Storage, config: Config) -> None:
    user_id = message.from_user.id if message.from_user else 0
    accounts = await db.business_accounts_of(user_id)
    if not accounts:
        await message.answer(texts.AUTOREPLY_NO_CONNECTION)
        return
    wanted = texts.AUTOREPLY_WORDS.get((command.args or "").strip().lower())
    if wanted is not None:
        await db.set_auto_reply(user_id, wanted)
        accounts = await db.business_accounts_of(user_id)
        reply = texts.AUTOREPLY_SET.format(state=texts.ON_OFF[wanted])
    else:
        state = any(auto_reply_on(a, config) for a in accounts)
        reply = texts.AUTOREPLY_STATUS.format(state=texts.ON_OFF[state])
    if not any(a.can_reply for a in accounts):
        reply += "\n" + texts.BUSINESS_NO_REPLY_RIGHTS
    await message.answer(reply)


# --- the steps ---------------------------------------------------------------------------------


def _account_from(event: BusinessConnection) -> BusinessAccount:
    # Bot API 9.0 moved can_reply into rights; older servers still send the flat field
    can_reply = event.rights.can_reply if event.rights is not None else event.can_reply
    return BusinessAccount(
        id=event.id,
        user_id=event.user.id,
        user_chat_id=event.user_chat_id,
        can_reply=bool(can_reply),
        is_enabled=event.is_enabled,
    )


async def _known_account(
    bot: Bot, db: Storage, connection_id: str | None
) -> BusinessAccount | None:
    """The stored connection; one made before this database existed is asked of Telegram."""
    if not connection_id:
        return None
    account = await db.business_account(connection_id)
    if account is not None:
        return account
    try:
        event = await bot.get_business_connection(business_connection_id=connection_id)
    except API_ERRORS as exc:
        log.warning(
            "Business 连接 %s 不在数据库里，也没能向 Telegram 查到（%s）",
            connection_id,
            describe(exc),
        )
        return None
    if not isinstance(event, BusinessConnection):
        return None
    await db.save_business_account(_account_from(event))
    return await db.business_account(connection_id)


async def _owner_values(
    bot: Bot, assistants: Assistants, account: BusinessAccount
) -> dict[str, str]:
    """The owner answers the account's chats: their name goes into the replies. A connection
    made before this process started is asked of Telegram once."""
    owner = account.user_id
    if owner not in assistants.config.access.names and owner not in assistants.first_names:
        try:
            event = await bot.get_business_connection(business_connection_id=account.id)
        except API_ERRORS as exc:
            log.warning(
                "没能向 Telegram 查到 Business 连接 %s 的主人（%s）", account.id, describe(exc)
            )
            event = None
        first = event.user.first_name if isinstance(event, BusinessConnection) else ""
        assistants.first_names[owner] = first  # "" : asked once, the library's name stands
    return assistants.agent_values(owner)


async def _schedule_nudge(
    bot: Bot,
    db: Storage,
    config: Config,
    scheduler: Scheduler,
    clock: Callable[[], float],
    account: BusinessAccount,
    key: str,
    conversation: str,
    customer: str,
) -> None:
    """Nudge the owner before the oldest unanswered message is due (chats.plan_nudge)."""
    targets = config.service_targets
    plan = await chats.plan_nudge(db, targets, key, conversation)
    if plan is None:
        return

    job = {
        "chat_id": account.user_chat_id,
        "customer": customer,
        "conversation": plan.conversation,
        "start": plan.start,
        "when": plan.when,
        "deadline": plan.deadline,
    }
    if scheduler.durable:  # survives a restart, fires once across workers
        await scheduler.schedule_job(plan.key, plan.when, NUDGE_JOB, job)
        return

    async def nudge() -> None:
        await nudge_job(job, bot=bot, db=db, config=config, clock=clock)

    scheduler.schedule(plan.key, plan.when, nudge)


async def _cancel(scheduler: Scheduler, predicate: Callable[[Hashable], bool]) -> None:
    scheduler.cancel_where(predicate)
    if scheduler.durable:
        await scheduler.cancel_jobs(predicate)


async def _answer_customer(
    bot: Bot,
    db: Storage,
    config: Config,
    clock: Callable[[], float],
    account: BusinessAccount,
    message: Message,
    conversation: str,
    suggestion: Suggestion,
) -> bool:
    """Answer the customer for the shop, only when the owner allowed it and Telegram grants
    can_reply, and only with a confident match (an abstaining bot should not speak for a shop).
    Stored as role bot: it stops no clock."""
    if not chats.may_auto_reply(account, config, suggestion):
        return False
    key = chat_key(account.id, message.chat.id)
    sent: list[tuple[int, str]] = []
    try:
        for part in split_long(suggestion.replies[0]):
            reply = await bot.send_message(
                message.chat.id, part, business_connection_id=account.id, parse_mode=None
            )
            sent.append((reply.message_id, part))
    except API_ERRORS as exc:
        log.warning("在 %s 自动回复顾客失败，重试后仍失败（%s）", key, describe(exc))
    await chats.record_auto_reply(
        db,
        key=key,
        conversation=conversation,
        sent=sent,
        ts=clock(),
        customer=message.chat.full_name,
    )
    return bool(sent)


async def _copilot(
    bot: Bot,
    db: Storage,
    clock: Callable[[], float],
    account: BusinessAccount,
    message: Message,
    suggestion: Suggestion,
    library: str,
    tone: str,
    auto_replied: bool,
    phrases: Library | None = None,
) -> None:
    """The suggested replies, privately in the owner's chat with the bot (never to the
    customer), stored as an exchange so the usual buttons (换一个, 语气, 👍👎) work on them."""
    text = message.text or message.caption or ""
    received = clock()
    lines = [
        texts.COPILOT_HEADER.format(
            customer=escape(message.chat.full_name), text=escape(chats.preview(text))
        )
    ]
    if auto_replied:
        lines.append(texts.COPILOT_AUTO_REPLIED)
    lines.append(suggestion_html(suggestion, tone, phrases))

    async def send(chunk: str, markup: InlineKeyboardMarkup | None) -> Message:
        return await bot.send_message(account.user_chat_id, chunk, reply_markup=markup)

    await store_and_deliver(
        send,
        db,
        chat_id=account.user_chat_id,
        user_id=message.from_user.id if message.from_user else None,
        library=library,
        text=text,
        suggestion=suggestion,
        tone=tone,
        html="\n".join(lines),
        received_at=received,
        clock=clock,
    )


async def _tell(bot: Bot, chat_id: int, text: str) -> None:
    """A notice to an owner; one that cannot be delivered is not worth failing the update."""
    try:
        await bot.send_message(chat_id, text)
    except API_ERRORS as exc:
        log.warning("没能把 Business 连接的变化告诉 %s（%s）", chat_id, describe(exc))


def get_router() -> Router:
    router = Router(name=__name__)
    router.business_connection.register(on_connection)
    router.business_message.register(on_message)
    router.message.register(autoreply, Command("autoreply"))
    return router
