"""Match a customer message to the intents of a library: normalise → segment → index → score."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
from rapidfuzz import fuzz, process

from intents.library import Library
from intents.normalize import normalize
from intents.phonetic import phonetic
from intents.segment import Segmenter

#: Below this score a clause has no intent and the assistant asks the customer to clarify.
DEFAULT_THRESHOLD = 0.62
#: How much the nearest example, the intent's feature profile and its keywords each count.
DEFAULT_WEIGHTS = (0.6, 1.5, 1.0)
#: How many nearest examples (by weighted feature overlap) rapidfuzz scores for each clause.
DEFAULT_CANDIDATES = 48
#: A message is matched clause by clause; past this many clauses the rest is context, not asks.
MAX_CLAUSES = 8
#: Up to this many examples one dense pass over all of them beats sorting the postings.
_DENSE_LIMIT = 20_000
#: Features in more than this share of examples (吗, 的, 我) say nothing about the intent.
_STOP_SHARE = 0.25

# a connector starts a new ask only at a clause start or after a question ends (吗/呢/了…);
# in 还有货吗 or l码还有没有, 还有 is the question itself
_CONNECTORS = re.compile(
    r"(?:^|(?<=[吗呢吧啊呀嘛的了, ]))(?:还有就是|还有|另外|顺便问下|顺便问一下|顺便|再问一下|再问下|以及|对了|此外)"
)
# 吗 ends a question; buyers often type the next one straight after it (有优惠吗什么时候发)
_QUESTION_END = re.compile(r"(?<=[\u4e00-\u9fff]吗)(?=[\u4e00-\u9fffa-z0-9]{2})")


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
    text = _QUESTION_END.sub(",", _CONNECTORS.sub(",", text))
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
        weights: tuple[float, float, float] = DEFAULT_WEIGHTS,
    ) -> None:
        self.library = library
        self.threshold = threshold
        self.candidates = candidates
        self.weights = weights
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
        labelled += [(len(self._ids), e) for e in self.library.out_of_scope]  # the last class
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
            features = _features(_Clause("", code, ws))
            rows.append([feature_ids.setdefault(f, len(feature_ids)) for f in features])
        n = len(codes)
        df = np.zeros(len(feature_ids), dtype=np.int64)
        for row in rows:
            df[row] += 1
        self._idf = np.log((n + 1) / (df + 0.5)).astype(np.float64)
        stop = df > max(3, _STOP_SHARE * n)
        self._idf[stop] = 0.0
        names = list(feature_ids)
        postings: list[list[int]] = [[] for _ in feature_ids]
        for e, row in enumerate(rows):
            for f in row:
                postings[f].append(e)
        self._feature_ids = feature_ids
        # single syllables are kept for the profile but too common to retrieve examples by
        self._retrieves = np.array([len(f) > 1 for f in feature_ids], dtype=bool)
        self._postings = [np.array(p, dtype=np.intp) for p in postings]
        self._posting_weights = [np.full(len(p), w) for p, w in zip(postings, self._idf, strict=True)]
        self._norms = np.array(
            [sum(self._idf[f] for f in row if len(names[f]) > 1) or 1.0 for row in rows]
        )
        # how strongly each feature speaks for each intent (last column: out of scope),
        # smoothed so a feature seen once is not taken as proof
        classes = len(self._ids) + 1
        counts = np.zeros((len(feature_ids), classes), dtype=np.float64)
        for owner, row in zip(self._owners, rows, strict=True):
            counts[row, owner] += 1.0
        self._profile = (counts + 0.1) / (counts.sum(axis=1, keepdims=True) + 0.1 * classes)
        self._unseen_idf = float(np.log((n + 1) / 0.5))

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
        clauses = dict.fromkeys(split_clauses(normalize(text)))  # a pasted repeat is one ask
        for position, clause_text in enumerate(clauses):
            for m in self._match_clause(self._clause(clause_text), position):
                if m.intent not in found:
                    found[m.intent] = m
                elif m.score > found[m.intent].score:
                    found[m.intent] = replace(m, position=found[m.intent].position)
        return sorted(found.values(), key=lambda m: -m.score)[:limit]

    def scores(self, text: str) -> dict[str, float]:
        """Every intent's score for ``text`` taken as one clause (for tuning and explanations)."""
        score, _, _ = self._score(self._clause(normalize(text)))
        return {intent: float(s) for intent, s in zip(self._ids, score, strict=False)}

    def _match_clause(self, clause: _Clause, position: int = 0) -> list[Match]:
        if not clause.code:
            return []
        score, example, hits = self._score(clause)
        out_of_scope = score[-1]
        score = score[:-1]
        k, runner = np.argsort(-score)[:2].tolist()
        best = float(score[k])
        if best < self.threshold or (out_of_scope >= best and k not in hits):
            return []
        e = int(example[k])
        return [
            Match(
                intent=self._ids[k],
                score=round(best, 3),
                clause=clause.text,
                example=self._texts[e] if e >= 0 else "",
                shared=tuple(w for w in clause.words if e >= 0 and w in self._words[e]),
                keywords=tuple(hits.get(k, ())),
                runner_up=self._ids[runner],
                runner_up_score=round(float(score[runner]), 3),
                position=position,
            )
        ]

    def _score(self, clause: _Clause) -> tuple[np.ndarray, np.ndarray, dict[int, list[str]]]:
        """Per class (the intents, then out of scope): score, nearest example; keyword hits.

        Three kinds of evidence, each in [0, 1], combine as independent votes
        (1 - Π(1 - evidence)): the nearest example's similarity, the intent's feature profile
        and the intent's keywords.
        """
        w_knn, w_profile, w_keywords = self.weights
        classes = len(self._ids) + 1
        evidence = np.zeros((3, classes))
        example = np.full(classes, -1)
        features = _features(clause)
        known = [f for f in map(self._feature_ids.get, features) if f is not None]
        ids = np.array(known, dtype=np.intp)
        ids = ids[self._idf[ids] > 0]
        if len(ids):
            weights = self._idf[ids]
            unseen = (len(features) - len(known)) * self._unseen_idf
            evidence[1] = weights @ self._profile[ids] * (w_profile / (weights.sum() + unseen))
            retrieving = ids[self._retrieves[ids]]
            if not len(retrieving):
                retrieving = ids
            nearest, sims = self._nearest(clause, retrieving, float(self._idf[retrieving].sum()))
            # ascending, so each class's best example is written last and wins
            order = np.argsort(sims)
            owners = self._owners[nearest[order]]
            evidence[0, owners] = sims[order] * w_knn
            example[owners] = nearest[order]
        hits = self._keyword_hits(clause)
        for k, words in hits.items():
            evidence[2, k] = max(map(_keyword_weight, words)) * w_keywords
        np.minimum(evidence, 1.0, out=evidence)
        return 1.0 - (1.0 - evidence).prod(axis=0), example, hits

    def _nearest(
        self, clause: _Clause, ids: np.ndarray, query_norm: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """The examples nearest to the clause, and their similarity in [0, 1].

        The inverted index gives every example's weighted feature overlap with the clause at
        once (F1 of overlap against both sides); rapidfuzz then scores the best candidates.
        """
        postings = np.concatenate([self._postings[f] for f in ids.tolist()])
        weights = np.concatenate([self._posting_weights[f] for f in ids.tolist()])
        if len(self._norms) <= _DENSE_LIMIT:
            overlap = np.bincount(postings, weights=weights, minlength=len(self._norms))
            candidates = np.flatnonzero(overlap)
            overlap = overlap[candidates]
        else:
            # only the examples that share a feature are touched: the cost follows the
            # postings read, not the size of the library
            candidates, slot = np.unique(postings, return_inverse=True)
            overlap = np.bincount(slot, weights=weights)
        f1 = 2 * overlap / (self._norms[candidates] + query_norm)
        if len(candidates) > self.candidates:
            best = np.argpartition(f1, -self.candidates)[-self.candidates :]
            candidates, f1 = candidates[best], f1[best]
        codes = self._codes
        ratios = process.cdist([clause.code], [codes[e] for e in candidates.tolist()], scorer=fuzz.ratio)[0]
        return candidates, 0.5 * f1 + 0.005 * ratios

    def _keyword_hits(self, clause: _Clause) -> dict[int, list[str]]:
        """Keywords in the clause, longest first; a sound-alike counts only where it is a typo.

        包油 sounds like the keyword 包邮 and is no word, so it counts; 下次 sounds like 瑕疵 but
        is a word of its own, so it does not.
        """
        hits: dict[int, list[str]] = {}
        code, text, i = clause.code, clause.text, 0
        aligned = len(code) == len(text.replace(" ", ""))
        plain = text.replace(" ", "")
        while i < len(code):
            step = 1
            for kw_code, k, keyword in self._keywords.get(code[i], ()):
                if not code.startswith(kw_code, i):
                    continue
                if keyword not in text:
                    if len(kw_code) == 1 or not aligned:
                        continue
                    span = plain[i : i + len(kw_code)]
                    if span != keyword and self.segmenter.is_word(span):
                        continue
                hits.setdefault(k, []).append(keyword)
                step = len(kw_code)
                break
            i += step
        return hits


def _features(clause: _Clause) -> set[str]:
    """Phonetic characters and bigrams, and the phonetic form of each jieba word."""
    code = clause.code
    features = set(code)
    features.update([code[i : i + 2] for i in range(len(code) - 1)])
    if len(code) == sum(map(len, clause.words)):  # one code per character: slice, don't convert
        start = 0
        for word in clause.words:
            if len(word) > 1:
                features.add("w" + code[start : start + len(word)])
            start += len(word)
    else:
        features.update(["w" + phonetic(w) for w in clause.words if len(w) > 1])
    return features


def _keyword_weight(keyword: str) -> float:
    """Evidence a keyword gives: longer cue words are more specific."""
    return min(0.9, 0.45 + 0.15 * len(keyword))


