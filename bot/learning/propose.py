"""From stored chats to proposals: what customers ask that the library misses, grouped, with
the agent's reply in that round as the hint of the need.

Pure: rows in, proposals out, in a stable order, so the same history gives the same file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from bot.learning.judge import ReplyJudge
from bot.roles import AGENT, CUSTOMER
from bot.storage import LearningRows
from intents import Intent, Library, Matcher, normalize, phonetic, split_clauses

#: A clause the library matches at least this well is known; below it, it is matched weakly.
STRONG = 0.6
#: Weak guesses: the library's best intent for a clause it does not confidently match.
WEAK_THRESHOLD = 0.3
#: Clauses longer than this are rambling context, not a phrasing worth keeping as an example.
MAX_CHARS = 24
#: Phonetic similarity (rapidfuzz ratio, 0-100) at which two clauses belong to one group.
GROUP_SIMILARITY = 60
#: Syllables the shorter of two clauses needs before a partial alignment may group them, and
#: how close that alignment must be.
MIN_PARTIAL = 4
PARTIAL_SIMILARITY = 85
#: A group is placed when this many rounds' agent replies answered one intent (one, when the
#: library's weak guess says the same) …
MIN_VOTES = 2
#: … and that intent holds this share of the rounds that got a reply.
MIN_SHARE = 0.6
#: Rounds needed when the library has no guess at all for any phrasing of the group.
BLIND_VOTES = 3
#: Against the library's own weak guess the agents must agree more clearly.
OVERRIDE_SHARE = 0.75
#: An agent's reply votes for the intent it answers when the judge is at least this sure.
VOTE_SCORE = 0.6
#: The agent's reply kept as evidence, cut to this many characters.
REPLY_CHARS = 60
_ROWS_PER_BLOCK = 512
# item ids and order numbers, and the masked values JD's web chat pastes ([金额x])
_PLATFORM = re.compile(r"\d{6,}|咨询订单号|(?:金额|日期|地址|姓名|订单|数字|链接|时间|电话)x")
_LINK = re.compile(r"(?:https?://|www\.)\S*|\S+\.(?:com|cn|htm|html)\S*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Asked:
    """One customer message and what followed it."""

    text: str
    reply: str = ""  # the agent's reply in that round; "" when none came
    disliked: tuple[str, ...] = ()  # the intents of a suggestion staff marked 👎


@dataclass(slots=True)
class Evidence:
    """One proposed phrasing and why."""

    example: str  # the clause as the library will hold it (normalised)
    asked: int
    agent_reply: str  # the reply agents gave most often, "" when none
    before: str  # what the library made of it: "shipping 0.51" or "无"
    disliked: int = 0
    votes: Counter[str] = field(default_factory=Counter)  # intent → rounds its reply answered
    topics: Counter[str] = field(default_factory=Counter)  # topic → rounds its reply answered
    replied: int = 0  # rounds that got an agent reply
    guess: str | None = None


@dataclass(slots=True)
class Group:
    id: str
    intent: str | None  # the need when confident, else None (for a person to name)
    guess: str | None  # the best guess for a person
    examples: list[Evidence]
    topic: str | None = None  # the intent's topic the agents' replies answered, if one did

    @property
    def asked(self) -> int:
        return sum(e.asked for e in self.examples)


@dataclass(slots=True)
class Proposals:
    messages: int  # customer messages read
    learned: list[Group]
    unsorted: list[Group]

    @property
    def learned_examples(self) -> int:
        return sum(len(g.examples) for g in self.learned)


def rounds(rows: LearningRows) -> list[Asked]:
    """Customer messages with the first agent reply after them in their conversation.

    >>> rows = LearningRows([(1, 0, "在吗"), (1, 0, "到哪了"), (1, 1, "亲, 明天到")], [])
    >>> [(a.text, a.reply) for a in rounds(rows)]
    [('在吗', '亲, 明天到'), ('到哪了', '亲, 明天到')]
    """
    out: list[Asked] = []
    pending: list[str] = []
    conversation = None
    for conversation_id, role, text in rows.messages:
        if conversation_id != conversation:
            out += [Asked(t) for t in pending]
            pending, conversation = [], conversation_id
        if role == CUSTOMER and text.strip():
            pending.append(text)
        elif role == AGENT and pending and text.strip():
            out += [Asked(t, text) for t in pending]
            pending = []
    out += [Asked(t) for t in pending]
    out += [Asked(text, disliked=intents) for text, intents in rows.disliked]
    return out


class Learner:
    """Finds what the library misses in a history and proposes where it belongs."""

    def __init__(
        self,
        library: Library,
        *,
        values: Mapping[str, object] | None = None,
        threshold: float | None = None,
    ) -> None:
        self.library = library
        # the bot's own threshold (config matcher.threshold): what it abstains on is missed
        self.matcher = Matcher(library, **({"threshold": threshold} if threshold else {}))
        self.strong = max(STRONG, self.matcher.threshold)
        self.weak = Matcher(library, threshold=WEAK_THRESHOLD)
        self.judge = ReplyJudge(library, values)
        self._social = {i.id for i in library.intents if i.social}
        # shops answer with the same quick phrases all day: each reply is judged once
        self._replies: dict[str, list[tuple[str, float]]] = {}
        self._reply_topics: dict[tuple[str, str], str | None] = {}
        # out of scope against everything in scope: small talk and bare acknowledgements that
        # agents answer politely are no need to learn
        asks = tuple(e for i in library.intents for e in i.examples)
        self.scope = Matcher(
            Library(
                id="scope",
                name="scope",
                intents=(
                    Intent("none", library.out_of_scope or ("",), ()),
                    Intent("ask", asks, ()),
                ),
            ),
            threshold=WEAK_THRESHOLD,
        )

    def propose(
        self,
        history: Iterable[Asked],
        *,
        skip: Iterable[str] = (),
        progress: Callable[[int], None] | None = None,
    ) -> Proposals:
        """Proposals for ``history``; clauses in ``skip`` (already reviewed) are left out."""
        skipped = {normalize(s) for s in skip}
        found: dict[str, Evidence] = {}
        reply_counts: dict[str, Counter[str]] = {}
        messages = 0
        for asked in history:
            messages += 1
            if progress is not None:
                progress(1)
            self._read(asked, found, reply_counts, skipped)
        for key, evidence in found.items():
            counts = reply_counts.get(key)
            if counts:
                reply = min(counts.items(), key=lambda item: (-item[1], item[0]))[0]
                evidence.agent_reply = _cut(reply)
        learned, unsorted = self._decide(self._groups(found))
        return Proposals(messages, learned, unsorted)

    # --- reading ------------------------------------------------------------------------------

    def _read(
        self,
        asked: Asked,
        found: dict[str, Evidence],
        reply_counts: dict[str, Counter[str]],
        skipped: set[str],
    ) -> None:
        # a pasted link is no phrasing, and normalising would cut it into a dozen clauses
        clauses = list(dict.fromkeys(split_clauses(normalize(_LINK.sub(" ", asked.text)))))
        known: set[str] = set()
        open_clauses = []
        for clause in clauses:
            matches = self.matcher.match(clause, limit=1)
            if (
                matches
                and matches[0].score >= self.strong
                and matches[0].intent not in asked.disliked
            ):
                known.add(matches[0].intent)
            elif _learnable(clause) and clause not in skipped:
                open_clauses.append((clause, matches))
        if not open_clauses:
            return
        answered: list[str] = []
        topic = None
        if asked.reply:
            if asked.reply not in self._replies:
                self._replies[asked.reply] = self.judge.judge(asked.reply)
            # the reply's needs that another clause of the message already explains are not
            # this clause's
            judged = self._replies[asked.reply]
            answered = [i for i, s in judged if i not in known and s >= VOTE_SCORE]
            if answered:
                key = (asked.reply, answered[0])
                if key not in self._reply_topics:
                    self._reply_topics[key] = self.judge.topic(*key)
                topic = self._reply_topics[key]
        for clause, matches in open_clauses:
            evidence = found.get(clause)
            if evidence is None:
                if self._out_of_scope(clause):
                    continue
                before = f"{matches[0].intent} {matches[0].score:.2f}" if matches else "无"
                weak = self.weak.match(clause, limit=1)
                guess = weak[0].intent if weak else None
                evidence = found[clause] = Evidence(clause, 0, "", before, guess=guess)
            evidence.asked += 1
            evidence.disliked += bool(asked.disliked)
            for intent in asked.disliked:
                evidence.votes[intent] -= 1
            if asked.reply:
                evidence.replied += 1
                reply_counts.setdefault(clause, Counter())[asked.reply] += 1
                if answered:
                    evidence.votes[answered[0]] += 1
                if topic:
                    evidence.topics[topic] += 1

    def _out_of_scope(self, clause: str) -> bool:
        matches = self.scope.match(clause, limit=1)
        return not matches or matches[0].intent == "none"

    # --- grouping and deciding ----------------------------------------------------------------

    def _groups(self, found: dict[str, Evidence]) -> list[list[Evidence]]:
        """Leader clustering on phonetic forms, most asked first: stable for a given history."""
        items = sorted(found.values(), key=lambda e: (-e.asked, e.example))
        if not items:
            return []
        codes = [phonetic(e.example).replace(" ", "") for e in items]
        group_of = np.full(len(items), -1, dtype=np.int64)
        groups: list[list[int]] = []
        lengths = np.array([len(c) for c in codes])
        for start in range(0, len(items), _ROWS_PER_BLOCK):
            rows = codes[start : start + _ROWS_PER_BLOCK]
            whole = process.cdist(
                rows, codes, scorer=fuzz.ratio, score_cutoff=GROUP_SIMILARITY, dtype=np.uint8
            )
            # a longer phrasing that holds a shorter one nearly whole (一擦全是毛 / 一擦全是毛而且
            # 不吸水) is the same ask; two or three syllables (是的) sit inside anything, so
            # short ones are compared whole only
            partial = process.cdist(
                rows,
                codes,
                scorer=fuzz.partial_ratio,
                score_cutoff=PARTIAL_SIMILARITY,
                dtype=np.uint8,
            )
            long_enough = np.minimum.outer(lengths[start : start + len(rows)], lengths)
            block = np.where(long_enough >= MIN_PARTIAL, np.maximum(whole, partial), whole)
            for row, scores in enumerate(block):
                leader = start + row
                if group_of[leader] >= 0:
                    continue
                # the leader is the most asked clause left, and similar to itself
                members = np.flatnonzero((scores > 0) & (group_of < 0))
                group_of[members] = len(groups)
                groups.append(members.tolist())
        return [[items[i] for i in members] for members in groups]

    def _decide(self, groups: list[list[Evidence]]) -> tuple[list[Group], list[Group]]:
        placed: dict[tuple[str, str], list[Evidence]] = {}
        unsorted: list[list[Evidence]] = []
        for members in groups:
            intent = self._need(members)
            if intent is None:
                unsorted.append(members)
                continue
            # a member whose own rounds say otherwise is left for a person
            fits = [e for e in members if not _contradicts(e, intent)]
            placed.setdefault((intent, self._topic(fits, intent)), []).extend(fits)
            if len(fits) < len(members):
                unsorted.append([e for e in members if e not in fits])
        order = {intent.id: n for n, intent in enumerate(self.library.intents)}
        topic_order = {t.id: n for n, t in enumerate(self.library.topics, 1)}

        def place(key: tuple[str, str]) -> tuple[int, int]:
            return order[key[0]], topic_order.get(key[1], 0)

        learned = [
            Group(
                intent,
                intent,
                intent,
                sorted(examples, key=lambda e: (-e.asked, e.example)),
                topic=topic or None,
            )
            for (intent, topic), examples in sorted(placed.items(), key=lambda i: place(i[0]))
        ]
        unsorted.sort(key=lambda m: (-sum(e.asked for e in m), m[0].example))
        return learned, [
            Group(f"g{n}", None, self._guess(members), members)
            for n, members in enumerate(unsorted, 1)
        ]

    def _need(self, members: list[Evidence]) -> str | None:
        votes: Counter[str] = Counter()
        for e in members:
            votes.update(e.votes)
        replied = sum(e.replied for e in members)
        if not votes or not replied:
            return None
        intent, count = min(votes.items(), key=lambda item: (-item[1], item[0]))
        share = count / replied
        guesses = {e.guess for e in members if e.guess}
        # the library's weak guess and the agents agreeing are two voices: one round will do;
        # where the library sees nothing at all (对的, 那怎么搞) the reply may answer the
        # agent's own question of the round before, so it takes more rounds
        needed = 1 if intent in guesses else MIN_VOTES if guesses else BLIND_VOTES
        if count < needed or share < MIN_SHARE:
            return None
        if guesses and intent not in guesses and share < OVERRIDE_SHARE:
            return None
        if intent in self._social and intent not in guesses:
            return None  # agents greet and thank in every round: that alone proves nothing
        return intent

    def _topic(self, members: list[Evidence], intent: str) -> str:
        """The topic most rounds' replies answered, when they agree enough; "" for none."""
        ids = {t.id for t in self.library.intent(intent).topics}
        topics: Counter[str] = Counter()
        for e in members:
            topics.update({t: n for t, n in e.topics.items() if t in ids})
        votes = sum(e.votes.get(intent, 0) for e in members)
        best = min(topics.items(), key=lambda item: (-item[1], item[0]), default=None)
        return best[0] if best and votes > 0 and best[1] / votes >= MIN_SHARE else ""

    @staticmethod
    def _guess(members: list[Evidence]) -> str | None:
        votes: Counter[str] = Counter()
        for e in members:
            votes.update({i: n for i, n in e.votes.items() if n > 0})
            if e.guess:
                votes[e.guess] += 0.5
        best = min(votes.items(), key=lambda item: (-item[1], item[0]), default=None)
        return best[0] if best else None


def _contradicts(evidence: Evidence, intent: str) -> bool:
    if evidence.votes.get(intent, 0) < 0:
        return True  # staff said no to this intent for this phrasing
    mine = {i: n for i, n in evidence.votes.items() if n > 0}
    return bool(mine) and max(mine.values()) > mine.get(intent, 0)


def _learnable(clause: str) -> bool:
    """Short enough to be one phrasing, long enough to say something, in words, and no
    pasted platform line (an item id, a link, a masked 金额x)."""
    plain = clause.replace(" ", "")
    return (
        2 <= len(plain) <= MAX_CHARS
        and any(ch.isalpha() for ch in plain)
        and not _PLATFORM.search(plain)
    )


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= REPLY_CHARS else text[: REPLY_CHARS - 1] + "…"
