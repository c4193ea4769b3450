"""Live mode's rules for Telegram Business chats, with no Telegram in them.

The handlers (bot/telegram/routers/business.py) turn updates into these calls and send what
they decide:

- who wrote a message (customer, the owner as agent, or a bot) and which conversation of the
  chat it belongs to: a silence longer than the idle gap starts the next one, as the importers
  split history;
- every message stored on the chat's timeline, so /stats and ``csbot report`` count live chats;
- when to nudge the owner: ``nudge_before_seconds`` before the oldest unanswered customer
  message is due, in business hours;
- the auto-reply policy: only when the owner allowed it, Telegram grants can_reply and the
  match is confident (an abstaining bot should not speak for a shop).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from bot.config import Config, ServiceTargets
from bot.hours import due_at
from bot.service_time.metrics import open_round
from bot.storage import BusinessAccount, Storage, TimelineMessage
from intents import Suggestion

__all__ = [
    "PREVIEW",
    "SOURCE",
    "Nudge",
    "auto_reply_on",
    "belongs",
    "chat_key",
    "conversation_for",
    "may_auto_reply",
    "plan_nudge",
    "preview",
    "record",
    "record_auto_reply",
    "sender_role",
    "still_waiting",
]

SOURCE = "business"  # the timeline source of live chats
PREVIEW = 200  # characters of the customer's message quoted above the suggestion


def chat_key(connection_id: str, chat_id: int) -> str:
    """One customer's chat with one connected shop.

    >>> chat_key("bc-1", 777)
    'bc-1:777'
    """
    return f"{connection_id}:{chat_id}"


def belongs(key: Hashable, connection_id: str) -> bool:
    """Whether a nudge key ``(chat key, start)`` is one of the connection's chats.

    >>> belongs(("bc-1:777", 10.0), "bc-1"), belongs(("bc-10:777", 10.0), "bc-1")
    (True, False)
    """
    return isinstance(key, tuple) and str(key[0]).startswith(f"{connection_id}:")


def sender_role(account: BusinessAccount, *, sender_id: int | None, by_bot: bool) -> str:
    """customer, agent (the owner, a human) or bot (sent for the account by a bot)."""
    if by_bot:
        return "bot"
    if sender_id is not None and sender_id == account.user_id:
        return "agent"
    return "customer"


def auto_reply_on(account: BusinessAccount | None, config: Config) -> bool:
    """The owner's /autoreply choice, else the config's business.auto_reply."""
    if account is None or account.auto_reply is None:
        return config.business.auto_reply
    return account.auto_reply


def may_auto_reply(account: BusinessAccount, config: Config, suggestion: Suggestion) -> bool:
    """Answer the customer for the shop only when allowed, granted and confident."""
    return auto_reply_on(account, config) and account.can_reply and bool(suggestion.matches)


def preview(text: str) -> str:
    """The customer's message as quoted above the copilot's suggestion."""
    return text if len(text) <= PREVIEW else text[:PREVIEW] + "…"


async def conversation_for(db: Storage, key: str, ts: float, idle_gap: float) -> str:
    """``{connection}:{chat}:{n}``: the chat's latest conversation, or the next one after a
    silence longer than the idle gap."""
    latest = await db.latest_conversation(SOURCE, f"{key}:")
    if latest is None:
        return f"{key}:1"
    external_id, last = latest
    number = int(external_id.rsplit(":", 1)[1])
    return f"{key}:{number + 1}" if ts - last > idle_gap else external_id


async def record(
    db: Storage,
    config: Config,
    *,
    key: str,
    message_id: int,
    ts: float,
    role: str,
    sender: str,
    text: str,
    customer: str,
) -> str:
    """Store one message of a Business chat; returns its conversation."""
    conversation = await conversation_for(db, key, ts, config.service_targets.idle_gap_seconds)
    await _store(db, key, conversation, [(message_id, text)], ts, role, sender, customer)
    return conversation


async def record_auto_reply(
    db: Storage,
    *,
    key: str,
    conversation: str,
    sent: Sequence[tuple[int, str]],
    ts: float,
    customer: str,
) -> None:
    """The parts (message id, text) the bot sent for the shop, as role bot: they stop no clock."""
    await _store(db, key, conversation, sent, ts, "bot", "csbot", customer)


async def _store(
    db: Storage,
    key: str,
    conversation: str,
    messages: Sequence[tuple[int, str]],
    ts: float,
    role: str,
    sender: str,
    customer: str,
) -> None:
    """Messages (id, text) of one sender in the chat's timeline, titled with the customer."""
    await db.add_timeline(
        SOURCE,
        [
            TimelineMessage(
                conversation=conversation,
                external_id=f"{key}:{message_id}",
                ts=ts,
                role=role,
                sender=sender,
                agent=sender if role == "agent" else None,
                text=text,
                title=customer,
            )
            for message_id, text in messages
        ],
    )


@dataclass(frozen=True, slots=True)
class Nudge:
    """A reminder to the owner: the customer turn that started at ``start`` is due soon."""

    key: tuple[str, float]  # (chat key, start): one nudge per waiting turn
    conversation: str
    start: float
    when: float  # wall-clock time to nudge
    deadline: float  # wall-clock time the reply is due

    def seconds_left(self, now: float) -> int:
        return max(0, round(self.deadline - now))


async def plan_nudge(
    db: Storage, targets: ServiceTargets, key: str, conversation: str
) -> Nudge | None:
    """The nudge for the conversation's oldest unanswered customer message, None if none waits."""
    hours = targets.hours()
    waiting = open_round(await db.conversation_timeline(SOURCE, conversation), hours)
    if waiting is None:
        return None
    start, first = waiting
    target = targets.first_response_seconds if first else targets.next_response_seconds
    return Nudge(
        key=(key, start),
        conversation=conversation,
        start=start,
        when=due_at(hours, start, target - targets.nudge_before_seconds),
        deadline=due_at(hours, start, target),
    )


async def still_waiting(db: Storage, targets: ServiceTargets, nudge: Nudge) -> bool:
    """Whether the nudge's customer turn is still unanswered when the nudge fires."""
    waiting = open_round(
        await db.conversation_timeline(SOURCE, nudge.conversation), targets.hours()
    )
    return waiting is not None and waiting[0] == nudge.start
