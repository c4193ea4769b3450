"""Practice scenarios: scripted customers for new agents, loaded from YAML with loud errors.

A scenario is one file in ``phrases/practice/``. It names a phrase library, and each turn names
that library's intents, so the reference replies (and, when a turn has no ``say``, the customer's
words) come from the library the shop already keeps up to date.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.config import SHIPPED_LIBRARIES, SHIPPED_PHRASES
from intents import Library, LibraryError, Problem, load_library, normalize
from intents.catalog import Catalog, Product, load_catalog

# The node walking (line numbers, key and type checks, messages) is the library loader's, so a
# scenario error reads exactly like a library error.
from intents.library import YamlReader, library_files, node_line

SHIPPED_PRACTICE = SHIPPED_PHRASES / "practice"
#: The catalogue a scenario's product is looked up in unless it names its own.
SAMPLE_CATALOG = SHIPPED_PHRASES / "catalog" / "catalog.yaml"
SCHEMA_VERSION = 1
# top-level keys
KEY_VERSION = "version"
KEY_SCENARIO = "scenario"
KEY_TITLE = "title"
KEY_LEVEL = "level"
KEY_LIBRARY = "library"
KEY_TURNS = "turns"
KEY_PRODUCT = "product"  # the catalogue item the customer is looking at
KEY_CATALOG = "catalog"  # where it is listed, relative to the scenario (default: the sample)
# turn keys
KEY_INTENT = "intent"
KEY_SAY = "say"
KEY_EXPECT = "expect"
KEY_GOAL = "goal"

LEVELS = {1: "入门", 2: "进阶", 3: "困难"}
#: Separates the alternatives of one expected element: "身高|体重" is met by either word.
ALTERNATIVES = "|"
_TOP_KEYS = {
    KEY_VERSION, KEY_SCENARIO, KEY_TITLE, KEY_LEVEL, KEY_LIBRARY, KEY_TURNS, KEY_PRODUCT,
    KEY_CATALOG,
}  # fmt: skip
_TURN_KEYS = {KEY_INTENT, KEY_SAY, KEY_EXPECT, KEY_GOAL}
# 40 at most: the id travels in a signed button, and Telegram allows 64 bytes of button data
_SCENARIO_ID = re.compile(r"[a-z0-9_]{1,40}\Z")
# Joins the customer's needs when a several-need turn draws its words from library examples.
_NEEDS_JOINER = ","


@dataclass(frozen=True, slots=True)
class Turn:
    """One customer message: its needs, optional scripted words, what a good answer contains."""

    intents: tuple[str, ...]  # one need, or several asked in the same message
    say: tuple[str, ...] = ()  # empty: the customer speaks with the library's examples
    expect: tuple[str, ...] = ()  # each "身高|体重": any one alternative meets the element
    goal: str = ""  # what the trainee should achieve, shown with the feedback
    line: int = field(default=0, compare=False)

    @property
    def intent(self) -> str:
        """The main need: the first one asked."""
        return self.intents[0]


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    title: str
    level: int
    library: str
    turns: tuple[Turn, ...]
    path: Path | None = field(default=None, compare=False)
    product: Product | None = None  # the trainee answers with this product's facts

    @property
    def level_name(self) -> str:
        return LEVELS[self.level]

    @property
    def intents(self) -> frozenset[str]:
        """Every intent the scenario trains, so a set of scenarios can be checked for coverage."""
        return frozenset(i for turn in self.turns for i in turn.intents)


LibrarySource = Path | Library


def load_scenario(
    path: str | Path, *, libraries: Mapping[str, LibrarySource] | None = None
) -> Scenario:
    """Load and validate one scenario file; raise LibraryError listing every problem.

    ``libraries`` maps library names to a path or a loaded Library (default: the shipped ones).

    >>> load_scenario("phrases/practice/size_bargain.yaml").turns[1].intent
    'size'
    """
    reader = _ScenarioReader(libraries)
    scenario = reader.read_file(Path(path))
    reader.raise_problems()
    assert scenario is not None  # a file that gave no scenario has reported a problem
    return scenario


def load_scenarios(
    folder: str | Path = SHIPPED_PRACTICE,
    *,
    libraries: Mapping[str, LibrarySource] | None = None,
) -> list[Scenario]:
    """Load every ``*.yaml`` scenario of a folder, easiest first (level, then id).

    Every file is checked before anything is raised, so one run lists all the problems.

    >>> [s.level for s in load_scenarios()][:1]
    [1]
    """
    folder = Path(folder)
    reader = _ScenarioReader(libraries)
    if not folder.exists():
        raise LibraryError([Problem(folder, 0, "找不到这个练习场景文件或文件夹")])
    files = library_files(folder)
    if not files:
        raise LibraryError([Problem(folder, 0, "文件夹里没有 *.yaml 练习场景文件")])
    scenarios: dict[str, Scenario] = {}
    for file in files:
        scenario = reader.read_file(file)
        if scenario is None:
            continue
        if scenario.id in scenarios:
            first = scenarios[scenario.id].path
            reader.problems.append(Problem(file, reader.id_line, f"场景 id 与 {first} 重复了"))
            continue
        scenarios[scenario.id] = scenario
    reader.raise_problems()
    return sorted(scenarios.values(), key=lambda s: (s.level, s.id))


def customer_line(turn: Turn, library: Library, rng: random.Random) -> str:
    """What the customer types this time: a scripted line, else an example of each need.

    >>> lib = load_library("phrases")
    >>> customer_line(Turn(("greeting",)), lib, random.Random(1)) in lib.intent("greeting").examples
    True
    """
    if turn.say:
        return rng.choice(turn.say)
    return _NEEDS_JOINER.join(rng.choice(library.intent(i).examples) for i in turn.intents)


class _ScenarioReader(YamlReader):
    def __init__(self, libraries: Mapping[str, LibrarySource] | None) -> None:
        super().__init__()
        self.library_sources = dict(SHIPPED_LIBRARIES if libraries is None else libraries)
        self.loaded: dict[str, Library | None] = {}
        self.catalogs: dict[Path, Catalog | None] = {}
        self.id_line = 0

    def raise_problems(self) -> None:
        if self.problems:
            raise LibraryError(self.problems)

    def read_file(self, path: Path) -> Scenario | None:
        root = self.compose(path)
        if root is None:
            return None
        before = len(self.problems)
        top = self.mapping(root, "文件顶层", _TOP_KEYS)
        if top is None:
            return None
        version = top.get(KEY_VERSION)
        if version is None:
            self.error(root, f"缺少 {KEY_VERSION}: {SCHEMA_VERSION}")
        elif self.scalar(version) != str(SCHEMA_VERSION):
            self.error(version, f"{KEY_VERSION} 必须是 {SCHEMA_VERSION}")
        scenario_id = self.required_text(top, KEY_SCENARIO, root, "场景 id，例如 size_bargain")
        if scenario_id and not _SCENARIO_ID.match(scenario_id):
            self.error(
                top[KEY_SCENARIO],
                f"场景 id {scenario_id!r} 只能用小写字母、数字和下划线，最长 40 个字符",
            )
        self.id_line = node_line(top.get(KEY_SCENARIO, root))
        title = self.required_text(top, KEY_TITLE, root, "给学员看的标题")
        level = self.level(top.get(KEY_LEVEL), root)
        library = self.library(top.get(KEY_LIBRARY), root)
        turns = self.turns(top.get(KEY_TURNS), root, library)
        product = self.product(top)
        if len(self.problems) > before or library is None:
            return None
        # The name as written, so callers look the library up where the loader did.
        name = self.scalar(top[KEY_LIBRARY]).strip()
        return Scenario(scenario_id, title, level, name, turns, path, product)

    def product(self, top: dict[str, yaml.Node]) -> Product | None:
        if KEY_PRODUCT not in top:
            if KEY_CATALOG in top:
                self.error(top[KEY_CATALOG], f"写了 {KEY_CATALOG} 却没有 {KEY_PRODUCT}：商品 id")
            return None
        product_id = self.text(top[KEY_PRODUCT], KEY_PRODUCT)
        where = self.optional_text(top, KEY_CATALOG)
        path = (self.path.parent / where) if where else SAMPLE_CATALOG
        if product_id is None:
            return None
        if path not in self.catalogs:
            try:
                self.catalogs[path] = load_catalog(path)
            except LibraryError as exc:
                self.catalogs[path] = None
                self.problems += exc.problems
        catalog = self.catalogs[path]
        if catalog is None:
            self.error(
                top.get(KEY_CATALOG, top[KEY_PRODUCT]), f"商品目录 {path} 本身有问题（见上）"
            )
            return None
        found = catalog.get(product_id)
        if found is None:
            self.error(top[KEY_PRODUCT], f"商品目录 {path} 里没有商品 {product_id!r}")
        return found

    def required_text(self, top: dict[str, yaml.Node], key: str, root: yaml.Node, hint: str) -> str:
        if key not in top:
            self.error(root, f"缺少 {key}: {hint}")
            return ""
        return self.text(top[key], key) or ""

    def level(self, node: yaml.Node | None, root: yaml.Node) -> int:
        names = "、".join(f"{n} {name}" for n, name in LEVELS.items())
        if node is None:
            self.error(root, f"缺少 {KEY_LEVEL}: 难度（{names}）")
            return 0
        value = self.scalar(node)
        if not value.isdigit() or int(value) not in LEVELS:
            self.error(node, f"{KEY_LEVEL} 只能是 {names}，不是 {value or '这个值'}")
            return 0
        return int(value)

    def library(self, node: yaml.Node | None, root: yaml.Node) -> Library | None:
        if node is None:
            self.error(
                root, f"缺少 {KEY_LIBRARY}: 场景用的话术库（{', '.join(self.library_sources)}）"
            )
            return None
        name = self.text(node, KEY_LIBRARY)
        if name is None:
            return None
        if name not in self.library_sources:
            self.error(
                node, f"没有名为 {name!r} 的话术库（可用：{', '.join(self.library_sources)}）"
            )
            return None
        if name not in self.loaded:
            source = self.library_sources[name]
            try:
                self.loaded[name] = source if isinstance(source, Library) else load_library(source)
            except LibraryError as exc:
                self.loaded[name] = None
                self.problems += exc.problems
        if self.loaded[name] is None:
            self.error(node, f"话术库 {name!r} 本身有问题（见上），先修好它")
        return self.loaded[name]

    def turns(
        self, node: yaml.Node | None, root: yaml.Node, library: Library | None
    ) -> tuple[Turn, ...]:
        if node is None:
            self.error(root, f"缺少 {KEY_TURNS}: 顾客一轮一轮说的话")
            return ()
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.error(node, f"{KEY_TURNS} 应该是至少一项的列表（每项以 - {KEY_INTENT}: 开头）")
            return ()
        turns = (self.turn(item, n, library) for n, item in enumerate(node.value, 1))
        return tuple(t for t in turns if t is not None)

    def turn(self, node: yaml.Node, number: int, library: Library | None) -> Turn | None:
        where = f"第 {number} 轮"
        fields = self.mapping(node, where, _TURN_KEYS)
        if fields is None:
            return None
        if KEY_INTENT not in fields:
            self.error(node, f"{where}缺少 {KEY_INTENT}: 顾客这句话的意图")
            return None
        intent_node = fields[KEY_INTENT]
        if isinstance(intent_node, yaml.SequenceNode):  # several needs in one message
            intents = self.strings(intent_node, f"{where}的 {KEY_INTENT}")
        else:
            intents = [self.text(intent_node, f"{where}的 {KEY_INTENT}") or ""]
        intents = [i for i in intents if i]
        if not intents:
            self.error(intent_node, f"{where}的 {KEY_INTENT} 不能是空的")
            return None
        if len(set(intents)) < len(intents):
            self.error(intent_node, f"{where}的 {KEY_INTENT} 有重复")
        if library is not None:
            for intent in intents:
                if intent not in library.intent_ids:
                    known = ", ".join(library.intent_ids)
                    message = f"话术库 {library.id} 里没有意图 {intent!r}（可用：{known}）"
                    self.error(intent_node, f"{where}: {message}")
        say = self.strings(fields.get(KEY_SAY), f"{where}的 {KEY_SAY}")
        if KEY_SAY in fields and not say:
            self.error(fields[KEY_SAY], f"{where}的 {KEY_SAY} 是空的：删掉它就从话术库例句里抽")
        elif library is not None and not say:
            for intent in intents:
                if intent in library.intent_ids and not library.intent(intent).examples:
                    self.error(intent_node, f"{where}: 意图 {intent} 没有例句，请写 {KEY_SAY}")
        expect = [self.element(item, where) for item in self.expect_nodes(fields, where)]
        goal = self.optional_text(fields, KEY_GOAL)
        expected = tuple(e for e in expect if e)
        return Turn(tuple(intents), tuple(say), expected, goal, node_line(node))

    def expect_nodes(self, fields: dict[str, yaml.Node], where: str) -> list[yaml.Node]:
        node = fields.get(KEY_EXPECT)
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"{where}的 {KEY_EXPECT} 应该是列表，每项如 身高|体重")
            return []
        return list(node.value)

    def element(self, node: yaml.Node, where: str) -> str:
        text = self.text(node, f"{where}的 {KEY_EXPECT}")
        if text is None:
            return ""
        alternatives = [a.strip() for a in text.split(ALTERNATIVES)]
        # Answers are compared after normalize(), which drops fillers such as a lone 亲 or 哦:
        # an alternative that vanishes there would count as met by every answer.
        empty = [a for a in alternatives if not normalize(a).strip()]
        if empty:
            shown = ", ".join(repr(a) for a in empty)
            self.error(node, f"{where}的 {KEY_EXPECT} 里有空的或只有语气词的选项：{shown}")
            return ""
        return ALTERNATIVES.join(alternatives)
