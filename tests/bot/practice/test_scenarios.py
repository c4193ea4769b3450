"""Practice scenarios: shipped scripts validate and cover every intent; broken ones say where."""

import random
import re
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.assistants import Assistants
from bot.cli import app
from bot.config import Config
from bot.practice.drill import Drill, product_brief
from bot.practice.scenarios import (
    LEVELS,
    SHIPPED_PRACTICE,
    Turn,
    customer_line,
    load_scenario,
    load_scenarios,
)
from bot.practice.scoring import missing
from intents import LibraryError, load_library

SHIPPED_FILES = sorted(SHIPPED_PRACTICE.glob("*.yaml"))

GOOD = """\
version: 1
scenario: mini_size
title: 问尺码
level: 1
library: shop
turns:
  - intent: greeting
  - intent: size
    say: [我165 110斤穿几码]
    expect: [身高|体重|码]
    goal: 推荐具体尺码
"""


def write(folder: Path, text: str, name: str = "mini.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(LibraryError) as caught:
        load_scenario(path)
    return [str(p) for p in caught.value.problems]


@pytest.fixture(scope="module")
def scenarios():
    return load_scenarios()


def test_the_shipped_folder_holds_at_least_ten_scenarios_easiest_first(scenarios):
    assert len(scenarios) >= 10
    assert {s.level for s in scenarios} == set(LEVELS)
    assert [(s.level, s.id) for s in scenarios] == sorted((s.level, s.id) for s in scenarios)
    assert len({s.id for s in scenarios}) == len(scenarios)


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: p.stem)
def test_every_shipped_scenario_validates_and_is_named_after_its_file(path):
    scenario = load_scenario(path)
    assert scenario.id == path.stem
    assert scenario.library == "shop"
    assert scenario.turns and scenario.title


def test_scenarios_together_cover_all_14_shop_intents(scenarios, shop):
    covered = set().union(*(s.intents for s in scenarios))
    assert covered == set(shop.intent_ids)
    assert len(covered) == 14


def test_the_size_bargain_script_runs_from_greeting_to_shipping(scenarios):
    [scenario] = [s for s in scenarios if s.id == "size_bargain"]
    assert [t.intent for t in scenario.turns] == [
        "greeting",
        "size",
        "price",
        "hesitation",
        "payment",
        "shipping",
    ]
    assert "身高" in "".join(scenario.turns[1].say) or "cm" in "".join(scenario.turns[1].say)


def test_scripted_customer_lines_are_recognised_as_their_intents(scenarios, matcher):
    # A line the engine files under another intent would be scored against the wrong replies.
    wrong = []
    for scenario in scenarios:
        for turn in scenario.turns:
            for line in turn.say:
                found = {m.intent for m in matcher.match(line)}
                if not set(turn.intents) <= found:
                    wrong.append((scenario.id, turn.intents, line, sorted(found)))
    assert wrong == []


@pytest.fixture(scope="module")
def shop_assistant():
    return Assistants(Config()).get()


def test_every_reference_reply_says_what_its_step_expects(scenarios, shop_assistant):
    # The model answer shown after each turn must itself meet the step's goal; otherwise the
    # shop's own best answer would lose points there.
    unmet = []
    for scenario in scenarios:
        drill = Drill(scenario, shop_assistant, rng=random.Random(3))
        for turn in scenario.turns:
            lines = turn.say or [customer_line(turn, shop_assistant.library, drill.rng)]
            for line in lines:
                reference = drill.reference(turn, line)
                if missing(reference, turn.expect):
                    unmet.append((scenario.id, line, reference, missing(reference, turn.expect)))
    assert unmet == []


def test_size_bargain_recommends_the_size_from_the_products_chart(scenarios, shop_assistant):
    [scenario] = [s for s in scenarios if s.id == "size_bargain"]
    assert scenario.product is not None and scenario.product.sizes
    chart = {row.size for row in scenario.product.sizes}
    turn = scenario.turns[1]
    drill = Drill(scenario, shop_assistant)
    for line in turn.say:
        reference = drill.reference(turn, line)
        named = re.search(r"拍(\w+?)码", reference)
        assert named and named[1] in chart, reference
        assert "告诉我" not in reference and "吗" not in reference, reference  # asks nothing
    assert "尺码：S 身高150-158cm" in product_brief(scenario.product)


def test_the_rambling_customer_asks_two_needs_in_one_message(scenarios):
    [scenario] = [s for s in scenarios if s.id == "rambling_two_needs"]
    assert any(len(turn.intents) == 2 for turn in scenario.turns)


def test_a_scenario_names_the_catalogue_product_the_customer_looks_at(tmp_path):
    path = write(
        tmp_path, GOOD.replace("library: shop\n", "library: shop\nproduct: '681122334455'\n")
    )
    assert load_scenario(path).product.name == "纯棉圆领短袖T恤"
    assert load_scenario(write(tmp_path, GOOD)).product is None


def test_good_file_loads_into_frozen_turns(tmp_path):
    scenario = load_scenario(write(tmp_path, GOOD))
    assert (scenario.id, scenario.level, scenario.level_name) == ("mini_size", 1, "入门")
    greeting, size = scenario.turns
    assert greeting == Turn(("greeting",))
    assert size.say == ("我165 110斤穿几码",)
    assert size.expect == ("身高|体重|码",)
    assert size.goal == "推荐具体尺码"
    assert size.line == 8
    with pytest.raises(AttributeError):
        size.say = ()  # type: ignore[misc]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("title: 问尺码", "title: 问: 尺码", ":3: YAML 语法错误"),
        ("intent: greeting", "intent: greting", ":7: 第 1 轮: 话术库 shop 里没有意图 'greting'"),
        ("level: 1", "level: 4", ":4: level 只能是 1 入门、2 进阶、3 困难，不是 4"),
        ("level: 1", "level: 难", ":4: level 只能是"),
        ("level: 1\n", "", ":1: 缺少 level"),
        ("version: 1", "version: 2", ":1: version 必须是 1"),
        ("scenario: mini_size", "scenario: Mini-Size", ":2: 场景 id 'Mini-Size' 只能用"),
        ("scenario: mini_size", "scenario: " + "x" * 41, ":2: 场景 id 'xxxx"),  # button: 64 bytes
        ("library: shop", "library: shoes", ":5: 没有名为 'shoes' 的话术库"),
        ("    goal: 推荐具体尺码", "    gaol: 推荐具体尺码", ":11: 第 2 轮 里有不认识的键 'gaol'"),
        ("    say: [我165 110斤穿几码]", "    say: []", ":9: 第 2 轮的 say 是空的"),
        ("[身高|体重|码]", "[身高|亲]", ":10: 第 2 轮的 expect 里有空的或只有语气词的选项：'亲'"),
        ("[身高|体重|码]", "[身高||码]", ":10: 第 2 轮的 expect 里有空的"),
        ("  - intent: greeting\n", "  - say: [在吗]\n", ":7: 第 1 轮缺少 intent"),
        ("  - intent: size\n", "  - intent: [size, size]\n", ":8: 第 2 轮的 intent 有重复"),
        ("library: shop\n", "library: shop\nproduct: '404'\n", ":6: 商品目录 "),
        ("library: shop\n", "library: shop\ncatalog: c.yaml\n", ":6: 写了 catalog 却没有 product"),
        ("library: shop\n", "library: shop\nproduct: '1'\ncatalog: no.yaml\n", ":7: 商品目录 "),
    ],
)  # fmt: skip
def test_broken_file_names_path_line_and_what(tmp_path, old, new, expected):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new))
    problems = problems_of(path)
    assert any(p.startswith(f"{path}{expected}") for p in problems), problems


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        ("", ":1: 缺少 turns"),
        ("turns:\n", ":6: turns 应该是至少一项的列表"),
        ("turns: []\n", ":6: turns 应该是至少一项的列表"),
    ],
)
def test_missing_or_empty_turns_are_reported(tmp_path, turns, expected):
    head = GOOD[: GOOD.index("turns:")]
    path = write(tmp_path, head + turns)
    assert any(p.startswith(f"{path}{expected}") for p in problems_of(path))


def test_empty_file_and_missing_path_are_reported(tmp_path):
    empty = write(tmp_path, "")
    assert problems_of(empty) == [f"{empty}:1: 文件是空的"]
    with pytest.raises(LibraryError, match="找不到"):
        load_scenarios(tmp_path / "nowhere")


def test_a_folder_reports_every_broken_file_and_duplicate_ids(tmp_path):
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")  # same id as a.yaml
    bad = write(tmp_path, GOOD.replace("scenario: mini_size", "scenario: other").replace(
        "level: 1", "level: 0"), "c.yaml")  # fmt: skip
    with pytest.raises(LibraryError) as caught:
        load_scenarios(tmp_path)
    problems = [str(p) for p in caught.value.problems]
    assert f"{tmp_path / 'b.yaml'}:2: 场景 id 与 {tmp_path / 'a.yaml'} 重复了" in problems
    assert any(p.startswith(f"{bad}:4: level") for p in problems)


def test_a_broken_library_is_named_before_the_scenario_that_uses_it(tmp_path):
    lib = write(tmp_path, "version: 1\nintents: []\n", "lib.yaml")
    path = write(tmp_path, GOOD)
    with pytest.raises(LibraryError) as caught:
        load_scenario(path, libraries={"shop": lib})
    problems = [str(p) for p in caught.value.problems]
    assert problems[0].startswith(f"{lib}:")
    assert problems[-1] == f"{path}:5: 话术库 'shop' 本身有问题（见上），先修好它"


def test_a_scenario_can_use_a_library_passed_in_loaded(tmp_path):
    library = "version: 1\nlibrary: mini\nintents:\n  - intent: price\n    examples: [包邮吗]\n"
    library += "    replies:\n      - text: 亲,满99包邮哦\n"
    mini = load_library(write(tmp_path, library, "lib.yaml"))
    head = GOOD[: GOOD.index("library:")]
    path = write(tmp_path, head + "library: mini\nturns:\n  - intent: price\n")
    scenario = load_scenario(path, libraries={"mini": mini})
    assert customer_line(scenario.turns[0], mini, random.Random()) == "包邮吗"
    shop_script = write(tmp_path, GOOD.replace("library: shop", "library: mini"), "shop.yaml")
    with pytest.raises(LibraryError, match="话术库 mini 里没有意图 'greeting'"):
        load_scenario(shop_script, libraries={"mini": mini})


def test_customer_line_draws_library_examples_and_varies_with_rng(shop):
    turn = Turn(("size",))
    lines = {customer_line(turn, shop, random.Random(seed)) for seed in range(30)}
    assert len(lines) > 5
    assert lines <= set(shop.intent("size").examples)
    again = customer_line(turn, shop, random.Random(7))
    assert again == customer_line(turn, shop, random.Random(7))


def test_customer_line_prefers_the_script_and_joins_several_needs(shop):
    scripted = Turn(("price",), say=("便宜点呗", "能包邮不"))
    lines = {customer_line(scripted, shop, random.Random(seed)) for seed in range(20)}
    assert lines == {"便宜点呗", "能包邮不"}
    both = customer_line(Turn(("price", "shipping")), shop, random.Random(3))
    first, second = both.split(",", 1)
    assert first in shop.intent("price").examples
    assert second in shop.intent("shipping").examples


runner = CliRunner()


def test_validate_without_arguments_checks_the_practice_scenarios_too():
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    assert "size_bargain" in result.output and "全部通过" in result.output


@pytest.mark.parametrize("target", [SHIPPED_PRACTICE, SHIPPED_PRACTICE / "size_bargain.yaml"])
def test_validate_accepts_the_practice_folder_or_one_scenario(target):
    result = runner.invoke(app, ["validate", str(target)])
    assert result.exit_code == 0, result.output
    assert "size_bargain" in result.output


def test_validate_reports_a_broken_scenario_with_path_and_line(tmp_path):
    bad = write(tmp_path, GOOD.replace("level: 1", "level: 9"))  # not in a practice/ folder
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:4: level 只能是" in result.output
    assert "Traceback" not in result.output


def test_validate_finds_scenarios_in_a_practice_subfolder(tmp_path):
    practice = tmp_path / "practice"
    practice.mkdir()
    bad = write(practice, GOOD.replace("intent: size", "intent: sizes"))
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{bad}:8: 第 2 轮: 话术库 shop 里没有意图 'sizes'" in result.output
