"""Learned phrasings and quick phrases land in the topic the replies answer."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.learning import learned_file, quick_phrases
from bot.learning.propose import Learner, rounds
from bot.storage import LearningRows
from intents import load_library

MINI = """\
version: 1
library: mini
out_of_scope: [今天好累, 午饭吃什么]
intents:
  - intent: price
    keywords: [便宜, 优惠, 运费险]
    examples: [能便宜点吗, 有优惠吗, 多少钱, 能打折吗, 有券吗, 最低多少]
    replies:
      - text: 亲，现在是活动价，领券下单更划算哦
        tone: 亲切
      - text: 您好，商品价格已是优惠价，可领取店铺优惠券。
        tone: 正式
    topics:
      - topic: freight_insurance
        description: 运费险
        keywords: [运费险, 退货险]
        examples: [有运费险吗, 送运费险不, 退货险有吗, 运费险包吗, 有没有退货险, 送不送运费险,
                   买了有运费险吗, 运费险送吗]
        replies:
          - text: 亲，本店商品都送运费险，退货的运费由保险公司赔付哦
            tone: 亲切
          - text: 您好，本店商品均赠送运费险，退货运费由保险理赔。
            tone: 正式
  - intent: shipping
    keywords: [发货, 快递, 物流]
    examples: [什么时候发货, 发什么快递, 几天到, 物流到哪了, 今天能发吗, 快递是哪家]
    replies:
      - text: 亲，下午五点前付款当天发货，默认中通快递哦
        tone: 亲切
      - text: 您好，订单将在付款后24小时内发货。
        tone: 正式
"""


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    (tmp_path / "mini.yaml").write_text(MINI, encoding="utf-8")
    return tmp_path


def test_learned_phrasing_goes_to_the_topic_the_agents_answered(mini: Path):
    library = load_library(mini)
    reply = "亲，我们都送运费险的，退回来的运费保险公司赔，您放心"
    rows = LearningRows(
        [(n, role, text) for n in range(3) for role, text in ((0, "退回去邮费谁出"), (1, reply))],
        [],
    )
    proposals = Learner(library).propose(rounds(rows))
    assert [(g.intent, g.topic, [e.example for e in g.examples]) for g in proposals.learned] == [
        ("price", "freight_insurance", ["退回去邮费谁出"])
    ]
    learned_file.write(mini / "learned.yaml", learned_file.document("mini", proposals))
    topic = load_library(mini).topic("freight_insurance")
    assert "退回去邮费谁出" in topic.examples
    assert "退回去邮费谁出" in load_library(mini).intent("price").examples


def test_quick_phrase_goes_to_the_topic_it_answers(mini: Path, tmp_path: Path):
    export = tmp_path / "q.csv"
    export.write_text(
        "分组,快捷编码,短语内容\n"
        "运费险,yfx,亲，每单都送运费险，退货运费保险赔付，您放心拍哦\n"
        "议价,yj,亲，已经是活动价了，领了券更划算哦\n",
        encoding="utf-8",
    )
    library = load_library(mini)
    filed = quick_phrases.file_phrases(library, quick_phrases.read(export))
    data = quick_phrases.document("mini", filed)
    assert [(i["intent"], i.get("topic")) for i in data["learned"]] == [
        ("price", None),
        ("price", "freight_insurance"),
    ]
    (mini / "qianniu.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    topic = load_library(mini).topic("freight_insurance")
    assert topic.replies[-1].text == "亲，每单都送运费险，退货运费保险赔付，您放心拍哦"
