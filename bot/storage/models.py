"""The plain values storage takes and gives: no SQL, no driver."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SKILLS = ("speed", "typing", "content", "tone", "compliance")


@dataclass(frozen=True, slots=True)
class TimelineMessage:
    """One customer, agent or bot message of a conversation, as imported or seen live."""

    conversation: str  # the conversation's external id within its source
    external_id: str
    ts: float
    role: str  # customer | agent | bot
    sender: str = ""
    agent: str | None = None  # for role agent: who answered
    text: str = ""
    title: str | None = None  # the conversation's display name


@dataclass(frozen=True, slots=True)
class Timeline:
    """Columns for the response-time maths, sorted by (conversation, ts)."""

    conversation: np.ndarray  # int64
    ts: np.ndarray  # float64 unix seconds
    role: np.ndarray  # int64 role codes
    agent: np.ndarray  # int64 agent id, -1 for none


@dataclass(frozen=True, slots=True)
class BusinessAccount:
    """A Telegram Business account connected to the bot, as its last business_connection said."""

    id: str
    user_id: int
    user_chat_id: int
    can_reply: bool
    is_enabled: bool
    auto_reply: bool | None = None  # None: the config's business.auto_reply decides


@dataclass(frozen=True, slots=True)
class Exchange:
    id: int
    chat_id: int
    user_id: int | None
    library: str
    text: str
    intents: tuple[tuple[str, float], ...]
    tone: str
    received_at: float
    replied_at: float | None
    latency_ms: float | None
    reply: str | None
    variant: int
    feedback: int | None
    bot_message_id: int | None


@dataclass(frozen=True, slots=True)
class LearningRows:
    """What csbot learn reads: every stored chat message in timeline order, and the customer
    messages whose suggestion staff marked 👎 with the intents it had."""

    messages: list[tuple[int, int, str]]  # (conversation id, role code, text)
    disliked: list[tuple[str, tuple[str, ...]]]
