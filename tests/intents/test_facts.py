import pytest

from intents.catalog import Product, SizeRow, load_catalog
from intents.facts import (
    Advice,
    Measures,
    advise,
    mentioned_color,
    mentioned_size,
    parse_measures,
)
from tests.intents.test_catalog import SAMPLE

CATALOG = load_catalog(SAMPLE)
DRESS = CATALOG.get("680123456789")  # S 150-158/80-95, M 158-165/95-110, L 165-170/110-120, XL
JEANS = CATALOG.get("100045678912")  # by weight only: 25 80-90斤 … 29 120-130斤


@pytest.mark.parametrize(
    ("text", "height", "weight"),
    [
        ("170", 170, None),
        ("1米7", 170, None),
        ("一米七", 170, None),
        ("一米六五", 165, None),
        ("1.7m", 170, None),
        ("1.65米", 165, None),
        ("170cm", 170, None),
        ("１７０ＣＭ", 170, None),  # 全角
        ("身高170", 170, None),
        ("165/50", 165, 100),
        ("165/110", 165, 110),
        ("我160 100斤穿什么码", 160, 100),
        ("120斤", None, 120),
        ("60kg", None, 120),
        ("60KG", None, 120),
        ("60公斤", None, 120),
        ("一百二十斤", None, 120),
        ("体重60", None, 120),
        ("体重一百零五斤", None, 105),
        ("身高一米五八 体重九十五斤", 158, 95),
        ("我170 60kg", 170, 120),
        ("亲 我是1米68的 112斤 平时穿M", 168, 112),
    ],
)
def test_every_way_buyers_write_height_and_weight(text, height, weight):
    assert parse_measures(text) == Measures(height, weight)


@pytest.mark.parametrize("text", ["XL码的黑色还有吗", "这件159元", "订单号 3021998877", "5斤"])
def test_no_measures_where_there_are_none(text):
    assert not parse_measures(text)


@pytest.mark.parametrize(
    ("measures", "expected"),
    [
        (Measures(160, 100), Advice("size_advice", "M")),
        (Measures(168, 115), Advice("size_advice", "L")),
        # on the edge both sizes share, the bigger one is named first
        (Measures(158, 95), Advice("size_advice", "M")),
        # height and weight disagree: both sizes, the bigger first
        (Measures(160, 130), Advice("size_between", "XL", "M")),
        (Measures(172, 95), Advice("size_between", "XL", "M")),
        # height only: by height, the weight asked for
        (Measures(162, None), Advice("size_by_height", "M")),
        (Measures(None, 100), Advice("size_advice", "M")),
        # outside the chart, said honestly
        (Measures(145, 90), Advice("size_outside", chart="S码150-158cm到XL码170-175cm")),
        (Measures(180, 140), Advice("size_outside", chart="S码150-158cm到XL码170-175cm")),
        (Measures(160, 150), Advice("size_outside", chart="S码80-95斤到XL码120-135斤")),
    ],
)
def test_size_advice_from_the_chart(measures, expected):
    assert advise(DRESS, measures) == expected


def test_a_chart_by_weight_asks_for_the_weight_rather_than_guess_by_height():
    assert advise(JEANS, Measures(165, None)) == Advice("size_need_weight")
    assert advise(JEANS, Measures(165, 105)) == Advice("size_advice", "27")


def test_a_gap_between_two_sizes_names_both():
    gappy = Product(
        "1",
        "裤",
        sizes=(SizeRow("S", (150, 155)), SizeRow("M", (160, 165)), SizeRow("L", (166, 170))),
    )
    assert advise(gappy, Measures(157, None)) == Advice("size_between", "M", "S")
    assert advise(gappy, Measures(165.5, None)) == Advice("size_between", "L", "M")


def test_colour_and_size_mentions():
    assert mentioned_color(DRESS, "黑的有吗") == ("黑色", None)
    assert mentioned_color(DRESS, "雾霾蓝好看吗") == ("雾霾蓝", None)
    assert mentioned_color(DRESS, "有红色吗") == (None, "红色")
    assert mentioned_size(DRESS, "那xl呢") == ("XL", None)
    assert mentioned_size(DRESS, "2xl有吗") == (None, "XXL")
    assert mentioned_size(JEANS, "27码还有吗") == ("27", None)
    assert mentioned_size(DRESS, "这件多少钱") == (None, None)


def test_stock_of_a_colour_a_size_and_both():
    shirt = CATALOG.get("681122334455")  # sold out: 灰色/XXL, 藏青/M
    assert shirt.stock("灰色", "XXL") == (True, ["灰色XXL"])
    assert shirt.stock("灰色", None) == (False, ["灰色XXL"])  # grey is there, but not in XXL
    assert shirt.stock(None, "M") == (False, ["藏青M"])
    assert shirt.stock("白色", "M") == (False, [])
    assert JEANS.stock(None, "29") == (True, ["29"])
    assert JEANS.stock("黑色", "29")[0]  # a whole size sold out is sold out in every colour
