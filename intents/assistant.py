"""From a message to replies ready to send: match, choose topics, add product facts, render."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

from intents.catalog import Catalog, Product, catalog_values
from intents.context import Conversation, Need, carried, is_follow_up
from intents.facts import (
    Measures,
    advise,
    mentioned_color,
    mentioned_size,
    named_color,
    named_size,
    parse_measures,
    size_fits,
)
from intents.library import TONES, Library, LibraryError, Reply, check_replies
from intents.matcher import Match, Matcher, asks_nothing, split_clauses
from intents.normalize import normalize
from intents.render import render
from intents.topics import TopicChooser

__all__ = [
    "GOODBYE",
    "GREETING",
    "SOURCE_CONTEXT",
    "SOURCE_GIVEN",
    "SOURCE_LINK",
    "SOURCE_NAME",
    "Assistant",
    "Suggestion",
]

_cue = lru_cache(maxsize=4096)(normalize)
# the opening a stitched draft keeps once: 亲, / 您好, at the start of its later parts
_OPENING = re.compile(r"^(?:亲亲|亲爱的|亲|您好)[,，!！~～、 ]*")
#: Where the current product came from, as staff are told.
SOURCE_LINK = "链接"
SOURCE_NAME = "商品名"
SOURCE_GIVEN = "指定"
SOURCE_CONTEXT = "上文"
_LINK = re.compile(
    r"https?://\S+|\S*(?:taobao|tmall|jd)\.(?:com|hk)\S*|(?:商品|宝贝|产品)\s*(?:id|ID|编号|编码)\s*[:：=]?\s*\d+"
)
# replies with the product facts they are rendered with (None: no facts)
_Options = list[tuple[Reply, Mapping[str, object] | None]]
# intents whose questions a product's facts answer
_FACT_INTENTS = {"color", "fabric", "price", "size", "stock"}
# a stitched draft opens with the greeting and closes with the goodbye (CONTRACT §2 ids)
GREETING, GOODBYE, COMPLAINT = "greeting", "goodbye", "complaint"
# the words of a height and weight (170 120斤, 身高一米七)
_MEASURE = re.compile(r"[\d.]+\s*(?:cm|kg|公斤|斤|米|m)?|身高|体重|一米\S{1,2}")
_SENTENCE_END = re.compile(r"(?<=[。！？!?~～])")


@dataclass(frozen=True, slots=True)
class Suggestion:
    text: str
    matches: tuple[Match, ...]
    replies: tuple[str, ...]  # rendered, best first
    product: Product | None = None
    product_source: str = ""  # SOURCE_LINK, SOURCE_NAME, SOURCE_GIVEN or SOURCE_CONTEXT
    needs: tuple[Need, ...] = ()
    follow_up: bool = False  # the message re-asked the conversation's last question
    acknowledgement: bool = False  # it asked nothing (好的, 收到): the replies just carry on

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
        topics: TopicChooser | None = None,
        catalog: Catalog | None = None,
        tone: str = TONES[0],
        count: int = 3,
    ) -> None:
        self.library = library
        self.values = {**library.defaults, **(values or {})}
        problems = check_replies(library, self.values)
        if problems:
            raise LibraryError(problems)
        self.matcher = matcher or Matcher(library)
        self.topics = topics or TopicChooser(library, segmenter=self.matcher.segmenter)
        self.catalog = catalog
        self.tone = tone
        self.count = count

    def suggest(
        self,
        text: str,
        *,
        tone: str | None = None,
        count: int | None = None,
        variant: int = 0,
        product: str | Product | None = None,
        conversation: Conversation | None = None,
        values: Mapping[str, object] | None = None,
    ) -> Suggestion:
        """Replies for ``text``; ``variant`` rotates through the alternatives (换一个).

        ``product`` is the product staff chose (an id or a Product); a link or a name in the
        message wins over it. ``conversation`` carries the product and the last needs over.
        ``values`` override the placeholders' values for this reply (the agent's own name).
        """
        tone = tone or self.tone
        count = count or self.count
        values = {**self.values, **values} if values else self.values
        if conversation is not None:
            conversation.touch()
        current, source, pinned = self._product(text, product, conversation)
        question = self._question(text, current)
        matches = [self._with_topic(m) for m in self.matcher.match(question)]
        if len(matches) == 1 and matches[0].topic is None and parse_measures(text):
            # 170 120斤穿多大码: 穿多大码 alone is any size question; the measures say which
            measures = " ".join(_MEASURE.findall(normalize(text)))
            matches = [self._with_topic(matches[0], measures)]
        needs, follow_up = self._needs(
            text, matches, current, conversation, named=source == SOURCE_NAME
        )
        if follow_up or len(matches) != len(needs):  # carried over, or inferred from 160 100斤
            matches = [_need_match(n, 1.0 if follow_up else self.matcher.threshold) for n in needs]
        if conversation is not None:
            remembered = current.id if current is not None else None
            conversation.remember(remembered, tuple(needs), pinned=pinned, source=source)
        if not needs:
            # 好的 asks nothing: an acknowledgement is answered in kind, not with 没看明白
            quiet = self.library.acknowledged if asks_nothing(text) else ()
            unclear = quiet or self.library.fallback
            options: _Options = [(r, None) for r in self._ordered(unclear, tone, "")]
            replies = self._pick(options, count, variant, values)
            return Suggestion(text, (), replies, current, source, acknowledgement=bool(quiet))
        answered = list(zip(needs, matches, strict=True))
        if not follow_up:
            answered += self._other_topics(question, answered)
        per_need = [self._options(n, m, current, tone) for n, m in answered]
        replies: list[str] = []
        if len(per_need) > 1:
            # one draft that answers every need: the greeting first, then the questions in the
            # order the customer asked them, a goodbye last
            plain = normalize(text)
            order = sorted(range(len(answered)), key=lambda n: _draft_rank(*answered[n], plain))
            parts = [
                self._draft_part(
                    per_need[n],
                    variant,
                    values,
                    first=rank == 0,
                    last=rank == len(order) - 1,
                    greeting=answered[n][0].intent == GREETING,
                )
                for rank, n in enumerate(order)
            ]
            replies.append("".join(parts))
        picks = [self._pick(options, count, variant, values) for options in per_need]
        for rank in range(count):  # then each need's best reply, turn by turn
            replies += [p[rank] for p in picks if rank < len(p)]
        return Suggestion(
            text,
            tuple(matches),
            tuple(dict.fromkeys(replies))[:count],
            current,
            source,
            tuple(needs),
            follow_up,
        )

    def replies_for(
        self,
        intent_id: str,
        *,
        tone: str | None = None,
        values: Mapping[str, object] | None = None,
    ) -> list[str]:
        """Every reply of an intent, rendered, the given tone first."""
        replies = self.library.intent(intent_id).replies
        return [self.render(r, values) for r in self._ordered(replies, tone or self.tone, "")]

    def render(self, reply: Reply, values: Mapping[str, object] | None = None) -> str:
        """A reply filled in with the library's values, the config's, then ``values``."""
        return render(reply.text, {**self.values, **values} if values else self.values)

    # --- product and needs ------------------------------------------------------------------

    def _product(
        self, text: str, given: str | Product | None, conversation: Conversation | None
    ) -> tuple[Product | None, str, bool]:
        """The current product, where it came from, and whether it is pinned (link, /product)."""
        if self.catalog is not None:
            _, linked = self.catalog.linked(text)
            if linked is not None:
                return linked, SOURCE_LINK, True
            named = self.catalog.named(text)
            if named is not None:
                return named, SOURCE_NAME, False
        if isinstance(given, Product):
            return given, SOURCE_GIVEN, True
        if given and self.catalog is not None:
            found = self.catalog.get(given)
            if found is not None:
                return found, SOURCE_GIVEN, True
        if conversation is not None and conversation.product_id and self.catalog is not None:
            found = self.catalog.get(conversation.product_id)
            if found is not None:
                told = conversation.product_source
                return found, f"{SOURCE_CONTEXT}（{told}）" if told else SOURCE_CONTEXT, False
        return None, "", False

    def _question(self, text: str, product: Product | None) -> str:
        """The text to match, without links, item ids and the product's name (a name such as
        双面羊绒大衣 is no phrasing of any need and only blurs the match)."""
        text = _LINK.sub(" ", text)
        if product is None:
            return text
        for name in sorted((product.name, *product.aliases), key=len, reverse=True):
            if name and name in text:
                return text.replace(name, " ")
        return text

    def _other_topics(
        self, question: str, answered: list[tuple[Need, Match]]
    ) -> list[tuple[Need, Match]]:
        """包邮吗？有运费险吗: a clause that asks another topic of an intent already matched gets
        its own answer. The matches keep one entry per intent (CONTRACT §4); only the replies
        grow."""
        primary = {m.intent: n for n, m in answered if m.topic is not None}
        clauses = split_clauses(normalize(question))
        if not primary or len(clauses) < 2:
            return []
        seen = {(m.intent, m.topic) for _, m in answered}
        asked = {m.clause for _, m in answered}
        more = []
        for clause in clauses:
            if clause in asked:
                continue
            for match in self.matcher.match(clause):
                need = primary.get(match.intent)
                match = self._with_topic(match) if need is not None else match
                if need is not None and match.topic and (match.intent, match.topic) not in seen:
                    seen.add((match.intent, match.topic))
                    more.append((replace(need, topic=match.topic), match))
        return more

    def _with_topic(self, match: Match, text: str | None = None) -> Match:
        """``match`` with the topic of its clause (or of ``text``) within its intent."""
        choice = self.topics.choose(match.intent, match.clause if text is None else text)
        if choice is None:
            return match
        return replace(
            match, topic=choice.topic.id, topic_score=choice.score, topic_example=choice.example
        )

    def _needs(
        self,
        text: str,
        matches: list[Match],
        product: Product | None,
        conversation: Conversation | None,
        *,
        named: bool,
    ) -> tuple[list[Need], bool]:
        """The needs to answer, and whether they were carried over from the last message."""
        plain = normalize(text)
        color = size = None
        mentions: list[str] = []
        if product is not None:
            color, other_color = mentioned_color(product, plain)
            size, other_size = mentioned_size(product, plain)
            mentions += [m for m in (color, other_color) if m]
            mentions += [m.lower() for m in (size, other_size) if m]
            color = color or other_color
            size = size or other_size
            if named:
                mentions += [n for n in map(normalize, (product.name, *product.aliases)) if n]
                mentions += _shared_pieces(plain, product)
        else:  # no product to hold them against: 那xl呢, 黑色的呢 still re-ask the last question
            color, sized = named_color(plain), named_size(plain)
            size = sized[0] if sized else None
            mentions += [m for m in (color, sized and sized[1]) if m]
        measures = parse_measures(text)
        if measures:
            mentions += _MEASURE.findall(plain)
        # a chat may have switched library (/library) since: only this library's needs carry
        previous = tuple(
            n
            for n in (conversation.needs if conversation is not None else ())
            if n.intent in self.library.intent_ids
        )
        # 黑色有吗 asks a question of its own; 黑色呢 (or an unmatched 黑色) re-asks the last one
        if previous and is_follow_up(plain, mentions, asks=bool(matches)):
            return list(carried(previous, color=color, size=size, measures=measures)), True
        needs = [
            Need(m.intent, m.topic, color, size, measures if m.intent == "size" else Measures())
            for m in matches
        ]
        if not needs and measures and product is not None and "size" in self.library.intent_ids:
            needs = [Need("size", None, color, size, measures)]  # 我160 100斤, with a product
        return needs, False

    # --- replies ----------------------------------------------------------------------------

    def _options(self, need: Need, match: Match, product: Product | None, tone: str) -> _Options:
        """This need's replies, best first, not yet rendered: the product's facts, then the
        topic's, then the intent's general replies."""
        out: _Options = []
        facts = self._facts(need, product) if product is not None else None
        if facts is not None:
            name, values = facts
            templates = self.library.product_replies.get(name, ())
            out += [(r, values) for r in self._ordered(templates, tone, "")]
        intent = self.library.intent(need.intent)
        topic = next((t for t in intent.topics if t.id == need.topic), None)
        if topic is not None:
            out += [(r, None) for r in self._ordered(topic.replies, tone, match.clause)]
        out += [(r, None) for r in self._ordered(intent.replies, tone, match.clause)]
        return out

    def _facts(self, need: Need, product: Product) -> tuple[str, dict[str, str]] | None:
        """Which product_replies template answers the need, with its values."""
        if need.intent not in _FACT_INTENTS:
            return None
        concrete = (need.intent == "size" and bool(need.measures)) or (
            need.intent == "stock" and (need.color is not None or need.size is not None)
        )
        if need.topic is not None and need.topic not in self.library.fact_topics and not concrete:
            return None  # 色差, 起球 …: the topic's own replies answer it
        values = dict(catalog_values(product))
        sizes = {s.size: s for s in product.sizes}
        if need.color is not None and need.color not in product.colors:
            return "color_missing", {**values, "color": need.color}
        if need.size is not None and need.size not in sizes:
            return "size_missing", {**values, "size": need.size}
        if need.intent == "size" or (need.measures and product.sizes):
            if not product.sizes:
                return None
            if need.measures:
                advice = advise(product, need.measures)
                measure = need.measures.describe()
                return advice.kind, {
                    **values,
                    "size": advice.size,
                    "other": advice.other,
                    "measure": measure,
                    "chart": advice.chart,
                }
            if need.size is not None and size_fits(sizes[need.size]):
                return "size_range", {
                    **values,
                    "size": need.size,
                    "fits": size_fits(sizes[need.size]),
                }
            return "sizes", values
        if need.intent == "stock" or (need.intent == "color" and need.color is not None):
            if need.color is None and need.size is None:
                _, variants = product.stock(None, None)
                if variants:
                    return "stock_some", {**values, "variants": "、".join(variants)}
                return "stock_all", values
            item = f"{need.color or ''}{need.size + '码' if need.size else ''}"
            out, variants = product.stock(need.color, need.size)
            if out:
                name = "stock_out" if product.restock else "stock_out_unknown"
                return name, {**values, "item": item}
            if variants:
                return "stock_partial", {**values, "item": item, "variants": "、".join(variants)}
            return "stock_in", {**values, "item": item}
        if need.intent == "color" and product.colors:
            return "colors", values
        if need.intent == "fabric" and product.fabric:
            return "fabric", values
        if need.intent == "price" and product.price:
            return "price", values
        return None

    def _draft_part(
        self,
        options: _Options,
        variant: int,
        values: Mapping[str, object],
        *,
        first: bool,
        last: bool,
        greeting: bool = False,
    ) -> str:
        """One need's part of a stitched draft. Only the last part may end on a question, and
        only the first opens with 亲/您好: the draft reads as one message. A greeting before an
        answer only greets (在的在的～, not 在的在的～亲看中哪款宝贝啦？)."""
        start = variant % len(options)
        rotated = options[start:] + options[:start]
        texts = [
            render(r.text, {**values, **facts} if facts else values).strip()
            for r, facts in rotated[: max(4, len(TONES))]
        ]
        if not last:
            if greeting:
                texts = [_greeting_only(t) for t in texts]
            texts.sort(key=lambda t: t[-1] in "?？")  # stable: keeps the rotation otherwise
        text = texts[0]
        if not first:
            text = _OPENING.sub("", text) or text
        return text if text[-1] in "。!?~！？～." else text + "。"

    def _pick(
        self, options: _Options, count: int, variant: int, values: Mapping[str, object]
    ) -> tuple[str, ...]:
        if not options:
            return ()
        start = variant % len(options)
        rotated = options[start:] + options[:start]
        picked: dict[str, None] = {}
        for reply, facts in rotated:  # rendered only until there are enough
            picked.setdefault(render(reply.text, {**values, **facts} if facts else values))
            if len(picked) == count:
                break
        return tuple(picked)

    @staticmethod
    def _ordered(replies: tuple[Reply, ...], tone: str, clause: str) -> list[Reply]:
        """The wanted tone first; within it, replies whose tags (cue words such as 包邮, 贵,
        优惠券) appear in what the customer wrote come first."""

        def relevance(reply: Reply) -> int:
            return sum(1 for tag in reply.tags if _cue(tag) in clause)

        indexed = list(enumerate(replies))
        indexed.sort(key=lambda item: (item[1].tone != tone, -relevance(item[1]), item[0]))
        return [reply for _, reply in indexed]


def _draft_rank(need: Need, match: Match, text: str) -> tuple[int, int]:
    """Where a need's part goes in a stitched draft: the greeting, the apology for a complaint
    (an angry buyer hears sorry before the answer), the questions in the order of their
    clauses in the message, the goodbye."""
    if need.intent == GREETING:
        return 0, 0
    if need.intent == COMPLAINT:
        return 0, 1
    if need.intent == GOODBYE:
        return 2, 0
    where = text.find(match.clause) if match.clause else -1
    return 1, where if where >= 0 else len(text)


def _greeting_only(text: str) -> str:
    """A greeting without its question, to open an answer: the sentences before the first
    question, else the question sentence without its last clause.

    >>> _greeting_only("在的在的～亲看中哪款宝贝啦？尺码都可以问我哦")
    '在的在的～'
    >>> _greeting_only("您好，我是小美，请问有什么可以帮您？")
    '您好，我是小美'
    """
    kept = ""
    for sentence in filter(None, _SENTENCE_END.split(text)):
        if sentence[-1] in "?？":
            if kept:
                return kept
            head, comma, _ = sentence.rpartition("，")
            return head if comma else text
        kept += sentence
    return text


def _need_match(need: Need, score: float) -> Match:
    """A need not matched in the message itself: carried over, or read from its measures."""
    return Match(intent=need.intent, score=score, clause="", example="", topic=need.topic)


def _shared_pieces(text: str, product: Product) -> list[str]:
    """The runs of the text that come from the product's names (大衣 of 双面羊绒大衣)."""
    names = "".join(normalize(n) for n in (product.name, *product.aliases))
    pieces, run = [], ""
    for ch in text:
        if ch in names and ch > "\u2e7f":
            run += ch
        else:
            if len(run) >= 2:
                pieces.append(run)
            run = ""
    if len(run) >= 2:
        pieces.append(run)
    return pieces
