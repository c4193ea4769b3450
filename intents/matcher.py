"""Match a customer message to the intents of a library: normalise → segment → index → score."""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from intents.library import Library
from intents.normalize import normalize
from intents.phonetic import NUMBER, phonetic
from intents.segment import Segmenter
from intents.vote import LinearVote

__all__ = [
    "DEFAULT_CANDIDATES",
    "DEFAULT_COMPANION_THRESHOLD",
    "DEFAULT_THRESHOLD",
    "DEFAULT_VOTE",
    "DEFAULT_WEIGHTS",
    "KEYWORD_EVIDENCE",
    "MAX_CLAUSES",
    "Match",
    "Matcher",
    "asks_nothing",
    "split_clauses",
]

#: Below this score a clause has no intent and the assistant asks the customer to clarify.
DEFAULT_THRESHOLD = 0.52
#: Once one need clears the threshold, another clause of the same message needs only this much:
#: a message that asks one thing clearly usually asks its other things in earnest too.
DEFAULT_COMPANION_THRESHOLD = 0.40
#: A companion from a clause that states rather than asks (我老婆说颜色也不太适合我 beside
#: 可以退吧) is context, not a need, unless it is this sure on its own.
DEFAULT_STATEMENT_BAR = 0.9
#: Any need read from a clause that asks nothing (已经付款了, 收到货味道不错) must score this
#: much, but for those whose plain statement is the ask (the library's ``stated:`` intents).
DEFAULT_STATEMENT_THRESHOLD = 0.7
#: A long clause can carry a second need (什么时候送货别跟我说这些…: shipping and a complaint)
#: when that need names its own keyword and scores this much, in a clause this long.
DEFAULT_SECOND_THRESHOLD = 0.5
SECOND_MIN_CHARS = 10
#: A topic's keywords (一擦, 不吸水 under a defect topic) speak for its intent at this share of
#: the intent's own keywords: they are narrower, and some are common words.
TOPIC_KEYWORDS = 0.5
#: How much the nearest example, the intent's feature profile and its keywords each count.
DEFAULT_WEIGHTS = (0.6, 1.5, 1.0)
#: The linear model's share of a class's score, beside the nearest examples, profile and keywords.
DEFAULT_VOTE = 0.3
#: How many nearest examples (by weighted feature overlap) rapidfuzz scores for each clause.
DEFAULT_CANDIDATES = 16
#: A message is matched clause by clause; past this many clauses the rest is context, not asks.
MAX_CLAUSES = 8
#: Share of the clause's feature weight an example must cover to be scored as a neighbour.
_MIN_OVERLAP = 0.15
#: Up to this many postings a plain loop adds them up faster than numpy's fixed costs.
_PYTHON_POSTINGS = 64
#: Features in more than this share of examples (吗, 的, 我, and in big libraries their stock
#: phrases) say little about the intent, and their long posting lists cost the most.
_STOP_SHARE = 0.1
_CHAR = "\x02"  # marks a character feature, apart from phonetic codes and words

# a connector starts a new ask only at a clause start or after a question ends (吗/呢/了…);
# in 还有货吗 or l码还有没有, 还有 is the question itself
_CONNECTORS = re.compile(
    r"(?:^|(?<=[吗呢吧啊呀嘛的了, ]))"
    r"(?:还有就是|还有|另外|顺便问下|顺便问一下|顺便|再问一下|再问下|以及|对了|此外)"
)
# 吗 ends a question; buyers often type the next one straight after it (有优惠吗什么时候发)
# (baoyou ma jitian dao: in pinyin, a lone ma or ne ends a question too)
_QUESTION_END = re.compile(
    r"(?<=[\u4e00-\u9fff]吗)(?=[\u4e00-\u9fffa-z0-9]{2})|(?<=[a-z] ma|[a-z] ne) (?=[a-z]{2})"
)
# a courtesy that opens an unpunctuated run is a clause of its own: 你好我的快递到哪了 asks
# where the parcel is, and greets; 好的谢谢帮我发顺丰 thanks, and asks for a courier
_LEADING_COURTESY = re.compile(
    r"^(?:(?:亲)?(?:你好|您好|在吗|在不在|在么|在嘛|哈喽)(?:亲|呀|啊)?"
    r"|(?:好的|哦+|嗯+|好)*(?:谢谢|多谢)(?:你|您|亲|啦|了)?"
    r"|(?:哦++|嗯++|噢++)(?:那)?(?:好吧|好的|行吧)?|(?:那)?(?:好吧|行吧))"
    r"(?=[\u4e00-\u9fff]{3})"
)
# a clause asks when it has a question word or particle, or a request (帮我…, 能…吗, 有没有)
_ASKS = re.compile(
    r"[吗么嘛呢吧不没否?]$|吗|什么|啥|怎么|咋|多少|几|哪|谁|为何|为什么|如何|能不能|可不可以|可以"
    r"|有没有|是不是|会不会|要不要|行不行|好不好|有无|请|帮|麻烦|给我(?![妈爸老家儿女朋])|能否|求|想问|问下|问一下"
    r"|(.)不\1|(.)唔\2|还有|需要|要求|申请|尽快|赶紧|快点|多久|多长|多大|还是|是否|咩|发我|贵"
    r"|\b(?:is|are|do|does|can|could|will|would|any|how|what|when|where|which|why)\b"
    r"|\b(?:ma|ne|ji ?tian|duo ?shao|shen ?me|zen ?me|na ?li|ke ?yi|you ?mei ?you)\b"  # pinyin
)
#: "Nothing more" beside another clause (没了,谢谢; 不需要了,谢谢) closes the chat; it asks for
#: no stock and hesitates about nothing.
_NOTHING_MORE = re.compile(
    r"(?:那|嗯|哦|好的?)?(?:没|没有|不用|不需要|不要|没事|没别的|没其他|没其它|没什么|就这些|就这样)"
    r"(?:了|啦|的了|事了|问题了|别的了)?(?:吧)?"
)
#: A clause of nothing but acknowledgements (好的, 嗯嗯, 是的, 知道了, ok) asks nothing; thanks
#: and closings (谢谢, 拜, 没事了, 就这样吧) are goodbyes, not among them.
_ACKNOWLEDGEMENT = re.compile(
    r"(?:好+|的|嗯+|恩+|哦+|噢+|喔+|额|哈+|行|对|是|了|啦|呀|吧|呢|滴|哒|ok|okay|k"
    r"|知道|明白|收到|了解|懂|可以|那好|那行|亲| )+"
)


def asks_nothing(text: str) -> bool:
    """Whether a message is a bare acknowledgement (好的, 嗯嗯, 收到了亲), asking nothing.

    >>> asks_nothing("好的好的"), asks_nothing("嗯嗯 收到"), asks_nothing("好的 包邮吗")
    (True, True, False)
    """
    clauses = split_clauses(normalize(text))
    return bool(clauses) and all(_ACKNOWLEDGEMENT.fullmatch(c) for c in clauses)


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
    topic: str | None = None  # the specific question within the intent (intents/topics.py)
    topic_score: float = 0.0
    topic_example: str = ""


@dataclass(frozen=True, slots=True)
class _Clause:
    text: str
    code: str
    words: tuple[str, ...]


# a long unpunctuated run is several clauses: before a discourse marker that starts a new one
# (…送货别跟我说这些我就问…, …发货的其他的都到家了你们也该…), once 4 characters have passed
_RUN_BREAK = re.compile(
    r"(?<=[\u4e00-\u9fff]{4})"
    r"(?=而且|但是|可是|不过|然后|结果|竟然|所以|因为|别跟我|我就问|我只想|我也是|你们也|不然|要不然)"
)
LONG_RUN = 12


def split_clauses(text: str) -> list[str]:
    """Split normalised text into the clauses that can each carry one need.

    >>> split_clauses("包邮吗,几天能到 另外有发票吗")
    ['包邮吗', '几天能到', '有发票吗']
    """
    text = _QUESTION_END.sub(",", _CONNECTORS.sub(",", _LEADING_COURTESY.sub(r"\g<0>,", text)))
    parts = []
    for piece in text.split(","):
        # a space between two Chinese runs separates asks (在吗 这件能便宜吗); one next to Latin
        # or digits usually does not (170 60kg)
        for part in re.split(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", piece):
            parts += _RUN_BREAK.split(part) if len(part) >= LONG_RUN else [part]
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
        companion_threshold: float = DEFAULT_COMPANION_THRESHOLD,
        candidates: int = DEFAULT_CANDIDATES,
        weights: tuple[float, float, float] = DEFAULT_WEIGHTS,
        cache_size: int = 4096,
        vote: float = DEFAULT_VOTE,
        statement_bar: float = DEFAULT_STATEMENT_BAR,
        second_threshold: float = DEFAULT_SECOND_THRESHOLD,
        statement_threshold: float = DEFAULT_STATEMENT_THRESHOLD,
        cache_dir: Path | None = None,
    ) -> None:
        self.library = library
        self.threshold = threshold
        self.companion_threshold = min(companion_threshold, threshold)
        self.candidates = candidates
        self.weights = weights
        self.vote_share = vote
        self.statement_bar = statement_bar
        self.second_threshold = second_threshold
        self.statement_threshold = statement_threshold
        self._cache_dir = cache_dir
        terms = [*library.terms, *(k for i in library.intents for k in i.keywords)]
        terms += [k for t in library.topics for k in t.keywords]
        self.segmenter = segmenter or Segmenter(terms)
        self._ids = library.intent_ids
        self._social = {i.id for i in library.intents if i.social}
        self._social_index = {n for n, i in enumerate(library.intents) if i.social}
        # needs whose statement stands beside a question (收到有个洞), and those whose plain
        # statement is the ask (这个大的我退了, 我也是醉了, 我再看看)
        self._stated = self._social | {i.id for i in library.intents if i.stated == "need"}
        self._stated_asks = self._social | {i.id for i in library.intents if i.stated}
        self._build_examples()
        self._build_keywords()
        # buyers ask the same short things all day (在吗, 包邮吗, 发什么快递): a bounded cache of
        # clause results serves the repeats; cache_size=0 turns it off
        self._clause_matches = (
            lru_cache(maxsize=cache_size)(self._match_text) if cache_size else self._match_text
        )

    # --- building ---------------------------------------------------------------------------

    def _build_examples(self) -> None:
        texts: list[str] = []
        owners: list[int] = []
        clauses: list[_Clause] = []
        labelled = [(k, e) for k, i in enumerate(self.library.intents) for e in i.examples]
        labelled += [(len(self._ids), e) for e in self.library.out_of_scope]  # the last class
        for owner, example in labelled:
            clause = self._clause(normalize(example))
            if not clause.code:
                continue
            texts.append(example)
            owners.append(owner)
            clauses.append(clause)
        codes = [c.code for c in clauses]
        words = [c.words for c in clauses]
        self._texts, self._codes, self._words = texts, codes, words
        self._owners = np.array(owners, dtype=np.int32)
        feature_ids: dict[str, int] = {}
        rows: list[list[int]] = []
        feature_sets = [_features(clause) for clause in clauses]
        for features in feature_sets:
            rows.append([feature_ids.setdefault(f, len(feature_ids)) for f in features])
        self._vote = (  # a vote needs two classes to tell apart
            LinearVote.train(feature_sets, owners, len(self._ids) + 1, cache=self._cache_dir)
            if self.vote_share > 0 and len(set(owners)) > 1
            else None
        )
        classes = len(self._ids) + 1
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
        vote_weights = np.zeros((len(feature_ids), 0))
        if self._vote is not None:  # the vote's weights in the matcher's feature order, once
            vocabulary = self._vote.vocabulary
            order = np.array([vocabulary.get(f, -1) for f in feature_ids], dtype=np.intp)
            padded = np.vstack([self._vote.weights, np.zeros((1, classes), np.float32)])
            vote_weights = padded[order]
        # single syllables and characters are kept for the profile but are too common to
        # retrieve examples by
        self._retrieves = [len(f) > 1 and f[0] != _CHAR for f in feature_ids]
        self._posting_lists = postings
        self._postings = [np.array(p, dtype=np.intp) for p in postings]
        self._idf_list = self._idf.tolist()
        self._owner_list = self._owners.tolist()
        self._norms = np.array(
            [sum(self._idf[f] for f in row if self._retrieves[f]) or 1.0 for row in rows]
        )
        self._norm_list = self._norms.tolist()
        # how strongly each feature speaks for each intent (last column: out of scope),
        # smoothed so a feature seen once is not taken as proof
        counts = np.zeros((len(feature_ids), classes), dtype=np.float64)
        for owner, row in zip(self._owners, rows, strict=True):
            counts[row, owner] += 1.0
        profile = (counts + 0.1) / (counts.sum(axis=1, keepdims=True) + 0.1 * classes)
        weighted_profile = profile * self._idf[:, None]
        # the profile, the vote's weights and idf side by side, summed in one pass per clause
        self._joint = np.hstack([weighted_profile, vote_weights, self._idf[:, None]])
        self._unseen_idf = float(np.log((n + 1) / 0.5))

    def _build_keywords(self) -> None:
        self._keywords: dict[str, list[tuple[int, str]]] = {}
        self._keyword_evidence: list[dict[str, float]] = []  # per intent: keyword → evidence
        for k, intent in enumerate(self.library.intents):
            # a topic's keywords (一擦, 不吸水 under a defect topic) speak for its intent too
            own = set(map(normalize, intent.keywords))
            topical = {normalize(w) for t in intent.topics for w in t.keywords} - own
            self._keyword_evidence.append(
                {
                    w: _keyword_weight(w) * (TOPIC_KEYWORDS if w in topical else 1.0)
                    for w in own | topical
                }
            )
            for keyword in sorted(own) + sorted(topical):
                code = phonetic(keyword).replace(" ", "")
                if code:
                    self._keywords.setdefault(code, []).append((k, keyword))
        # by the first two sounds, longest first (七天无理由 wins over 七天 at the same place),
        # then the one-sound keywords of the first: a clause looks up a short list per place
        self._keyword_singles: dict[str, list[str]] = {}
        self._keyword_starts: dict[str, list[str]] = {}
        for code in sorted(self._keywords, key=len, reverse=True):
            if len(code) > 1:
                self._keyword_starts.setdefault(code[:2], []).append(code)
            else:
                self._keyword_singles.setdefault(code, []).append(code)
        for start, codes in self._keyword_starts.items():
            codes += self._keyword_singles.get(start[0], [])

    def _clause(self, text: str) -> _Clause:
        words = tuple(self.segmenter.cut(text)) if text else ()
        return _Clause(text, phonetic(text).replace(" ", ""), words)

    # --- matching ---------------------------------------------------------------------------

    def match(self, text: str, *, limit: int = 3) -> list[Match]:
        """The needs in ``text``, best first; ``[]`` when nothing is confidently matched."""
        found: dict[str, Match] = {}
        asked: set[str] = set()  # needs some clause asks (穿L会不会紧 beside 他175 140斤)
        clauses = dict.fromkeys(split_clauses(normalize(text)))  # a pasted repeat is one ask
        for position, clause_text in enumerate(clauses):
            for m in self._clause_matches(clause_text):
                if m.score >= self.companion_threshold and _ASKS.search(clause_text):
                    asked.add(m.intent)
                if m.intent not in found:
                    found[m.intent] = replace(m, position=position) if position else m
                elif m.score > found[m.intent].score:
                    found[m.intent] = replace(m, position=found[m.intent].position)
        # a message that asks nothing (已经付款了, 收到货味道不错) needs more to have a need
        if not ("?" in text or "？" in text or any(_ASKS.search(c) for c in clauses)):
            found = {i: m for i, m in found.items() if self._stated_need(m)}
        ranked = sorted(found.values(), key=lambda m: -m.score)
        if not ranked or ranked[0].score < self.threshold:
            return []
        ranked = ranked[:1] + [m for m in ranked[1:] if self._stands(m, len(clauses), asked)]
        # 在吗,包邮吗: the greeting is real, but the ask is what the customer needs answered first
        asks = any(m.intent not in self._social and m.score >= self.threshold for m in ranked)
        ranked.sort(key=lambda m: asks and m.intent in self._social)  # stable: scores order stays
        return ranked[:limit]

    def _stated_need(self, match: Match) -> bool:
        """Whether a need read from a message that asks nothing is one all the same."""
        return match.score >= self.statement_threshold or match.intent in self._stated_asks

    def _stands(self, companion: Match, clauses: int, asked: set[str]) -> bool:
        """Whether a need beside the message's first stands on evidence of its own."""
        if clauses > 1 and _NOTHING_MORE.fullmatch(companion.clause):
            return False  # 没了,谢谢: no more questions
        if companion.score >= self.statement_bar:
            return True
        if companion.intent in self._social:  # 盒子还在 is no 在吗: a courtesy names its words
            return bool(companion.keywords)
        return companion.intent in self._stated or companion.intent in asked

    def _match_text(self, text: str) -> tuple[Match, ...]:
        return tuple(self._match_clause(self._clause(text)))

    def _match_clause(self, clause: _Clause) -> list[Match]:
        if not clause.code.strip(NUMBER + " "):  # nothing but numbers (666, 123): no ask
            return []
        if _ACKNOWLEDGEMENT.fullmatch(clause.text):
            return []
        score, examples, hits = self._score(clause)
        out_of_scope = score[-1]
        score = score[:-1]
        k, *others = np.argsort(-score)[:2].tolist()
        runner = others[0] if others else None
        best = float(score[k])
        if best < self.companion_threshold or (out_of_scope >= best and k not in hits):
            return []
        if k in self._social_index and k not in hits:  # a courtesy names its own words:
            if (
                runner is not None
                and runner in hits
                and runner not in self._social_index
                and score[runner] >= self.companion_threshold
            ):
                k, runner = runner, k  # 请问一下包邮吗 asks about 包邮
                best = float(score[k])
            elif 2 * len(self._codes[examples.get(k, -1)]) < len(clause.code):
                return []  # 问一下 is a greeting, 我问一下我老公 is none
        e = examples.get(k, -1)
        found = [
            Match(
                intent=self._ids[k],
                score=round(best, 3),
                clause=clause.text,
                example=self._texts[e] if e >= 0 else "",
                shared=tuple(w for w in clause.words if e >= 0 and w in self._words[e]),
                keywords=tuple(hits.get(k, ())),
                runner_up=self._ids[runner] if runner is not None else None,
                runner_up_score=round(float(score[runner]), 3) if runner is not None else 0.0,
            )
        ]
        if (
            runner is not None
            and runner in hits
            and score[runner] >= self.second_threshold
            and len(clause.text) >= SECOND_MIN_CHARS
        ):
            r = examples.get(runner, -1)
            found.append(
                Match(
                    intent=self._ids[runner],
                    score=round(float(score[runner]), 3),
                    clause=clause.text,
                    example=self._texts[r] if r >= 0 else "",
                    keywords=tuple(hits[runner]),
                )
            )
        return found

    def _score(self, clause: _Clause) -> tuple[np.ndarray, dict[int, int], dict[int, list[str]]]:
        """Per class (the intents, then out of scope): score; nearest examples; keyword hits.

        Three kinds of evidence, each in [0, 1], combine as independent votes
        (1 - Π(1 - evidence)): the nearest example's similarity, the intent's feature profile
        and the intent's keywords.
        """
        w_knn, w_profile, w_keywords = self.weights
        evidence = np.zeros((3, len(self._ids) + 1))
        nearest: dict[int, tuple[float, int]] = {}
        features = _features(clause)
        known = [i for i in map(self._feature_ids.get, features) if i is not None]
        useful = [i for i in known if self._idf_list[i] > 0]
        if useful:
            # one pass over the clause's rows: the profile, then the vote's margins, then idf
            # (features too common to count have no profile weight and no idf)
            joint = self._joint[known].sum(axis=0)
            classes = len(self._ids) + 1
            unseen = (len(features) - len(known)) * self._unseen_idf
            evidence[1] = joint[:classes] * (w_profile / (joint[-1] + unseen))
            retrieving = [i for i in useful if self._retrieves[i]] or useful
            owners = self._owner_list
            for similarity, e in self._nearest(clause, retrieving):
                owner = owners[e]
                if similarity > nearest.get(owner, (-1.0, -1))[0]:
                    nearest[owner] = (similarity, e)
            for owner, (similarity, _) in nearest.items():
                evidence[0, owner] = similarity * w_knn
        hits = self._keyword_hits(clause)
        for k, words in hits.items():
            evidence[2, k] = w_keywords * max(map(self._keyword_evidence[k].__getitem__, words))
        np.minimum(evidence, 1.0, out=evidence)
        examples = {owner: e for owner, (_, e) in nearest.items()}
        score = 1.0 - (1.0 - evidence).prod(axis=0)
        if self._vote is not None and useful:
            share = self.vote_share
            z = joint[classes:-1] + self._vote.bias
            z = np.exp(z - z.max())
            score = (1.0 - share) * score + (share / z.sum()) * z
        return score, examples, hits

    def _nearest(self, clause: _Clause, ids: list[int]) -> list[tuple[float, int]]:
        """The examples nearest to the clause, as (similarity in [0, 1], example) pairs.

        The inverted index gives each example that shares a feature its weighted overlap with
        the clause (F1 of the overlap against both sides), so the cost follows the postings
        read, not the size of the library; rapidfuzz then scores the best candidates.
        """
        idf, norms = self._idf_list, self._norm_list
        query_norm = sum(idf[f] for f in ids)
        postings = [self._posting_lists[f] for f in ids]
        if sum(map(len, postings)) <= _PYTHON_POSTINGS:
            overlap: dict[int, float] = {}
            for f, posting in zip(ids, postings, strict=True):
                weight = idf[f]
                for e in posting:
                    overlap[e] = overlap.get(e, 0.0) + weight
            # an example sharing less than a sixth of the weight is no neighbour worth scoring
            floor = _MIN_OVERLAP * query_norm
            scored = [
                (2 * o / (norms[e] + query_norm), e) for e, o in overlap.items() if o >= floor
            ]
        else:  # long posting lists: numpy adds them up in one pass over the examples
            counts = np.bincount(
                np.concatenate([self._postings[f] for f in ids]),
                weights=np.repeat(self._idf[ids], [len(p) for p in postings]),
                minlength=len(norms),
            )
            candidates = np.flatnonzero(counts >= _MIN_OVERLAP * query_norm)
            f1 = 2 * counts[candidates] / (self._norms[candidates] + query_norm)
            if len(candidates) > self.candidates:
                best = np.argpartition(f1, -self.candidates)[-self.candidates :]
                candidates, f1 = candidates[best], f1[best]
            scored = list(zip(f1.tolist(), candidates.tolist(), strict=True))
        if len(scored) > self.candidates:
            scored = heapq.nlargest(self.candidates, scored)
        if not scored:
            return []
        codes = self._codes
        ratios = process.cdist([clause.code], [codes[e] for _, e in scored], scorer=fuzz.ratio)[0]
        return [
            (0.5 * f1 + 0.005 * ratio, e)
            for (f1, e), ratio in zip(scored, ratios.tolist(), strict=True)
        ]

    def _keyword_hits(self, clause: _Clause) -> dict[int, list[str]]:
        """Keywords in the clause, longest first; a sound-alike counts only where it is a typo.

        包油 sounds like the keyword 包邮 and is no word, so it counts; 下次 sounds like 瑕疵 but
        is a word of its own, so it does not, and nor does a span that cuts a word in two (的物
        of 到的物流 sounds like 得物).
        """
        hits: dict[int, list[str]] = {}
        code, text = clause.code, clause.text
        plain = text.replace(" ", "")
        aligned = len(code) == len(plain)
        starts, singles = self._keyword_starts, self._keyword_singles
        i = 0
        while i < len(code):
            step = 1
            for kw_code in starts.get(code[i : i + 2]) or singles.get(code[i], ()):
                if not code.startswith(kw_code, i):
                    continue
                span = plain[i : i + len(kw_code)] if aligned else None
                typo = None  # looked up once, only when some keyword is not spelled exactly
                for k, keyword in self._keywords[kw_code]:
                    if not (span == keyword if aligned else keyword in text):
                        if typo is None:
                            typo = (
                                aligned
                                and len(kw_code) > 1
                                and not self.segmenter.is_word(span)
                                and _on_word_edges(clause.words, i, i + len(kw_code))
                            )
                        if not typo:
                            continue
                    hits.setdefault(k, []).append(keyword)
                    step = len(kw_code)
                if step > 1:
                    break
            i += step
        return hits


def _on_word_edges(words: tuple[str, ...], start: int, end: int) -> bool:
    """Whether the span [start, end) of the clause (spaces left out) cuts no word in two."""
    edges, position = {0}, 0
    for word in words:
        position += len(word.replace(" ", ""))
        edges.add(position)
    return start in edges and end in edges


def _features(clause: _Clause) -> set[str]:
    """Phonetic characters and bigrams, and the phonetic form of each jieba word."""
    code = clause.code
    features = set(code)
    features.update([code[i : i + 2] for i in range(len(code) - 1)])
    # the characters themselves too: sound-alikes (白/拜, 吗/码) must not be all there is
    features.update([_CHAR + ch for ch in clause.text if ch > "\u2e7f"])
    if len(code) == sum(map(len, clause.words)):  # one code per character: slice, don't convert
        start = 0
        for word in clause.words:
            if len(word) > 1:
                features.add("w" + code[start : start + len(word)])
            start += len(word)
    else:
        features.update(["w" + phonetic(w) for w in clause.words if len(w) > 1])
    return features


#: Evidence a keyword gives by its length: one character (码, 退) says little on its own,
#: longer cue words (七天无理由) are specific.
KEYWORD_EVIDENCE = (0.0, 0.3, 0.75, 0.85, 0.9)


def _keyword_weight(keyword: str) -> float:
    return KEYWORD_EVIDENCE[min(len(keyword), len(KEYWORD_EVIDENCE) - 1)]
