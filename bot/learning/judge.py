"""Which intent a reply answers: an agent's reply in a stored chat, or a 千牛 quick phrase.

The library's own replies are examples of the need they answer, so the engine's matcher, built
over them (each reply cut into clauses, with the intents' keywords), reads a shop's reply as it
reads a customer's message.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import replace

from intents import (
    Intent,
    Library,
    Matcher,
    Reply,
    TemplateError,
    normalize,
    render,
    split_clauses,
)

#: A reply clause used by this many intents (亲, 您好, 有问题随时联系) is courtesy, not a need.
_SHARED_BY = 3
#: Replies are long and say more than one thing: a lower bar than for a customer's message.
THRESHOLD = 0.45
#: Shorter reply clauses (好的, 在的, 辛苦) are courtesy in any round.
MIN_CLAUSE = 3


class ReplyJudge:
    """Scores a reply against the replies of a library's intents, then of their topics.

    >>> from intents import load_library
    >>> ReplyJudge(load_library("phrases")).judge("亲，今天下午五点前拍下的当天就发快递哦")[0][0]
    'shipping'
    """

    def __init__(self, library: Library, values: Mapping[str, object] | None = None) -> None:
        self.values = {**library.defaults, **(values or {})}
        self.library = library
        # a topic's replies answer its intent too
        clauses = {
            i.id: self._clauses((*i.replies, *(r for t in i.topics for r in t.replies)))
            for i in library.intents
        }
        self.matcher = _matcher(library, [(i, clauses[i.id]) for i in library.intents])
        self._topics: dict[str, Matcher | None] = {}

    def judge(self, reply: str, *, limit: int = 3) -> list[tuple[str, float]]:
        """The intents the reply answers, best first (a courtesy such as 在的 ranks last)."""
        text = ",".join(_clauses(reply))
        return [(m.intent, m.score) for m in self.matcher.match(text, limit=limit)] if text else []

    def topic(self, reply: str, intent_id: str) -> str | None:
        """The topic of ``intent_id`` the reply answers; None for the intent's general replies
        (or an intent without topics)."""
        if intent_id not in self._topics:
            self._topics[intent_id] = self._topic_matcher(self.library.intent(intent_id))
        matcher = self._topics[intent_id]
        text = ",".join(_clauses(reply))
        if matcher is None or not text:
            return None
        matches = matcher.match(text, limit=1)
        found = matches[0].intent if matches else intent_id
        return None if found == intent_id else found

    def _topic_matcher(self, intent: Intent) -> Matcher | None:
        if not intent.topics:
            return None
        general = Intent(intent.id, (), intent.replies, keywords=())
        classes = [(general, self._clauses(intent.replies))]
        classes += [
            (Intent(t.id, (), t.replies, keywords=t.keywords), self._clauses(t.replies))
            for t in intent.topics
        ]
        return _matcher(self.library, classes)

    def _clauses(self, replies: Iterable[Reply]) -> list[str]:
        out = []
        for reply in replies:
            try:
                out += _clauses(render(reply.text, self.values))
            except TemplateError:
                continue
        return out


def _matcher(library: Library, classes: list[tuple[Intent, list[str]]]) -> Matcher:
    """A matcher whose examples are reply clauses; ones most classes share are courtesy."""
    users = Counter(c for _, found in classes for c in set(found))
    shared = min(_SHARED_BY, max(2, len(classes)))
    intents = tuple(
        replace(intent, examples=tuple(c for c in found if users[c] < shared), topics=())
        for intent, found in classes
    )
    by_replies = replace(
        library,
        intents=tuple(i for i in intents if i.examples),
        out_of_scope=tuple(sorted(c for c, n in users.items() if n >= shared)),
    )
    return Matcher(by_replies, threshold=THRESHOLD)


def _clauses(reply: str) -> list[str]:
    return [c for c in split_clauses(normalize(reply)) if len(c.replace(" ", "")) >= MIN_CLAUSE]
