"""The current product and the last question within one conversation; facts in the replies."""

import pytest

from intents import Assistant
from intents.catalog import load_catalog
from intents.context import Conversation
from tests.intents.test_catalog import SAMPLE

DRESS, COAT, JEANS, SHIRT = "680123456789", "680987654321", "100045678912", "681122334455"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def shop_assistant(shop, matcher) -> Assistant:
    return Assistant(shop, matcher=matcher, catalog=load_catalog(SAMPLE))


def chat(assistant: Assistant, conversation: Conversation, *lines: str) -> list[str]:
    return [assistant.suggest(line, conversation=conversation).replies[0] for line in lines]


@pytest.mark.parametrize(
    ("message", "product", "facts"),
    [
        ("这款有什么颜色", DRESS, ["雾霾蓝、米白、黑色"]),
        ("什么面料的", DRESS, ["聚酯纤维95% 氨纶5%"]),
        ("多少钱", DRESS, ["159元"]),
        ("有哪些码", DRESS, ["S、M、L、XL", "身高体重"]),
        ("我160 100斤穿什么码", DRESS, ["建议拍M码"]),
        ("我145 90斤", DRESS, ["超出"]),
        ("黑色XL还有吗", DRESS, ["黑色XL码", "卖完", "7-15天"]),
        ("米白有货吗", DRESS, ["米白", "有货"]),
        ("有红色吗", DRESS, ["没有红色", "雾霾蓝、米白、黑色"]),
        ("我165穿几码", JEANS, ["体重"]),
        ("藏青M有吗", SHIRT, ["藏青M码", "补货时间还没定"]),
    ],
)
def test_replies_state_the_products_facts(shop_assistant, message, product, facts):
    reply = shop_assistant.suggest(message, product=product).replies[0]
    for fact in facts:
        assert fact in reply, reply


def test_without_a_product_the_general_replies_stand(shop_assistant):
    reply = shop_assistant.suggest("这款有什么颜色").replies[0]
    assert "雾霾蓝" not in reply and shop_assistant.suggest("这款有什么颜色").product is None


def test_the_suggestion_says_which_product_it_assumed_and_from_where(shop_assistant):
    link = shop_assistant.suggest("https://item.jd.com/100045678912.html 什么面料")
    assert (link.product.id, link.product_source) == (JEANS, "链接")
    assert "棉98%" in link.replies[0]
    named = shop_assistant.suggest("碎花裙子有黑色吗", product=COAT)  # the message wins
    assert (named.product.id, named.product_source) == (DRESS, "商品名")
    given = shop_assistant.suggest("有黑色吗", product=COAT)
    assert (given.product.id, given.product_source) == (COAT, "指定")


def test_a_follow_up_re_asks_the_last_question(shop_assistant):
    conversation = Conversation()
    first, xl, white, coat = chat(
        shop_assistant, conversation, "碎花裙有黑色吗", "那XL呢", "米白呢", "那件大衣呢"
    )
    assert "黑色有货" in first
    assert "黑色XL码" in xl and "卖完" in xl  # black XL is sold out
    assert "米白XL码有货" in white  # the size carries over, the colour is replaced
    assert "双面羊绒大衣" in coat and "没有米白" in coat  # the coat has no 米白


def test_without_a_product_a_size_or_colour_follow_up_still_re_asks(shop_assistant):
    """L码呢 after 有M码吗 asks about stock, not about sizing, though no product is known."""
    conversation = Conversation()
    for line, intent in [("有M码吗", "stock"), ("L码呢", "stock"), ("那2XL呢", "stock")]:
        suggestion = shop_assistant.suggest(line, conversation=conversation)
        assert [m.intent for m in suggestion.matches][:1] == [intent], line
    assert suggestion.follow_up and conversation.needs[0].size == "XXL"
    conversation = Conversation()
    chat(shop_assistant, conversation, "包邮吗")
    black = shop_assistant.suggest("黑色的呢", conversation=conversation)
    assert black.follow_up and black.matches[0].intent == "price"
    fresh = shop_assistant.suggest("L码呢", conversation=Conversation())  # nothing to re-ask
    assert not fresh.follow_up


def test_size_follow_up_with_new_measures(shop_assistant):
    conversation = Conversation()
    first, second = chat(
        shop_assistant, conversation, "碎花裙我160 100斤穿什么码", "那我170 125斤呢"
    )
    assert "建议拍M码" in first
    assert "建议拍XL码" in second  # the question carries over, the measures are new


def test_a_new_clear_need_replaces_the_old_one(shop_assistant):
    conversation = Conversation()
    chat(shop_assistant, conversation, "碎花裙有黑色吗")
    fabric = shop_assistant.suggest("什么面料的", conversation=conversation)
    assert fabric.product.id == DRESS and fabric.product_source == "上文（商品名）"
    assert "聚酯纤维" in fabric.replies[0]
    assert [n.intent for n in conversation.needs] == ["fabric"]
    assert "聚酯纤维" in chat(shop_assistant, conversation, "黑色呢")[0]  # now re-asks fabric


def test_context_expires_after_the_idle_time(shop_assistant):
    clock = Clock()
    conversation = Conversation(idle_seconds=600, clock=clock)
    chat(shop_assistant, conversation, "碎花裙有黑色吗")
    clock.now += 599
    assert shop_assistant.suggest("那XL呢", conversation=conversation).product.id == DRESS
    clock.now += 601
    late = shop_assistant.suggest("那XL呢", conversation=conversation)
    assert late.product is None and not late.follow_up


def test_a_staff_members_own_chat_carries_only_a_set_product_or_a_pasted_link(shop_assistant):
    conversation = Conversation(private=True)
    chat(shop_assistant, conversation, "碎花裙有黑色吗")  # one customer names a product
    other = shop_assistant.suggest("那XL呢", conversation=conversation)  # another customer
    assert other.product is None and not other.follow_up
    chat(shop_assistant, conversation, "https://item.taobao.com/item.htm?id=680987654321 在吗")
    assert shop_assistant.suggest("多少钱", conversation=conversation).product.id == COAT
    conversation.set_product(JEANS)  # /product
    assert shop_assistant.suggest("多少钱", conversation=conversation).product.id == JEANS
    conversation.set_product(None)  # /product off
    assert shop_assistant.suggest("多少钱", conversation=conversation).product is None


@pytest.mark.parametrize("odd", ["", "   ", "😂😂😂", "那呢", "a" * 100_000, "\x00\x01", "XL"])
def test_odd_lines_never_crash_with_a_conversation(shop_assistant, odd):
    conversation = Conversation()
    chat(shop_assistant, conversation, "碎花裙有黑色吗")
    assert shop_assistant.suggest(odd, conversation=conversation).replies
