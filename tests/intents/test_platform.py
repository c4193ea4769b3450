"""Platform lines, links, item ids and masked values carry no need (issue 10, item 2)."""

import unicodedata

import pytest

from intents import normalize
from intents.platform import PLATFORM_PATTERNS, strip_platform

# Lines as JD's web chat, Taobao's share sheet and the public corpora paste them; alone, the
# assistant must abstain on each.
PLATFORM_ONLY = [
    "咨询订单号:[订单x] 商品ID:[数字x]",
    "咨询订单号：[ORDERID_10172263] 订单金额：[金额x] 下单时间：[日期x] [时间x]",
    "商品ID:680123456789",
    "https://item.taobao.com/item.htm?id=680123456789&spm=a1z10.1-c.w4002",
    "https://detail.tmall.com/item.htm?id=680123456789",
    "item.jd.com/100012345678.html",
    "m.tb.cn/h.5AbCdEf",
    "【淘宝】https://m.tb.cn/h.5AbCdEf?tk=AbCd 点击链接直接打开",
    "￥AbCd1234XyZ￥ 复制这条信息打开手机淘宝",
    "[图片]",
    "[图片][图片]",
    "[语音]",
    "[微笑]",
    "#E-s[数字x]",
    "[金额x]",
    "[日期x] [时间x]",
    "[地址x]",
    "[姓名x]",
    "[数字x]",
    "订单号123456789012345678",
    "订单编号: 4102345678901234",
    "538859390911",
    "13812345678",
]


@pytest.mark.parametrize("line", PLATFORM_ONLY)
def test_a_platform_line_alone_gets_no_intent(matcher, line):
    assert normalize(line) == ""
    assert matcher.match(line) == []


@pytest.mark.parametrize(
    ("message", "intents"),
    [
        ("咨询订单号:[订单x] 商品ID:[数字x] 几号能发货", ["shipping"]),
        ("[图片] 这个有色差吗", ["color"]),
        ("https://item.taobao.com/item.htm?id=680123456789 有M码吗", ["stock"]),
        ("看下这个m.tb.cn/h.5AbCd 包邮吗", ["price"]),
        ("商品ID:680123456789能开发票吗", ["invoice"]),
        ("订单号123456789012345 退款什么时候到", ["after_sales"]),
        ("#E-s[数字x]#E-s[数字x] 好嘞 多谢", ["goodbye"]),
        ("[姓名x] 你好 在吗", ["greeting"]),
    ],
)
def test_beside_a_question_a_platform_line_adds_no_need(matcher, message, intents):
    assert [m.intent for m in matcher.match(message)] == intents


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("满[金额x]减吗", "满减吗"),  # a masked value inside a sentence leaves the sentence whole
        ("身高[数字x]体重[数字x]穿什么码", "身高体重穿什么码"),
        ("我的地址是[地址x]能到吗", "我的地址是能到吗"),
        ("发什么快递 2546321013154hi", "发什么快递"),  # letters typed onto an item id go with it
        ("525839399303 宝宝浴巾", "宝宝浴巾"),
    ],
)
def test_masked_values_are_cut_out_of_the_sentence(raw, normalised):
    assert normalize(raw) == normalised


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("160cm 50kg 穿啥码", "160cm 50kg"),
        ("满199减20吗", "满199减20"),
        ("2020的纯棉有吗", "2020的纯棉"),
        ("我的订单号是多少", "订单号是多少"),  # asking for the number is not a pasted number
        ("快递单号发我一下", "快递单号"),
        ("iphone 15能用吗", "iphone 15"),
        ("【现货速发】有吗", "现货速发"),  # a product title's own brackets
    ],
)
def test_what_buyers_type_themselves_stays(text, kept):
    assert kept in normalize(text)


def test_the_suggestion_keeps_the_raw_text_for_display_and_product_lookup(assistant):
    raw = "https://item.taobao.com/item.htm?id=680123456789 商品ID:680123456789 包邮吗"
    suggestion = assistant.suggest(raw)
    assert suggestion.text == raw
    assert suggestion.intents == ("price",)


def test_every_pattern_strips_one_of_the_lines():
    folded = [unicodedata.normalize("NFKC", line).lower() for line in PLATFORM_ONLY]
    for name, pattern, _ in PLATFORM_PATTERNS:
        assert any(pattern.search(line) for line in folded), name


def test_no_library_phrasing_loses_a_word(shop):
    # the libraries are what buyers type: stripping must leave every example and keyword whole
    texts = [t for intent in shop.intents for t in (*intent.examples, *intent.keywords)]
    folded = [unicodedata.normalize("NFKC", t).lower() for t in texts + list(shop.out_of_scope)]
    assert [t for t in folded if strip_platform(t) != t] == []
