"""Topic choice and the first reply: the specific question answered, else the general replies."""

import textwrap

import pytest

from intents import Assistant, load_library
from intents.topics import TopicChooser
from tests.intents.test_library import WITH_TOPIC


@pytest.mark.parametrize(
    ("message", "intent", "topic", "says"),
    [
        # the questions issue 9 found answered with the wrong reply
        ("有运费险吗", "price", "freight_insurance", "运费险"),
        ("退货运费谁出", "after_sales", "return_shipping_fee", "运费"),
        ("买了两天就降价了能退差价吗", "price", "price_protection", "差价"),
        ("可以分期付款吗", "payment", "huabei_installment", "分期"),
        ("发顺丰吗", "shipping", "courier_choice", "顺丰"),
        ("可以开专票吗", "invoice", "special_invoice", "专用发票"),
        ("有赠品吗", "price", "gifts", "礼品"),
        # as buyers type them: 繁体, typos, pinyin
        ("有運費險嗎", "price", "freight_insurance", "运费险"),
        ("发顺风吗", "shipping", "courier_choice", "顺丰"),
        ("能用花被吗", "payment", "huabei_installment", "花呗"),
    ],
)
def test_the_first_reply_answers_the_specific_question(assistant, message, intent, topic, says):
    suggestion = assistant.suggest(message)
    first = suggestion.matches[0]
    assert (first.intent, first.topic) == (intent, topic)
    assert says in suggestion.replies[0]


@pytest.mark.parametrize("message", ["能便宜点吗", "这个质量怎么样", "我要退货"])
def test_a_clause_that_fits_no_topic_gets_the_intents_general_replies(assistant, shop, message):
    suggestion = assistant.suggest(message)
    [match] = suggestion.matches
    assert match.topic is None
    general = {assistant.render(r) for r in shop.intent(match.intent).replies}
    assert suggestion.replies[0] in general


def test_topic_choice_stays_within_the_matched_intent(tmp_path):
    path = tmp_path / "lib.yaml"
    path.write_text(textwrap.dedent(WITH_TOPIC), encoding="utf-8")
    library = load_library(path)
    chooser = TopicChooser(library)
    assert chooser.choose("price", "有运费险吗").topic.id == "freight_insurance"
    assert chooser.choose("price", "能便宜点吗") is None  # a general phrasing of the intent
    assert chooser.choose("size", "有运费险吗") is None  # an intent without topics
    suggestion = Assistant(library).suggest("送运费险不")
    assert suggestion.replies[0] == "亲,小店的商品都送运费险哦~"


def test_a_stitched_draft_reads_as_one_message(assistant):
    draft = assistant.suggest("在吗 发顺丰吗 几天能到").replies[0]
    assert draft.startswith("在的")  # the greeting first
    assert draft.count("亲，") + draft.count("亲,") <= 1, draft
    assert draft.count("您好") <= 1
