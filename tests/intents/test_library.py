import re
import textwrap
from pathlib import Path

import pytest

from intents import LibraryError, load_library
from intents.library import TONES
from tests.conftest import PHRASES

GOOD = """\
version: 1
library: mini
defaults:
  shop_name: 小店
intents:
  - intent: price
    keywords: [包邮]
    examples: [包邮吗, 能便宜点吗]
    replies:
      - text: "亲,{shop_name}满99包邮哦"
        tone: 亲切
      - text: "您好,{shop_name}满99元包邮。"
        tone: 正式
"""


def write(tmp_path: Path, text: str, name: str = "lib.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(LibraryError) as caught:
        load_library(path)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("library", ["", "clinic", "it"])
def test_every_shipped_library_validates(library):
    lib = load_library(PHRASES / library)
    assert len(lib.intents) >= 6
    for intent in lib.intents:
        assert len(intent.replies) >= 4, intent.id
        for tone in TONES:
            assert sum(r.tone == tone for r in intent.replies) >= 2, (intent.id, tone)


def test_shop_library_covers_the_contract_intents_with_enough_examples(shop):
    assert set(shop.intent_ids) == {
        "greeting",
        "price",
        "size",
        "color",
        "shipping",
        "fabric",
        "quality",
        "stock",
        "payment",
        "invoice",
        "hesitation",
        "after_sales",
        "complaint",
        "goodbye",
    }
    assert all(len(i.examples) >= 40 for i in shop.intents)


def test_good_file_loads(tmp_path):
    lib = load_library(write(tmp_path, GOOD))
    assert lib.id == "mini"
    assert lib.intent("price").examples == ("包邮吗", "能便宜点吗")


def test_malformed_yaml_names_file_and_line(tmp_path):
    path = write(
        tmp_path, GOOD.replace("examples: [包邮吗, 能便宜点吗]", "examples: [包邮吗, 能便宜")
    )
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:")
    assert "YAML" in problem


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ("examples: [包邮吗, 能便宜点吗]", "examples: 包邮吗", 8, "列表"),
        ("examples: [包邮吗, 能便宜点吗]", "examples: []", 8, "没有 examples"),
        ('text: "亲,{shop_name}满99包邮哦"', 'text: "亲,{shop}满99包邮哦"', 10, "{shop}"),
        ('text: "亲,{shop_name}满99包邮哦"', 'text: "亲,{shop_name满99包邮哦"', 10, "花括号"),
        ('text: "亲,{shop_name}满99包邮哦"', 'text: "亲,全网最低价哦"', 10, "广告法"),
        ('text: "亲,{shop_name}满99包邮哦"', 'text: "亲,加微信给您优惠"', 10, "平台外"),
        ("tone: 亲切", "tone: 可爱", 11, "tone 只能是"),
        ("version: 1", "version: 2", 1, "version"),
        ("    keywords: [包邮]", "    keyword: [包邮]", 7, "不认识的键"),
        ("    keywords: [包邮]", "    keywords: [包邮]\n    stated: maybe", 8, "ask 或 need"),
    ],
)
def test_broken_file_reports_line_and_what(tmp_path, old, new, line, words):
    path = write(tmp_path, GOOD.replace(old, new, 1))
    found = problems_of(path)
    assert any(p.startswith(f"{path}:{line}:") and words in p for p in found), found


def test_duplicate_intent_ids_are_reported(tmp_path):
    intent = GOOD[GOOD.index("  - intent: price") :]
    path = write(tmp_path, GOOD + intent)
    assert any("重复" in p and p.startswith(f"{path}:14:") for p in problems_of(path))


def test_folder_merges_files_and_refuses_conflicting_defaults(tmp_path):
    write(tmp_path, GOOD, "a.yaml")
    write(
        tmp_path,
        GOOD.replace("小店", "大店").replace("intent: price", "intent: size"),
        "b.yaml",
    )
    found = problems_of(tmp_path)
    assert any("冲突" in p and "b.yaml:4:" in p for p in found)


def test_missing_path_and_empty_file(tmp_path):
    assert "找不到" in problems_of(tmp_path / "nope.yaml")[0]
    assert "空的" in problems_of(write(tmp_path, ""))[0]


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [("version: 1\nlibrary: a: b\n", 2, "冒号"),
     ("version: 1\nintents:\n\t- intent: x\n", 3, "Tab"),
     ("version: 1\nterms: [包邮, 运费险\n", 3, "方括号"),
     ("version: 1\nname: '网店\n", 3, "引号"),
     ("version: 1\nintents:\n  - intent: x\n - intent: y\n", 4, "缩进")],
)  # fmt: skip
def test_yaml_syntax_errors_are_told_in_chinese_with_the_line(tmp_path, text, line, says):
    (problem,) = problems_of(write(tmp_path, text))
    assert problem.startswith(f"{tmp_path / 'lib.yaml'}:{line}: YAML 语法错误")
    assert says in problem and not re.search(r"found|expected|while|scanning|token", problem)


def test_a_missing_library_is_named_without_a_line(tmp_path):
    (problem,) = problems_of(tmp_path / "nowhere.yaml")
    assert problem == f"{tmp_path / 'nowhere.yaml'}: 找不到这个话术库文件或文件夹"


TOPIC_EXAMPLES = [
    "有运费险吗",
    "送运费险不",
    "运费险有没有",
    "退货有运费险吗",
    "买了有运费险不",
    "yunfeixian有吗",
    "有没有送退货险",
    "运费险包含吗",
]
WITH_TOPIC = GOOD + textwrap.indent(
    textwrap.dedent(
        f"""\
        topics:
          - topic: freight_insurance
            description: 运费险
            keywords: [运费险]
            examples: [{", ".join(TOPIC_EXAMPLES)}]
            replies:
              - text: "亲,{{shop_name}}的商品都送运费险哦~"
                tone: 亲切
              - text: "您好,{{shop_name}}商品均赠送运费险。"
                tone: 正式
        """
    ),
    "    ",
)


def test_topics_load_inside_their_intent_and_lend_it_their_examples(tmp_path):
    lib = load_library(write(tmp_path, WITH_TOPIC))
    price = lib.intent("price")
    [topic] = price.topics
    assert (topic.id, topic.intent, topic.description) == ("freight_insurance", "price", "运费险")
    assert topic.examples == tuple(TOPIC_EXAMPLES)
    assert [r.tone for r in topic.replies] == list(TONES)
    assert price.examples == ("包邮吗", "能便宜点吗", *TOPIC_EXAMPLES)
    assert lib.topic("freight_insurance") is topic
    assert topic.source.endswith("lib.yaml:15")


def test_topic_replies_are_linted_like_intent_replies(tmp_path):
    path = write(tmp_path, WITH_TOPIC.replace("都送运费险哦", "都送运费险, 加微信返现"))
    assert any(p.startswith(f"{path}:20:") and "平台外" in p for p in problems_of(path))
    path = write(tmp_path, WITH_TOPIC.replace("{shop_name}的商品", "{shop}的商品"))
    assert any(p.startswith(f"{path}:20:") and "{shop}" in p for p in problems_of(path))


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ("有运费险吗, ", "", 18, "至少要 8 条"),
        ("            tone: 正式\n", "", 20, "缺少正式语气"),
        ("        description: 运费险\n", "", 15, "缺少 description"),
        ("topic: freight_insurance", "topic: Freight-Insurance", 15, "小写字母"),
        ("        keywords: [运费险]", "        keyword: [运费险]", 17, "不认识的键"),
        ("  - topic: freight_insurance\n", "  - name: freight_insurance\n", 15, "缺少 topic"),
    ],
)
def test_broken_topic_reports_line_and_what(tmp_path, old, new, line, words):
    path = write(tmp_path, WITH_TOPIC.replace(old, new, 1))
    found = problems_of(path)
    assert any(p.startswith(f"{path}:{line}:") and words in p for p in found), found


def test_topic_ids_are_unique_across_the_files_of_a_library(tmp_path):
    write(tmp_path, WITH_TOPIC, "a.yaml")
    write(tmp_path, WITH_TOPIC.replace("intent: price", "intent: after_sales"), "b.yaml")
    found = problems_of(tmp_path)
    assert any("b.yaml:15:" in p and "重复" in p and "a.yaml:15" in p for p in found), found


def test_topics_must_be_a_list(tmp_path):
    path = write(tmp_path, GOOD + "    topics: 运费险\n")
    assert any(p.startswith(f"{path}:14:") and "列表" in p for p in problems_of(path))


def test_learned_items_add_to_a_topic_and_its_intent(tmp_path):
    write(tmp_path, WITH_TOPIC, "lib.yaml")
    (tmp_path / "learned.yaml").write_text(
        "version: 1\nlearned:\n  - intent: price\n    topic: freight_insurance\n"
        "    examples: [退货运费谁出]\n    replies:\n      - text: 亲，退货运费由运费险赔付哦\n"
        "  - intent: price\n    topic: sf_express\n    examples: [发顺丰吗]\n",
        encoding="utf-8",
    )
    with pytest.raises(LibraryError) as caught:
        load_library(tmp_path)
    [problem] = caught.value.problems
    assert (problem.path.name, problem.line) == ("learned.yaml", 9)
    assert "sf_express" in problem.message and "freight_insurance" in problem.message
    text = (tmp_path / "learned.yaml").read_text(encoding="utf-8")
    (tmp_path / "learned.yaml").write_text(
        text.split("  - intent: price\n    topic: sf")[0], encoding="utf-8"
    )
    price = load_library(tmp_path).intent("price")
    [topic] = price.topics
    assert topic.examples[-1] == "退货运费谁出" and price.examples[-1] == "退货运费谁出"
    assert topic.replies[-1].text == "亲，退货运费由运费险赔付哦"
    assert len(price.replies) == 2  # the intent's general replies are untouched
