"""How real Taobao and JD buyers word promotions, couriers, refunds and order questions.

Every message is invented in their style (no punctuation, 口语, long run-on sentences) and none
is an example of the library: each checks that the library's phrasings generalise to what it
has not seen. The first reply must answer the specific question (its topic) where there is one.
"""

import pytest

from intents import Assistant, Library, Matcher

TOPICAL = [
    # promotions and gifts
    ("满300减50我买了两件一共320怎么没给我减", "price", "full_reduction"),
    ("现在买还送赠品吗", "price", "gifts"),
    ("我领的优惠券付款时候用不上", "price", "coupon_usage"),
    ("昨天买的今天就降了二十能补差价吗", "price", "price_protection"),
    # couriers and tracking
    ("我这边只有韵达能送到", "shipping", "courier_choice"),
    ("快递联系上了吗", "shipping", "tracking"),
    ("物流三天都不动了", "shipping", "tracking_stalled"),
    ("明天下午能送到吗", "shipping", "delivery_time"),
    ("收货地址写错了还没发货的话帮我改一下", "shipping", "change_address"),
    # refunds, returns and their costs
    ("退回去的运费谁承担啊", "after_sales", "return_shipping_fee"),
    ("这个东西开封了还能退吗我就试了一下", "after_sales", "seven_day_return"),
    ("退款几天能到账啊", "after_sales", "refund_arrival"),
    # JD-style after-sales, payment and invoices
    ("师傅什么时候上门安装", "after_sales", "installation"),
    ("保修期是多久", "after_sales", "warranty"),
    ("白条能分期吗", "payment", "huabei_installment"),
    ("付款的时候提示银行卡余额不足可是我卡里有钱", "payment", "payment_failed"),
    ("我这个订单能开专票吗", "invoice", "special_invoice"),
]
LONG = [
    ("亲我昨天下的单怎么还没发货呀我这边着急用能不能今天给我发出去", "shipping"),
    ("催了好几天还不发货你们到底什么时候发", "shipping"),
    ("订单一直显示待发货", "shipping"),
    ("我是[日期x]下的单现在还没到", "shipping"),  # a JD masked date inside a statement
    ("申请了售后一直没人处理", "after_sales"),
    ("退款退多少给我", "after_sales"),
    ("发票开好了发我邮箱", "invoice"),
    ("你们客服怎么半天不回消息我问的快递什么时候到", "complaint"),
]
STATEMENTS = ["我的订单号发给你了", "我在上班晚点说", "稍等我看一下", "嗯对是圆通", "一盒装几片"]


def test_no_message_is_a_library_example(shop: Library):
    seen = {e for i in shop.intents for e in i.examples} | set(shop.out_of_scope)
    messages = [m for m, *_ in TOPICAL] + [m for m, _ in LONG] + STATEMENTS
    assert [m for m in messages if m in seen] == []


@pytest.mark.parametrize(("message", "intent", "topic"), TOPICAL)
def test_the_first_need_and_its_topic(assistant: Assistant, message, intent, topic):
    first = assistant.suggest(message).matches[0]
    assert (first.intent, first.topic) == (intent, topic)


@pytest.mark.parametrize(("message", "intent"), LONG)
def test_long_and_jd_style_messages_keep_their_need(matcher: Matcher, message, intent):
    assert matcher.match(message)[0].intent == intent


@pytest.mark.parametrize("message", STATEMENTS)
def test_jd_style_statements_ask_nothing(matcher: Matcher, message):
    assert matcher.match(message) == []
