"""Match a customer message to the intents of a library: normalise → segment → index → score."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from rapidfuzz import fuzz, process

from intents.library import Library
from intents.normalize import normalize
from intents.phonetic import phonetic
from intents.segment import Segmenter

#: Below this score a clause has no intent and the assistant asks the customer to clarify.
DEFAULT_THRESHOLD = 0.62
#: How many nearest examples (by weighted feature overlap) rapidfuzz scores for each clause.
DEFAULT_CANDIDATES = 48
#: A message is matched clause by clause; past this many clauses the rest is context, not asks.
MAX_CLAUSES = 8
#: Features in more than this share of examples (吗, 的, 我) say nothing about the intent.
_STOP_SHARE = 0.25

_CONNECTORS = re.compile(r"(?:还有|另外|顺便|再问一下|再问下|再问问|以及|然后呢|对了|此外)")
_OUT = -1  # intent index of out-of-scope examples


@dataclass(frozen=True, slots=True)
class Match:
    """One need found in a message, with why it was chosen."""

    intent: str
    score: float
    clause: str
    example: str
    shared: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    runner_up: str | None = None
    runner_up_score: float = 0.0
    position: int = 0  # index of the clause in the message, for answering needs in order


@dataclass(frozen=True, slots=True)
class _Clause:
    text: str
    code: str
    words: tuple[str, ...]


def split_clauses(text: str) -> list[str]:
    """Split normalised text into the clauses that can each carry one need.

    >>> split_clauses("包邮吗,几天能到 另外有发票吗")
    ['包邮吗', '几天能到', '有发票吗']
    """
    text = _CONNECTORS.sub(",", text)
    parts = []
    for piece in text.split(","):
        # a space between two Chinese runs separates asks (在吗 这件能便宜吗); one next to Latin
        # or digits usually does not (170 60kg)
        parts += re.split(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", piece)
    return [p.strip() for p in parts if p.strip()][:MAX_CLAUSES]


class Matcher:
    """Scores messages against every example of a library, through an inverted index.

    >>> from intents.library import load_library
    >>> [m.intent for m in Matcher(load_library("phrases")).match("包邮吗?几天能到")]
    ['price', 'shipping']
    """

    def __init__(
        self,
        library: Library,
        *,
        segmenter: Segmenter | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        candidates: int = DEFAULT_CANDIDATES,
    ) -> None:
        self.library = library
        self.threshold = threshold
        self.candidates = candidates
        terms = [*library.terms, *(k for i in library.intents for k in i.keywords)]
        self.segmenter = segmenter or Segmenter(terms)
        self._ids = library.intent_ids
        self._build_examples()
        self._build_keywords()

    # --- building ---------------------------------------------------------------------------

    def _build_examples(self) -> None:
        texts: list[str] = []
        owners: list[int] = []
        codes: list[str] = []
        words: list[tuple[str, ...]] = []
        labelled = [(k, e) for k, i in enumerate(self.library.intents) for e in i.examples]
        labelled += [(_OUT, e) for e in self.library.out_of_scope]
        for owner, example in labelled:
            clause = self._clause(normalize(example))
            if not clause.code:
                continue
            texts.append(example)
            owners.append(owner)
            codes.append(clause.code)
            words.append(clause.words)
        self._texts, self._codes, self._words = texts, codes, words
        self._owners = np.array(owners, dtype=np.int32)
        feature_ids: dict[str, int] = {}
        rows: list[list[int]] = []
        for code, ws in zip(codes, words, strict=True):
            rows.append([feature_ids.setdefault(f, len(feature_ids)) for f in _features(code, ws)])
        n = len(codes)
        df = np.zeros(len(feature_ids), dtype=np.int64)
        for row in rows:
            df[row] += 1
        self._idf = np.log((n + 1) / (df + 0.5)).astype(np.float64)
        stop = df > max(3, _STOP_SHARE * n)
        self._idf[stop] = 0.0
        postings: list[list[int]] = [[] for _ in feature_ids]
        for e, row in enumerate(rows):
            for f in row:
                postings[f].append(e)
        self._feature_ids = feature_ids
        self._postings = [np.array(p, dtype=np.int32) for p in postings]
        self._norms = np.array([self._idf[row].sum() for row in rows], dtype=np.float64)
        self._norms[self._norms == 0] = 1.0

    def _build_keywords(self) -> None:
        # keyed by first code character, for a left-to-right scan of each clause
        self._keywords: dict[str, list[tuple[str, int, str]]] = {}
        for k, intent in enumerate(self.library.intents):
            for keyword in intent.keywords:
                code = phonetic(normalize(keyword))
                if code:
                    self._keywords.setdefault(code[0], []).append((code, k, keyword))
        for entries in self._keywords.values():
            entries.sort(key=lambda entry: -len(entry[0]))

    def _clause(self, text: str) -> _Clause:
        words = tuple(self.segmenter.cut(text)) if text else ()
        return _Clause(text, phonetic(text).replace(" ", ""), words)

    # --- matching ---------------------------------------------------------------------------

    def match(self, text: str, *, limit: int = 3) -> list[Match]:
        """The needs in ``text``, best first; ``[]`` when nothing is confidently matched."""
        found: dict[str, Match] = {}
        for position, clause_text in enumerate(split_clauses(normalize(text))):
            for m in self._match_clause(self._clause(clause_text), position):
                if m.intent not in found:
                    found[m.intent] = m
                elif m.score > found[m.intent].score:
                    found[m.intent] = replace(m, position=found[m.intent].position)
        return sorted(found.values(), key=lambda m: -m.score)[:limit]

    def scores(self, text: str) -> dict[str, float]:
        """Every intent's score for ``text`` taken as one clause (for tuning and explanations)."""
        clause = self._clause(normalize(text))
        per_intent, _, _ = self._score(clause)
        return {self._ids[k]: s for k, (s, _) in per_intent.items()}

    def _match_clause(self, clause: _Clause, position: int = 0) -> list[Match]:
        if not clause.code:
            return []
        per_intent, best_out, hits = self._score(clause)
        ranked = sorted(per_intent.items(), key=lambda item: -item[1][0])
        if not ranked:
            return []
        (k, (score, e)), *rest = ranked
        if score < self.threshold or (best_out >= score and k not in hits):
            return []
        runner = rest[0] if rest else None
        return [
            Match(
                intent=self._ids[k],
                score=round(score, 3),
                clause=clause.text,
                example=self._texts[e] if e >= 0 else "",
                shared=tuple(w for w in clause.words if e >= 0 and w in self._words[e]),
                keywords=tuple(hits.get(k, ())),
                runner_up=self._ids[runner[0]] if runner else None,
                runner_up_score=round(runner[1][0], 3) if runner else 0.0,
                position=position,
            )
        ]

    def _score(
        self, clause: _Clause
    ) -> tuple[dict[int, tuple[float, int]], float, dict[int, list[str]]]:
        """Per intent: (score, best example); the best out-of-scope similarity; keyword hits."""
        nearest, similarity = self._nearest(clause)
        best: dict[int, tuple[float, int]] = {}
        best_out = 0.0
        for e, sim in zip(nearest, similarity, strict=True):
            owner = int(self._owners[e])
            if owner == _OUT:
                best_out = max(best_out, sim)
            elif owner not in best or sim > best[owner][0]:
                best[owner] = (sim, int(e))
        hits = self._keyword_hits(clause)
        for k, words in hits.items():
            evidence = max(_keyword_weight(w) for w in words)
            sim, e = best.get(k, (0.0, -1))
            best[k] = (1 - (1 - sim) * (1 - evidence), e)
        return best, best_out, hits

    def _nearest(self, clause: _Clause) -> tuple[Sequence[int], Sequence[float]]:
        ids = [self._feature_ids.get(f) for f in _features(clause.code, clause.words)]
        ids = [f for f in ids if f is not None and self._idf[f] > 0]
        if not ids:
            return [], []
        postings = [self._postings[f] for f in ids]
        weights = np.repeat(self._idf[ids], [len(p) for p in postings])
        overlap = np.bincount(np.concatenate(postings), weights=weights, minlength=len(self._norms))
        query_norm = float(self._idf[ids].sum()) or 1.0
        recall = overlap / self._norms
        precision = overlap / query_norm
        f1 = 2 * recall * precision / np.maximum(recall + precision, 1e-9)
        k = min(self.candidates, int(np.count_nonzero(f1)))
        if k == 0:
            return [], []
        top = np.argpartition(-f1, k - 1)[:k]
        ratios = process.cdist(
            [clause.code], [self._codes[e] for e in top], scorer=fuzz.ratio, dtype=np.float32
        )[0]
        similarity = 0.5 * f1[top] + 0.5 * ratios / 100.0
        return top.tolist(), similarity.tolist()

    def _keyword_hits(self, clause: _Clause) -> dict[int, list[str]]:
        hits: dict[int, list[str]] = {}
        code, i = clause.code, 0
        while i < len(code):
            step = 1
            for kw_code, k, keyword in self._keywords.get(code[i], ()):
                if code.startswith(kw_code, i) and (len(kw_code) > 1 or keyword in clause.text):
                    hits.setdefault(k, []).append(keyword)
                    step = len(kw_code)
                    break
            i += step
        return hits


def _features(code: str, words: Sequence[str]) -> set[str]:
    features = set(code)
    features.update(code[i : i + 2] for i in range(len(code) - 1))
    for word in words:
        if len(word) > 1:
            features.add("w" + phonetic(word))
    return features


def _keyword_weight(keyword: str) -> float:
    """Evidence a keyword gives: longer cue words are more specific."""
    return min(0.9, 0.45 + 0.15 * len(keyword))


