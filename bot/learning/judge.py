"""Which intent a reply answers: an agent's reply in a stored chat, or a 千牛 quick phrase.

The library's own replies are examples of the need they answer, so the engine's matcher, built
over them (each reply cut into clauses, with the intents' keywords), reads a shop's reply as it
reads a customer's message.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace

from intents import Library, Matcher, TemplateError, normalize, render, split_clauses

#: A reply clause used by this many intents (亲, 您好, 有问题随时联系) is courtesy, not a need.
_SHARED_BY = 3
#: Replies are long and say more than one thing: a lower bar than for a customer's message.
THRESHOLD = 0.45
#: Shorter reply clauses (好的, 在的, 辛苦) are courtesy in any round.
MIN_CLAUSE = 3


class ReplyJudge:
    """Scores a reply against the replies of a library's intents.

    >>> from intents import load_library
    >>> ReplyJudge(load_library("phrases")).judge("亲，今天下午五点前拍下的当天就发快递哦")[0][0]
    'shipping'
    """

    def __init__(self, library: Library, values: Mapping[str, object] | None = None) -> None:
        values = {**library.defaults, **(values or {})}
        clauses: dict[str, list[str]] = {}
        for intent in library.intents:
            for reply in intent.replies:
                try:
                    text = render(reply.text, values)
                except TemplateError:
                    continue
                clauses[intent.id] = [*clauses.get(intent.id, []), *_clauses(text)]
        users = Counter(c for found in clauses.values() for c in set(found))
        courtesy = sorted(c for c, n in users.items() if n >= _SHARED_BY)
        intents = tuple(
            replace(i, examples=tuple(c for c in clauses.get(i.id, ()) if users[c] < _SHARED_BY))
            for i in library.intents
        )
        by_replies = replace(
            library,
            intents=tuple(i for i in intents if i.examples),
            out_of_scope=tuple(courtesy),
        )
        self.matcher = Matcher(by_replies, threshold=THRESHOLD)

    def judge(self, reply: str, *, limit: int = 3) -> list[tuple[str, float]]:
        """The intents the reply answers, best first (a courtesy such as 在的 ranks last)."""
        text = ",".join(_clauses(reply))
        return [(m.intent, m.score) for m in self.matcher.match(text, limit=limit)] if text else []


def _clauses(reply: str) -> list[str]:
    return [c for c in split_clauses(normalize(reply)) if len(c.replace(" ", "")) >= MIN_CLAUSE]
