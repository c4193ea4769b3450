"""Conversation context: the current product and the last needs carry over within one chat, so a
follow-up that only names a colour, a size or another product (那XL呢, 黑色呢, 那件大衣呢)
re-asks the previous question about it."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from intents.facts import Measures

__all__ = [
    "DEFAULT_IDLE_SECONDS",
    "Conversation",
    "Need",
    "carried",
    "is_follow_up",
]

#: A conversation forgets its product and last question after this much silence.
DEFAULT_IDLE_SECONDS = 30 * 60
# what is left of a follow-up once its colour, size, product and measures are taken out
_FOLLOW_UP_REST = re.compile(r"[那这个件款的呢码号还要呀啊吧换成如果是色么就 ,?]+")
# words that make a message a question of its own when it also matched a need (黑色有吗)
_OWN_QUESTION = re.compile(r"[有没吗]+")
_FOLLOW_UP_MAX = 16


@dataclass(frozen=True, slots=True)
class Need:
    """One need of a message, with what it was about: the thing a follow-up re-asks."""

    intent: str
    topic: str | None = None
    color: str | None = None
    size: str | None = None
    measures: Measures = field(default_factory=Measures)


@dataclass
class Conversation:
    """What one chat remembers between messages.

    ``private`` is a staff member's own chat with the bot, where messages of several customers
    are pasted: there only a product set by /product or by a pasted link carries over, and no
    question does.
    """

    idle_seconds: float = DEFAULT_IDLE_SECONDS
    private: bool = False
    clock: Callable[[], float] = time.monotonic
    product_id: str | None = None
    product_source: str = ""  # where the remembered product came from, for staff to see
    needs: tuple[Need, ...] = ()
    last_seen: float | None = None

    def touch(self) -> None:
        """Forget everything (but a pinned private product) after the idle time."""
        now = self.clock()
        if self.last_seen is not None and now - self.last_seen > self.idle_seconds:
            self.needs = ()
            if not self.private:
                self.product_id = None
        self.last_seen = now

    def remember(
        self, product_id: str | None, needs: tuple[Need, ...], *, pinned: bool, source: str = ""
    ) -> None:
        if product_id is not None and (pinned or not self.private):
            if product_id != self.product_id:
                self.product_source = source
            self.product_id = product_id
        if needs and not self.private:
            self.needs = needs

    def set_product(self, product_id: str | None, *, source: str = "/product") -> None:
        """/product ID (or /product off: None)."""
        self.product_id = product_id
        self.product_source = source if product_id else ""
        self.last_seen = self.clock()


def is_follow_up(text: str, mentions: list[str], *, asks: bool = False) -> bool:
    """Whether a normalised message only names things (那XL呢, 黑色的呢) and asks nothing new;
    ``asks``: the matcher found a need in it, so 有/吗 make it a question of its own.

    >>> is_follow_up("那xl呢", ["xl"]), is_follow_up("xl有什么颜色", ["xl"])
    (True, False)
    """
    if not mentions or len(text) > _FOLLOW_UP_MAX:
        return False
    rest = text
    for mention in sorted(mentions, key=len, reverse=True):
        rest = rest.replace(mention, " ")
    rest = _FOLLOW_UP_REST.sub("", rest)
    if not asks:
        rest = _OWN_QUESTION.sub("", rest)
    return not rest.strip()


def carried(previous: tuple[Need, ...], **slots: object) -> tuple[Need, ...]:
    """The previous needs, re-asked with the slots the follow-up named."""
    changes = {k: v for k, v in slots.items() if v}
    out = []
    for need in previous:
        update = dict(changes)
        if "measures" in update:
            update["measures"] = need.measures.merged(update["measures"])  # type: ignore[arg-type]
        out.append(replace(need, **update))  # type: ignore[arg-type]
    return tuple(out)
