"""Phrase libraries: YAML files loaded into frozen objects, with loud, line-numbered errors."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from intents.render import TemplateError, placeholders, render
from intents.yaml_errors import yaml_problem

__all__ = [
    "ABSOLUTE_WORDS",
    "ASCII_PUNCTUATION",
    "FULL_WIDTH",
    "KEY_ACKNOWLEDGED",
    "KEY_DEFAULTS",
    "KEY_DESCRIPTION",
    "KEY_EVIDENCE",
    "KEY_EXAMPLES",
    "KEY_FACT_TOPICS",
    "KEY_FALLBACK",
    "KEY_IGNORED",
    "KEY_INTENT",
    "KEY_INTENTS",
    "KEY_KEYWORDS",
    "KEY_LEARNED",
    "KEY_LIBRARY",
    "KEY_NAME",
    "KEY_OUT_OF_SCOPE",
    "KEY_PRODUCT_REPLIES",
    "KEY_REPLIES",
    "KEY_REVIEWED",
    "KEY_SOCIAL",
    "KEY_STATED",
    "KEY_TAGS",
    "KEY_TERMS",
    "KEY_TEXT",
    "KEY_TONE",
    "KEY_TOPIC",
    "KEY_TOPICS",
    "KEY_UNSORTED",
    "KEY_VERSION",
    "OFF_PLATFORM",
    "PRODUCT_FACTS",
    "PRODUCT_REPLIES",
    "SCHEMA_VERSION",
    "TONES",
    "TOPIC_MIN_EXAMPLES",
    "Intent",
    "Library",
    "LibraryError",
    "Problem",
    "Reply",
    "Topic",
    "YamlReader",
    "check_library",
    "check_replies",
    "library_files",
    "load_library",
    "node_line",
]

SCHEMA_VERSION = 1
# top-level keys
KEY_VERSION = "version"
KEY_LIBRARY = "library"
KEY_NAME = "name"
KEY_DEFAULTS = "defaults"
KEY_TERMS = "terms"
KEY_FALLBACK = "fallback"
# replies to a message that asks nothing (好的, 嗯嗯, 收到): the chat goes on, no question is asked
KEY_ACKNOWLEDGED = "acknowledged"
KEY_OUT_OF_SCOPE = "out_of_scope"
KEY_INTENTS = "intents"
# a learned file (csbot learn, csbot import quick-phrases) adds to intents defined elsewhere:
# `learned:` items load as examples and replies of their intent; the review keys are for people
# and the loader skips them
KEY_LEARNED = "learned"
KEY_UNSORTED = "unsorted"
KEY_IGNORED = "ignored"
KEY_EVIDENCE = "evidence"
KEY_REVIEWED = "reviewed"
KEY_PRODUCT_REPLIES = "product_replies"
KEY_FACT_TOPICS = (
    "fact_topics"  # topics a product's facts answer (这款有什么颜色), not their replies
)
# intent keys
KEY_INTENT = "intent"
KEY_DESCRIPTION = "description"
KEY_KEYWORDS = "keywords"
KEY_TAGS = "tags"
KEY_SOCIAL = "social"  # true: a courtesy (在吗, 谢谢) that ranks after the message's real asks
# ask: a plain statement of the need is the ask (这个大的我退了, 我再看看); need: and such a
# statement stands beside another question too (收到有个洞 beside 怎么办)
KEY_STATED = "stated"
STATED_VALUES = ("ask", "need")
KEY_EXAMPLES = "examples"
KEY_REPLIES = "replies"
KEY_TOPICS = "topics"
# topic keys (and KEY_DESCRIPTION, KEY_KEYWORDS, KEY_EXAMPLES, KEY_REPLIES)
KEY_TOPIC = "topic"
# reply keys
KEY_TEXT = "text"
KEY_TONE = "tone"

TONES = ("亲切", "正式")
_TOP_KEYS = {
    KEY_VERSION,
    KEY_LIBRARY,
    KEY_NAME,
    KEY_DEFAULTS,
    KEY_TERMS,
    KEY_FALLBACK,
    KEY_ACKNOWLEDGED,
    KEY_OUT_OF_SCOPE,
    KEY_INTENTS,
    KEY_LEARNED,
    KEY_UNSORTED,
    KEY_IGNORED,
    KEY_PRODUCT_REPLIES,
    KEY_FACT_TOPICS,
}
_INTENT_KEYS = {
    KEY_INTENT,
    KEY_DESCRIPTION,
    KEY_KEYWORDS,
    KEY_TAGS,
    KEY_EXAMPLES,
    KEY_REPLIES,
    KEY_SOCIAL,
    KEY_STATED,
    KEY_TOPICS,
}
_TOPIC_KEYS = {KEY_TOPIC, KEY_DESCRIPTION, KEY_KEYWORDS, KEY_TAGS, KEY_EXAMPLES, KEY_REPLIES}
#: A topic is one specific question: enough phrasings to tell it from its neighbours.
TOPIC_MIN_EXAMPLES = 8
_REPLY_KEYS = {KEY_TEXT, KEY_TONE, KEY_TAGS}
_LEARNED_KEYS = {KEY_INTENT, KEY_TOPIC, KEY_EXAMPLES, KEY_REPLIES, KEY_EVIDENCE, KEY_REVIEWED}
#: Placeholders every product reply may use: the current product's facts.
PRODUCT_FACTS = ("product", "product_id", "colors", "color_count", "fabric", "price", "sizes")
#: The product_replies templates the engine words a product's facts with, and the extra
#: placeholders each may use beside PRODUCT_FACTS and the library defaults.
PRODUCT_REPLIES: dict[str, tuple[str, ...]] = {
    "colors": (),  # 这款有什么颜色
    "color_missing": ("color",),  # 有红色吗, of a product without red
    "fabric": (),
    "price": (),
    "sizes": (),  # 有哪些码, without height or weight
    "size_range": ("size", "fits"),  # M码适合多高的人穿
    "size_missing": ("size",),
    "size_advice": ("size", "measure"),  # the chart names one size
    "size_by_height": ("size", "measure"),  # by height; the weight would make it surer
    "size_between": ("size", "other", "measure"),  # two sizes fit: how to choose
    "size_need_weight": ("measure",),  # the chart goes by weight only
    "size_need_height": ("measure",),
    "size_outside": ("measure", "chart"),  # outside the chart, said honestly
    "stock_in": ("item",),
    "stock_out": ("item", "restock"),  # sold out, and when it comes back
    "stock_out_unknown": ("item",),  # sold out, no restock date known
    "stock_partial": ("item", "variants"),  # the colour is in stock but some of its sizes not
    "stock_all": (),  # nothing is sold out
    "stock_some": ("variants",),  # what is sold out, when no colour or size was named
}
_INTENT_ID = re.compile(r"[a-z][a-z0-9_]*\Z")

#: 广告法 absolutes a reply must not use (最近/最后/最终 are not superlatives).
ABSOLUTE_WORDS = re.compile(
    r"最(?![近后终初])|第一|绝对|100%|百分百|百分之百|顶级|唯一|首选|极品|万能|国家级|永久|全网"
)
#: Phrases that send a customer off the platform.
OFF_PLATFORM = re.compile(r"微信|v信|vx|wx|qq|加v|私下|线下交易|转账给|私聊", re.IGNORECASE)
#: Chinese shops write ，。！？～: the full-width form of each ASCII mark next to a Chinese
#: character in a reply.
FULL_WIDTH = dict(zip(",!?;:()~", "，！？；：（）～", strict=True))
_CJK = r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]"
ASCII_PUNCTUATION = re.compile(rf"(?<={_CJK})\s*[,!?;:()~]|[,!?;:()~]\s*(?={_CJK})")


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:  # line 0: the problem is the whole file (missing, unreadable)
        return (
            f"{self.path}:{self.line}: {self.message}"
            if self.line
            else f"{self.path}: {self.message}"
        )


class LibraryError(Exception):
    """A library that breaks the schema or the lint; ``problems`` say where and what."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(map(str, self.problems)))


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    tone: str = TONES[0]
    tags: tuple[str, ...] = ()
    path: Path | None = field(default=None, compare=False)
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Topic:
    """One specific question inside an intent (运费险, 顺丰), with its own phrasings and replies."""

    id: str
    intent: str
    description: str
    examples: tuple[str, ...]
    replies: tuple[Reply, ...]
    keywords: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True, slots=True)
class Intent:
    """A broad need. ``examples`` holds its own phrasings and then its topics' (every one of them
    speaks for the intent); ``replies`` are the general ones, for a clause that fits no topic."""

    id: str
    examples: tuple[str, ...]
    replies: tuple[Reply, ...]
    keywords: tuple[str, ...] = ()
    description: str = ""
    tags: tuple[str, ...] = ()
    source: str = ""
    social: bool = False
    stated: str = ""  # "", "ask" or "need": see KEY_STATED
    topics: tuple[Topic, ...] = ()

    def topic(self, topic_id: str) -> Topic:
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(topic_id)


@dataclass(frozen=True)
class Library:
    id: str
    name: str
    intents: tuple[Intent, ...]
    defaults: Mapping[str, str] = field(default_factory=dict)
    terms: tuple[str, ...] = ()
    fallback: tuple[Reply, ...] = ()
    acknowledged: tuple[Reply, ...] = ()
    out_of_scope: tuple[str, ...] = ()
    sources: tuple[Path, ...] = ()
    product_replies: Mapping[str, tuple[Reply, ...]] = field(default_factory=dict)
    fact_topics: frozenset[str] = frozenset()

    def intent(self, intent_id: str) -> Intent:
        for intent in self.intents:
            if intent.id == intent_id:
                return intent
        raise KeyError(intent_id)

    @property
    def intent_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.intents)

    @property
    def topics(self) -> tuple[Topic, ...]:
        return tuple(t for i in self.intents for t in i.topics)

    def topic(self, topic_id: str) -> Topic:
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(topic_id)

    def all_replies(self) -> Iterator[Reply]:
        """Every reply a customer may receive: fallback, intents' and topics'."""
        yield from self.fallback
        yield from self.acknowledged
        for intent in self.intents:
            yield from intent.replies
            for topic in intent.topics:
                yield from topic.replies
        for replies in self.product_replies.values():
            yield from replies


def library_files(path: Path) -> list[Path]:
    """The YAML files of one library: the file itself, or a folder's direct ``*.yaml`` children."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())
    return [path]


def load_library(path: str | Path, *, exclude: Iterable[str | Path] = ()) -> Library:
    """Load and validate a library file or folder; raise LibraryError listing every problem.

    ``exclude`` leaves files of the folder out (csbot learn reads the library without the
    learned file it is about to rewrite).

    >>> load_library("phrases").id
    'shop'
    """
    reader = _read_library(Path(path), exclude)
    if reader.built is None:
        raise LibraryError(reader.problems)
    return reader.built


def check_library(path: str | Path) -> tuple[Library | None, list[Problem]]:
    """The library (None when it cannot load) and every problem in it, in one pass, by file
    and line: the schema, the 广告法 and off-platform lint, and ASCII punctuation in replies
    (the only one that does not stop the library loading), so a file is fixed in one round.

    >>> library, problems = check_library("phrases")
    >>> library.id, problems
    ('shop', [])
    """
    reader = _read_library(Path(path))
    problems = [*reader.problems, *reader.punctuation()]
    return reader.built, sorted(problems, key=lambda p: (str(p.path), p.line))


def check_replies(library: Library, values: Mapping[str, object] | None = None) -> list[Problem]:
    """Lint every reply as a customer would receive it (rendered with ``values``)."""
    values = {**_FACTS, **library.defaults, **(values or {})}
    return _lint(library.all_replies(), values, Path(library.id))


# product replies are linted with each fact standing in for itself
_FACTS = {name: name for extra in PRODUCT_REPLIES.values() for name in (*PRODUCT_FACTS, *extra)}


def _lint(replies: Iterable[Reply], values: Mapping[str, object], where: Path) -> list[Problem]:
    problems = []
    for reply in replies:
        try:
            text = render(reply.text, values)
        except TemplateError as exc:
            problems.append(Problem(reply.path or where, reply.line, str(exc)))
            continue
        for pattern, why in (
            (ABSOLUTE_WORDS, "回复用了广告法禁用的绝对化用语"),
            (OFF_PLATFORM, "回复把顾客引到平台外"),
        ):
            hits = "、".join(repr(h) for h in dict.fromkeys(pattern.findall(text)))
            if hits:
                problems.append(Problem(reply.path or where, reply.line, f"{why} {hits}：{text}"))
    return problems


def _read_library(path: Path, exclude: Iterable[str | Path] = ()) -> _Reader:
    reader = _Reader()
    if not path.exists():
        reader.problems.append(Problem(path, 0, "找不到这个话术库文件或文件夹"))
        return reader
    skip = {Path(p).resolve() for p in exclude}
    files = [f for f in library_files(path) if f.resolve() not in skip]
    if not files:
        reader.problems.append(Problem(path, 0, "文件夹里没有 *.yaml 话术库文件"))
        return reader
    for file in files:
        reader.read_file(file)
    reader.finish(path)
    return reader


def node_line(node: yaml.Node) -> int:
    """The 1-based line a composed YAML node starts on."""
    return node.start_mark.line + 1


_line = node_line


class YamlReader:
    """Reads YAML files as composed nodes, so every value keeps its line for error messages.

    The base of the phrase-library reader, public so other YAML formats (practice scenarios)
    report problems the same way: ``compose(path)`` gives the root node or ``None``, and the
    helpers (``mapping``, ``text``, ``strings``, ``flag``, ...) check a node's shape, add a
    `Problem` naming ``self.path`` and the line when it is wrong, and return what they could read.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "x.yaml"
    ...     _ = path.write_text("version: 1\\nname: [1]\\n", encoding="utf-8")
    ...     reader = YamlReader()
    ...     top = reader.mapping(reader.compose(path), "文件顶层", {"version", "name"})
    ...     reader.text(top["name"], "name")
    >>> [(p.line, p.message) for p in reader.problems]
    [(2, 'name 应该是一段文字')]
    """

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.path = Path()

    def compose(self, path: Path) -> yaml.Node | None:
        """The file's root node (``self.path`` becomes ``path``); None, with a problem, when
        the file is unreadable, not YAML or empty."""
        self.path = path
        source = ""
        try:
            source = path.read_text(encoding="utf-8")
            root = yaml.compose(source, Loader=_Loader)
        except yaml.MarkedYAMLError as exc:
            self.error(*yaml_problem(exc, source))
            return None
        except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
            self.error(0, f"读不了这个文件：{exc}")
            return None
        if root is None:
            self.error(1, "文件是空的")
        return root

    def error(self, node: yaml.Node | int, message: str) -> None:
        """A problem at the node's line (or a line number; 0 is the whole file)."""
        line = node if isinstance(node, int) else node_line(node)
        self.problems.append(Problem(self.path, line, message))

    def mapping(self, node: yaml.Node, what: str, allowed: set[str]) -> dict[str, yaml.Node] | None:
        """The mapping's values by key; unknown and repeated keys are problems."""
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} 应该是「键: 值」的映射")
            return None
        out: dict[str, yaml.Node] = {}
        for key, value in node.value:
            name = self.scalar(key)
            if name in out:
                self.error(key, f"{what} 里的键 {name!r} 重复了")
            elif name not in allowed:
                self.error(
                    key, f"{what} 里有不认识的键 {name!r}（可用：{', '.join(sorted(allowed))}）"
                )
            out[name] = value
        return out

    def strings(self, node: yaml.Node | None, where: str) -> list[str]:
        """A list of non-empty strings (absent: empty)."""
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{where} 应该是字符串列表")
            return []
        out = []
        for item in node.value:
            text = self.text(item, where)
            if text:
                out.append(text)
        return out

    def text(self, node: yaml.Node, where: str) -> str | None:
        """A non-empty string, stripped; None (with a problem) otherwise."""
        if not isinstance(node, yaml.ScalarNode):
            self.error(node, f"{where} 应该是一段文字")
            return None
        value = str(node.value).strip()
        if not value:
            self.error(node, f"{where} 不能是空的")
            return None
        return value

    def flag(self, node: yaml.Node | None, where: str) -> bool:
        """true or false (absent: false)."""
        if node is None:
            return False
        if not isinstance(node, yaml.ScalarNode) or node.value not in {"true", "false"}:
            self.error(node, f"{where} 应该是 true 或 false")
            return False
        return node.value == "true"

    def choice(self, node: yaml.Node | None, where: str, values: tuple[str, ...]) -> str:
        """One of ``values`` (absent: "")."""
        if node is None:
            return ""
        if not isinstance(node, yaml.ScalarNode) or node.value not in values:
            self.error(node, f"{where} 应该是 {' 或 '.join(values)}")
            return ""
        return str(node.value)

    def optional_text(self, fields: dict[str, yaml.Node], key: str) -> str:
        """The key's text, or "" when the key is absent."""
        return (self.text(fields[key], key) or "") if key in fields else ""

    def scalar(self, node: yaml.Node) -> str:
        """A scalar's raw value; "" for anything else."""
        return str(node.value) if isinstance(node, yaml.ScalarNode) else ""


class _Reader(YamlReader):
    """The phrase-library reader: every file of a library into one `Library`."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.topic_lines: dict[str, str] = {}  # topic id -> where it was first defined
        self.names: list[str] = []
        self.intents: list[Intent] = []
        self.defaults: dict[str, str] = {}
        self.default_lines: dict[str, tuple[Path, int]] = {}
        self.terms: list[str] = []
        self.fallback: list[Reply] = []
        self.acknowledged: list[Reply] = []
        self.out_of_scope: list[str] = []
        self.product_replies: dict[str, list[Reply]] = {}
        self.fact_topics: list[tuple[str, Path, int]] = []
        self.sources: list[Path] = []
        # (node, file, intent id, topic id or "", examples, replies) of each learned: item
        self.learned: list[tuple[yaml.Node, Path, str, str, list[str], list[Reply]]] = []
        self.display_name: str | None = None
        self.built: Library | None = None  # once finish() found no problem

    def read_file(self, path: Path) -> None:
        self.sources.append(path)
        root = self.compose(path)
        if root is None:
            return
        top = self.mapping(root, "文件顶层", _TOP_KEYS)
        if top is None:
            return
        version = top.get(KEY_VERSION)
        if version is None:
            self.error(root, f"缺少 {KEY_VERSION}: {SCHEMA_VERSION}")
        elif self.scalar(version) != str(SCHEMA_VERSION):
            self.error(version, f"{KEY_VERSION} 必须是 {SCHEMA_VERSION}")
        if KEY_LIBRARY in top:
            self.names.append(self.text(top[KEY_LIBRARY], KEY_LIBRARY) or "")
        if KEY_NAME in top:
            self.display_name = self.text(top[KEY_NAME], KEY_NAME)
        if KEY_DEFAULTS in top:
            self.read_defaults(top[KEY_DEFAULTS])
        self.terms += self.strings(top.get(KEY_TERMS), KEY_TERMS)
        self.out_of_scope += self.strings(top.get(KEY_OUT_OF_SCOPE), KEY_OUT_OF_SCOPE)
        if KEY_FALLBACK in top:
            self.fallback += self.replies(top[KEY_FALLBACK], KEY_FALLBACK)
        if KEY_ACKNOWLEDGED in top:
            self.acknowledged += self.replies(top[KEY_ACKNOWLEDGED], KEY_ACKNOWLEDGED)
        if KEY_LEARNED in top:
            self.read_learned(top[KEY_LEARNED])
        if KEY_PRODUCT_REPLIES in top:
            self.read_product_replies(top[KEY_PRODUCT_REPLIES])
        node = top.get(KEY_FACT_TOPICS)
        if isinstance(node, yaml.SequenceNode):
            for item in node.value:
                topic = self.text(item, KEY_FACT_TOPICS)
                if topic:
                    self.fact_topics.append((topic, self.path, _line(item)))
        elif node is not None:
            self.error(node, f"{KEY_FACT_TOPICS} 应该是话题 id 的列表")
        intents = top.get(KEY_INTENTS)
        if intents is None and KEY_PRODUCT_REPLIES in top:
            return  # a file of product replies only (phrases/shop_product.yaml)
        if intents is None:
            if KEY_LEARNED not in top:
                self.error(root, f"缺少 {KEY_INTENTS}: 列出至少一个意图")
        elif not isinstance(intents, yaml.SequenceNode):
            self.error(intents, f"{KEY_INTENTS} 应该是列表（每项以 - 开头）")
        else:
            for item in intents.value:
                self.read_intent(item)

    def read_defaults(self, node: yaml.Node) -> None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{KEY_DEFAULTS} 应该是「名字: 值」的映射")
            return
        for key, value in node.value:
            name = self.scalar(key)
            if not isinstance(value, yaml.ScalarNode) or value.value == "":
                self.error(value, f"{KEY_DEFAULTS}.{name} 应该是一个非空的值")
                continue
            if name in self.defaults and self.defaults[name] != value.value:
                path, line = self.default_lines[name]
                self.error(key, f"{KEY_DEFAULTS}.{name} 与 {path}:{line} 的取值冲突")
                continue
            self.defaults[name] = value.value
            self.default_lines[name] = (self.path, _line(key))

    def read_product_replies(self, node: yaml.Node) -> None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{KEY_PRODUCT_REPLIES} 应该是「模板名: 回复列表」的映射")
            return
        for key, value in node.value:
            name = self.scalar(key)
            if name not in PRODUCT_REPLIES:
                known = ", ".join(PRODUCT_REPLIES)
                self.error(key, f"{KEY_PRODUCT_REPLIES} 里有不认识的模板 {name!r}（可用：{known}）")
                continue
            if name in self.product_replies:
                self.error(key, f"{KEY_PRODUCT_REPLIES}.{name} 重复了")
                continue
            replies = self.replies(value, f"{KEY_PRODUCT_REPLIES}.{name}")
            self.product_replies[name] = replies

    def read_intent(self, node: yaml.Node) -> None:
        fields = self.mapping(node, "意图", _INTENT_KEYS)
        if fields is None:
            return
        if KEY_INTENT not in fields:
            self.error(node, f"意图缺少 {KEY_INTENT}: 它的 id")
            return
        intent_id = self.text(fields[KEY_INTENT], KEY_INTENT) or ""
        if intent_id and not _INTENT_ID.match(intent_id):
            self.error(fields[KEY_INTENT], f"意图 id {intent_id!r} 只能用小写字母、数字和下划线")
        if intent_id in self.ids:
            self.error(fields[KEY_INTENT], f"意图 id {intent_id!r} 重复了")
        self.ids.add(intent_id)
        examples = self.strings(fields.get(KEY_EXAMPLES), f"{intent_id}.{KEY_EXAMPLES}")
        if not examples:
            self.error(fields.get(KEY_EXAMPLES, node), f"意图 {intent_id} 没有 {KEY_EXAMPLES}")
        replies = self.replies(fields.get(KEY_REPLIES), f"{intent_id}.{KEY_REPLIES}")
        if not replies:
            self.error(fields.get(KEY_REPLIES, node), f"意图 {intent_id} 没有 {KEY_REPLIES}")
        topics = self.read_topics(fields.get(KEY_TOPICS), intent_id)
        examples += [e for t in topics for e in t.examples]
        self.intents.append(
            Intent(
                id=intent_id,
                examples=tuple(dict.fromkeys(examples)),
                replies=tuple(replies),
                keywords=tuple(self.strings(fields.get(KEY_KEYWORDS), KEY_KEYWORDS)),
                description=self.optional_text(fields, KEY_DESCRIPTION),
                tags=tuple(self.strings(fields.get(KEY_TAGS), KEY_TAGS)),
                social=self.flag(fields.get(KEY_SOCIAL), KEY_SOCIAL),
                stated=self.choice(
                    fields.get(KEY_STATED), f"{intent_id}.{KEY_STATED}", STATED_VALUES
                ),
                source=f"{self.path}:{_line(node)}",
                topics=tuple(topics),
            )
        )

    def read_topics(self, node: yaml.Node | None, intent_id: str) -> list[Topic]:
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{intent_id}.{KEY_TOPICS} 应该是列表（每项以 - {KEY_TOPIC}: 开头）")
            return []
        return [t for t in map(lambda item: self.read_topic(item, intent_id), node.value) if t]

    def read_topic(self, node: yaml.Node, intent_id: str) -> Topic | None:
        fields = self.mapping(node, f"意图 {intent_id} 的话题", _TOPIC_KEYS)
        if fields is None:
            return None
        if KEY_TOPIC not in fields:
            self.error(node, f"意图 {intent_id} 的话题缺少 {KEY_TOPIC}: 它的 id")
            return None
        topic_id = self.text(fields[KEY_TOPIC], KEY_TOPIC) or ""
        where = f"话题 {topic_id}"
        if topic_id and not _INTENT_ID.match(topic_id):
            self.error(fields[KEY_TOPIC], f"话题 id {topic_id!r} 只能用小写字母、数字和下划线")
        here = f"{self.path}:{_line(node)}"
        if topic_id in self.topic_lines:
            first = self.topic_lines[topic_id]
            self.error(fields[KEY_TOPIC], f"话题 id {topic_id!r} 重复了（第一次在 {first}）")
        self.topic_lines.setdefault(topic_id, here)
        if KEY_DESCRIPTION not in fields:
            self.error(node, f"{where} 缺少 {KEY_DESCRIPTION}: 给客服看的简短中文名，如 运费险")
        examples = list(
            dict.fromkeys(self.strings(fields.get(KEY_EXAMPLES), f"{topic_id}.{KEY_EXAMPLES}"))
        )
        if len(examples) < TOPIC_MIN_EXAMPLES:
            self.error(
                fields.get(KEY_EXAMPLES, node),
                f"{where} 只有 {len(examples)} 条不同的 {KEY_EXAMPLES}，至少要 "
                f"{TOPIC_MIN_EXAMPLES} 条顾客的不同说法",
            )
        replies = self.replies(fields.get(KEY_REPLIES), f"{topic_id}.{KEY_REPLIES}")
        missing = [tone for tone in TONES if not any(r.tone == tone for r in replies)]
        if missing:
            self.error(
                fields.get(KEY_REPLIES, node),
                f"{where} 缺少{'、'.join(missing)}语气的回复：每种语气（{' 和 '.join(TONES)}）"
                f"至少一条",
            )
        return Topic(
            id=topic_id,
            intent=intent_id,
            description=self.optional_text(fields, KEY_DESCRIPTION),
            examples=tuple(examples),
            replies=tuple(replies),
            keywords=tuple(self.strings(fields.get(KEY_KEYWORDS), KEY_KEYWORDS)),
            tags=tuple(self.strings(fields.get(KEY_TAGS), KEY_TAGS)),
            source=here,
        )

    def read_learned(self, node: yaml.Node) -> None:
        """``learned:`` items: more examples and replies for an intent defined in any file."""
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{KEY_LEARNED} 应该是列表（每项以 - {KEY_INTENT}: 开头）")
            return
        for item in node.value:
            fields = self.mapping(item, f"{KEY_LEARNED} 的一项", _LEARNED_KEYS)
            if fields is None:
                continue
            if KEY_INTENT not in fields:
                self.error(item, f"{KEY_LEARNED} 的一项缺少 {KEY_INTENT}: 它补充的意图 id")
                continue
            intent_id = self.text(fields[KEY_INTENT], KEY_INTENT) or ""
            topic_id = self.optional_text(fields, KEY_TOPIC)
            where = f"{KEY_LEARNED}.{intent_id}"
            examples = self.strings(fields.get(KEY_EXAMPLES), f"{where}.{KEY_EXAMPLES}")
            replies = self.replies(fields.get(KEY_REPLIES), f"{where}.{KEY_REPLIES}")
            node = fields.get(KEY_TOPIC, fields[KEY_INTENT]) if topic_id else fields[KEY_INTENT]
            self.learned.append((node, self.path, intent_id, topic_id, examples, replies))

    def add_learned(self) -> None:
        by_id = {intent.id: n for n, intent in enumerate(self.intents)}
        for node, path, intent_id, topic_id, examples, replies in self.learned:
            if intent_id not in by_id:
                known = ", ".join(sorted(by_id))
                message = f"{KEY_LEARNED} 里的意图 {intent_id!r} 在话术库里没有（有：{known}）"
                self.problems.append(Problem(path, _line(node), message))
                continue
            n = by_id[intent_id]
            intent = self.intents[n]
            topics = {t.id: k for k, t in enumerate(intent.topics)}
            if topic_id and topic_id not in topics:
                known = ", ".join(sorted(topics)) or "无"
                message = (
                    f"{KEY_LEARNED} 里的话题 {topic_id!r} 不在意图 {intent_id} 里（有：{known}）"
                )
                self.problems.append(Problem(path, _line(node), message))
                continue
            more = tuple(dict.fromkeys([*intent.examples, *examples]))
            if not topic_id:
                self.intents[n] = replace(
                    intent, examples=more, replies=(*intent.replies, *replies)
                )
                continue
            # a topic's examples speak for its intent too, as in the intent's own file
            k = topics[topic_id]
            topic = intent.topics[k]
            grown = replace(
                topic,
                examples=tuple(dict.fromkeys([*topic.examples, *examples])),
                replies=(*topic.replies, *replies),
            )
            self.intents[n] = replace(
                intent, examples=more, topics=(*intent.topics[:k], grown, *intent.topics[k + 1 :])
            )

    def replies(self, node: yaml.Node | None, where: str) -> list[Reply]:
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{where} 应该是列表，每项是 - text: ...")
            return []
        out = []
        for item in node.value:
            fields = self.mapping(item, f"{where} 的一项", _REPLY_KEYS)
            if fields is None:
                continue
            if KEY_TEXT not in fields:
                self.error(item, f"{where} 的一项缺少 {KEY_TEXT}")
                continue
            text = self.text(fields[KEY_TEXT], f"{where}.{KEY_TEXT}")
            tone = self.text(fields[KEY_TONE], KEY_TONE) if KEY_TONE in fields else TONES[0]
            if tone not in TONES:
                self.error(fields[KEY_TONE], f"{KEY_TONE} 只能是 {' 或 '.join(TONES)}")
                continue
            if not text:
                continue
            try:
                placeholders(text)
            except TemplateError as exc:
                self.error(fields[KEY_TEXT], str(exc))
                continue
            tags = tuple(self.strings(fields.get(KEY_TAGS), KEY_TAGS))
            out.append(Reply(text, tone, tags, self.path, _line(fields[KEY_TEXT])))
        return out

    def all_replies(self) -> list[Reply]:
        """Every reply read so far, whether or not the library is whole."""
        replies = [
            *self.fallback,
            *self.acknowledged,
            *(r for i in self.intents for r in i.replies),
        ]
        replies += [r for i in self.intents for t in i.topics for r in t.replies]
        return replies + [r for rs in self.product_replies.values() for r in rs]

    def punctuation(self) -> list[Problem]:
        """ASCII punctuation next to Chinese in the replies, as the customer would read them."""
        problems = []
        for reply in self.all_replies():
            text = render(reply.text, _KnownOrName(self.defaults))
            marks = dict.fromkeys(m.group().strip() for m in ASCII_PUNCTUATION.finditer(text))
            if marks:
                fix = "、".join(f"{m} → {FULL_WIDTH[m]}" for m in marks)
                message = f"回复里中文旁边用了半角标点（{fix}）：{text}"
                problems.append(Problem(reply.path or self.path, reply.line, message))
        return problems

    def finish(self, path: Path) -> None:
        """Check the whole library; ``self.built`` is set only when nothing is wrong. The
        replies are linted even when the schema is broken, so every problem shows at once."""
        self.add_learned()
        names = set(self.names)
        if len(names) > 1:
            self.problems.append(
                Problem(path, 0, f"同一个话术库里的文件 library 不一致：{sorted(names)}")
            )
        if not self.intents and not self.problems:
            self.problems.append(Problem(path, 0, "话术库里没有意图"))
        replies = [
            *self.fallback,
            *self.acknowledged,
            *(r for i in self.intents for r in i.replies),
        ]
        replies += [r for i in self.intents for t in i.topics for r in t.replies]
        for reply in replies:
            for name in placeholders(reply.text):
                if name not in self.defaults:
                    message = f"占位符 {{{name}}} 没有定义：请在 {KEY_DEFAULTS} 里给出它的值"
                    self.problems.append(Problem(reply.path or path, reply.line, message))
        for topic, where, line in self.fact_topics:
            if topic not in self.topic_lines:
                message = f"{KEY_FACT_TOPICS} 里的话题 {topic!r} 不在这个话术库里"
                self.problems.append(Problem(where, line, message))
        for template, product_replies in self.product_replies.items():
            allowed = {*PRODUCT_FACTS, *PRODUCT_REPLIES[template], *self.defaults}
            for reply in product_replies:
                for name in placeholders(reply.text):
                    if name not in allowed:
                        facts = ", ".join(
                            f"{{{a}}}" for a in (*PRODUCT_FACTS, *PRODUCT_REPLIES[template])
                        )
                        message = (
                            f"{KEY_PRODUCT_REPLIES}.{template} 不能用 {{{name}}}：可用 {facts} "
                            f"或 {KEY_DEFAULTS} 里的值"
                        )
                        self.problems.append(Problem(reply.path or path, reply.line, message))
        # undefined placeholders are reported above; linted, they stand for themselves
        self.problems += _lint(self.all_replies(), _KnownOrName(self.defaults), path)
        if self.problems:
            return
        self.built = Library(
            id=next(iter(names), path.stem) or path.stem,
            name=self.display_name or next(iter(names), path.stem),
            intents=tuple(self.intents),
            defaults=dict(self.defaults),
            terms=tuple(dict.fromkeys(self.terms)),
            fallback=tuple(self.fallback),
            acknowledged=tuple(self.acknowledged),
            out_of_scope=tuple(dict.fromkeys(self.out_of_scope)),
            sources=tuple(self.sources),
            product_replies={k: tuple(v) for k, v in self.product_replies.items()},
            fact_topics=frozenset(t for t, _, _ in self.fact_topics),
        )


class _KnownOrName(dict[str, object]):
    """Values where a name without one stands for itself ({size} → size)."""

    def __contains__(self, name: object) -> bool:
        return True

    def __missing__(self, name: str) -> str:
        return name


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml when available: composing the shipped library takes milliseconds, not 0.2 s."""
