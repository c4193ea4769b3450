"""Topic choice: once a clause's intent is known, which of that intent's specific questions it asks.

Each intent with topics gets a small index of its own examples, general and per topic, weighted
by how well a feature tells the intent's topics apart (idf within the intent, not the library).
A clause is given the topic whose nearest example and keywords fit it clearly better than the
intent's general phrasings; otherwise no topic, and the intent's general replies answer it.
"""

from __future__ import annotations

import heapq
import itertools
import math
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from intents.library import Intent, Library, Topic
from intents.normalize import normalize
from intents.phonetic import phonetic
from intents.segment import Segmenter

__all__ = [
    "DEFAULT_MARGIN",
    "DEFAULT_MIN_SCORE",
    "TopicChoice",
    "TopicChooser",
]

#: A topic needs at least this score to be chosen ...
DEFAULT_MIN_SCORE = 0.42
#: ... and this lead over the intent's general phrasings, else the clause gets general replies.
DEFAULT_MARGIN = 0.04
#: How much a topic keyword found in the clause counts, by its length (one character says little).
_KEYWORD_EVIDENCE = (0.0, 0.2, 0.6, 0.7, 0.75)
_GENERAL = -1
#: How many nearest examples (by weighted overlap) rapidfuzz scores per clause.
_CANDIDATES = 12
_STOP_SHARE = 0.1


@dataclass(frozen=True, slots=True)
class TopicChoice:
    """The topic of one clause and the evidence for it."""

    topic: Topic
    score: float
    example: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Entry:
    text: str
    code: str
    owner: int  # index into the intent's topics, or _GENERAL
    features: frozenset[str]


class _IntentIndex:
    def __init__(self, intent: Intent, segmenter: Segmenter) -> None:
        self.topics = intent.topics
        self.segmenter = segmenter
        owners: dict[str, int] = {}
        for k, topic in enumerate(intent.topics):
            for example in topic.examples:
                owners.setdefault(normalize(example), k)
        # an intent example that is also a topic's belongs to the topic, not to the general pool;
        # so does one that holds a topic's keyword (怎么还不发 is the 催发货 question)
        keywords = sorted(
            ((normalize(k), n) for n, t in enumerate(intent.topics) for k in t.keywords),
            key=lambda kn: -len(kn[0]),
        )
        for example in map(normalize, intent.examples):
            if example not in owners:
                owners[example] = next((n for k, n in keywords if k and k in example), _GENERAL)
        self.entries: list[_Entry] = []
        for text, owner in owners.items():
            code, features = self.features(text)
            if features:
                self.entries.append(_Entry(text, code, owner, features))
        df: dict[str, int] = {}
        for entry in self.entries:
            for f in entry.features:
                df[f] = df.get(f, 0) + 1
        n = len(self.entries)
        # features in over a tenth of the intent's examples (吗, 的, 这款) tell no topic apart,
        # and their long posting lists cost the most: they weigh nothing
        stop = max(3, _STOP_SHARE * n)
        self.idf = {f: math.log((n + 1) / (c + 0.5)) if c <= stop else 0.0 for f, c in df.items()}
        self.unseen = math.log((n + 1) / 0.5)
        self.postings: dict[str, list[int]] = {}
        for e, entry in enumerate(self.entries):
            for f in entry.features:
                if self.idf[f]:
                    self.postings.setdefault(f, []).append(e)
        self.norms = [sum(self.idf[f] for f in entry.features) for entry in self.entries]
        self.keywords = [
            tuple(dict.fromkeys(k for k in map(normalize, t.keywords) if k)) for t in self.topics
        ]

    def features(self, text: str) -> tuple[str, frozenset[str]]:
        code = phonetic(text).replace(" ", "")
        words = [w for w in self.segmenter.cut(text) if len(w) > 1]
        chars = [ch for ch in text if ch > "\u2e7f" or ch.isalnum()]
        # characters on their own only for a one-character clause: bigrams carry the rest
        features = {"c" + ch for ch in chars} if len(chars) < 2 else set()
        features.update("b" + a + b for a, b in itertools.pairwise(chars))
        features.update("p" + code[i : i + 2] for i in range(len(code) - 1))
        features.update("w" + w for w in words)
        return code, frozenset(features)

    def choose(
        self, text: str, min_score: float, margin: float
    ) -> tuple[int, float, str, tuple[str, ...]] | None:
        code, features = self.features(text)
        if not features:
            return None
        idf = self.idf
        query = sum(idf.get(f, self.unseen) for f in features)
        overlap: dict[int, float] = {}
        postings = self.postings
        for f in features:
            weight = idf.get(f)
            if not weight:
                continue
            for e in postings[f]:
                overlap[e] = overlap.get(e, 0.0) + weight
        best: dict[int, tuple[float, int]] = {}
        if overlap:
            scored = heapq.nlargest(_CANDIDATES, overlap, key=overlap.__getitem__)
            ratios = process.cdist(
                [code], [self.entries[e].code for e in scored], scorer=fuzz.ratio
            )
            for e, ratio in zip(scored, ratios[0].tolist(), strict=True):
                f1 = 2 * overlap[e] / (self.norms[e] + query)
                similarity = 0.75 * f1 + 0.25 * ratio / 100
                owner = self.entries[e].owner
                if similarity > best.get(owner, (-1.0, -1))[0]:
                    best[owner] = (similarity, e)
        general = best.get(_GENERAL, (0.0, -1))[0]
        winner: tuple[float, int, tuple[str, ...]] | None = None
        for k, keywords in enumerate(self.keywords):
            hits = tuple(kw for kw in keywords if kw in text)
            similarity = best.get(k, (0.0, -1))[0]
            evidence = max((_KEYWORD_EVIDENCE[min(len(h), 4)] for h in hits), default=0.0)
            score = 1 - (1 - similarity) * (1 - evidence)
            if winner is None or score > winner[0]:
                winner = (score, k, hits)
        if winner is None:
            return None
        score, k, hits = winner
        if score < min_score or score < general + margin:
            return None
        e = best.get(k, (0.0, -1))[1]
        return k, round(score, 3), self.entries[e].text if e >= 0 else "", hits


class TopicChooser:
    """Chooses the topic of a clause within its intent.

    >>> from intents.library import load_library
    >>> chooser = TopicChooser(load_library("phrases"))
    >>> chooser.choose("size", "帮我看看") is None
    True
    """

    def __init__(
        self,
        library: Library,
        *,
        segmenter: Segmenter | None = None,
        min_score: float = DEFAULT_MIN_SCORE,
        margin: float = DEFAULT_MARGIN,
        cache_size: int = 4096,
    ) -> None:
        terms = [*library.terms, *(k for t in library.topics for k in t.keywords)]
        terms += [k for i in library.intents for k in i.keywords]
        self.segmenter = segmenter or Segmenter(terms)
        self.min_score = min_score
        self.margin = margin
        # built on first use, intent by intent: start-up pays only for what is asked
        self._intents = {i.id: i for i in library.intents if i.topics}
        self._indexes: dict[str, _IntentIndex] = {}
        self._choose = (
            lru_cache(maxsize=cache_size)(self._choose_uncached)
            if cache_size
            else (self._choose_uncached)
        )

    def choose(self, intent: str, clause: str) -> TopicChoice | None:
        """The topic of ``clause`` (normalised text) within ``intent``, or None for no clear one."""
        return self._choose(intent, clause)

    def _choose_uncached(self, intent: str, clause: str) -> TopicChoice | None:
        index = self._indexes.get(intent)
        if index is None:
            if intent not in self._intents:
                return None
            index = self._indexes[intent] = _IntentIndex(self._intents[intent], self.segmenter)
        found = index.choose(clause, self.min_score, self.margin)
        if found is None:
            return None
        k, score, example, keywords = found
        return TopicChoice(index.topics[k], score, example, keywords)
