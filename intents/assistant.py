"""From a message to replies ready to send: match, choose the variants, render."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from intents.library import TONES, Library, LibraryError, Reply, check_replies
from intents.matcher import Match, Matcher
from intents.normalize import normalize
from intents.render import render

_cue = lru_cache(maxsize=4096)(normalize)


@dataclass(frozen=True, slots=True)
class Suggestion:
    text: str
    matches: tuple[Match, ...]
    replies: tuple[str, ...]  # rendered, best first

    @property
    def intents(self) -> tuple[str, ...]:
        return tuple(m.intent for m in self.matches)


class Assistant:
    """Suggests rendered replies for a customer message.

    >>> from intents.library import load_library
    >>> Assistant(load_library("phrases")).suggest("包邮吗").intents
    ('price',)
    """

    def __init__(
        self,
        library: Library,
        *,
        values: Mapping[str, object] | None = None,
        matcher: Matcher | None = None,
        tone: str = TONES[0],
        count: int = 3,
    ) -> None:
        self.library = library
        self.values = {**library.defaults, **(values or {})}
        problems = check_replies(library, self.values)
        if problems:
            raise LibraryError(problems)
        self.matcher = matcher or Matcher(library)
        self.tone = tone
        self.count = count

    def suggest(
        self, text: str, *, tone: str | None = None, count: int | None = None, variant: int = 0
    ) -> Suggestion:
        """Replies for ``text``; ``variant`` rotates through the alternatives (换一个)."""
        matches = tuple(self.matcher.match(text))
        tone = tone or self.tone
        count = count or self.count
        if not matches:
            options = self._ordered(self.library.fallback, tone, "")
            return Suggestion(text, (), self._pick(options, count, variant))
        in_order = sorted(matches, key=lambda m: m.position)
        per_intent = [
            self._ordered(self.library.intent(m.intent).replies, tone, m.clause) for m in in_order
        ]
        replies: list[str] = []
        if len(per_intent) > 1:
            # one draft that answers every need, in the order the customer asked them
            parts = [
                self._draft_part(options, variant, last=n == len(per_intent) - 1)
                for n, options in enumerate(per_intent)
            ]
            replies.append("".join(parts))
        picks = [self._pick(options, count, variant) for options in per_intent]
        for rank in range(count):  # then each need's best reply, turn by turn
            replies += [p[rank] for p in picks if rank < len(p)]
        return Suggestion(text, matches, tuple(dict.fromkeys(replies))[:count])

    def replies_for(self, intent_id: str, *, tone: str | None = None) -> list[str]:
        """Every reply of an intent, rendered, the given tone first."""
        replies = self.library.intent(intent_id).replies
        return [self.render(r) for r in self._ordered(replies, tone or self.tone, "")]

    def render(self, reply: Reply) -> str:
        return render(reply.text, self.values)

    def _draft_part(self, options: list[Reply], variant: int, *, last: bool) -> str:
        """One intent's part of a stitched draft; only the last part may end on a question."""
        rotated = options[variant % len(options) :] + options[: variant % len(options)]
        texts = [self.render(r).strip() for r in rotated]
        if not last:
            texts.sort(key=lambda t: t[-1] in "?？")  # stable: keeps the rotation otherwise
        text = texts[0]
        return text if text[-1] in "。!?~！？～." else text + "。"

    def _pick(self, options: list[Reply], count: int, variant: int) -> tuple[str, ...]:
        if not options:
            return ()
        start = variant % len(options)
        rotated = options[start:] + options[:start]
        return tuple(self.render(r) for r in rotated[:count])

    @staticmethod
    def _ordered(replies: tuple[Reply, ...], tone: str, clause: str) -> list[Reply]:
        """The wanted tone first; within it, replies whose tags (cue words such as 包邮, 贵,
        优惠券) appear in what the customer wrote come first."""

        def relevance(reply: Reply) -> int:
            return sum(1 for tag in reply.tags if _cue(tag) in clause)

        indexed = list(enumerate(replies))
        indexed.sort(key=lambda item: (item[1].tone != tone, -relevance(item[1]), item[0]))
        return [reply for _, reply in indexed]
