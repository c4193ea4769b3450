import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intents import Match


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("在吗", "greeting"),
        ("有人在吗?", "greeting"),
        ("能便宜点不", "price"),
        ("包油吗", "price"),  # homophone typo
        ("baoyou ma", "price"),  # pinyin input
        ("这款有没有优惠券可以领", "price"),
        ("我170cm 65kg穿什么码", "size"),
        ("尺吗怎么选", "size"),
        ("實物有色差嗎", "color"),  # traditional
        ("还有别的颜色吗", "color"),
        ("今天下单什么时候发货", "shipping"),
        ("物流怎么一直不动", "shipping"),
        ("是纯棉的吗 会不会起球", "fabric"),
        ("洗了会缩水吗", "fabric"),
        ("做工怎么样 是正品吗", "quality"),
        ("Ｍ码还有货吗？", "stock"),  # full-width
        ("什么时候补货", "stock"),
        ("付款一直失败怎么办", "payment"),
        ("可以开发票吗", "invoice"),
        ("我再考虑考虑", "hesitation"),
        ("收到的衣服破了个洞 能退吗", "after_sales"),
        ("七天无理由退货怎么弄", "after_sales"),
        ("你们什么破服务,我要投诉", "complaint"),
        ("再不处理我就给差评了", "complaint"),
        ("好的谢谢 拜拜", "goodbye"),
    ],
)
def test_single_intent(matcher, message, intent):
    matches = matcher.match(message)
    assert matches, f"no intent for {message!r}"
    assert matches[0].intent == intent


@pytest.mark.parametrize(
    ("message", "intents"),
    [
        ("包邮吗?几天能到", {"price", "shipping"}),
        ("你好,有优惠吗", {"greeting", "price"}),
        ("有发票吗 另外质量怎么样", {"invoice", "quality"}),
        ("160 50kg穿什么码,是纯棉的吗", {"size", "fabric"}),
        # a courtesy opening an unpunctuated run is a clause of its own
        ("你好我的快递怎么还没到", {"greeting", "shipping"}),
        ("在吗这件能便宜点吗", {"greeting", "price"}),
        ("哦哦好的谢谢帮我发顺丰吧", {"goodbye", "shipping"}),
    ],
)
def test_several_needs(matcher, message, intents):
    assert {m.intent for m in matcher.match(message)} == intents


@pytest.mark.parametrize(
    "message", ["好的", "嗯嗯", "是的", "好的 知道了", "ok", "哦哦 明白", "可以的亲"]
)
def test_a_bare_acknowledgement_asks_nothing(matcher, message):
    assert matcher.match(message) == []


@pytest.mark.parametrize("message", ["好的谢谢", "没事了", "行 就这样吧", "嗯嗯 拜拜"])
def test_thanks_and_closings_are_still_goodbyes(matcher, message):
    assert [m.intent for m in matcher.match(message)] == ["goodbye"]


def test_an_acknowledgement_beside_an_ask_leaves_only_the_ask(matcher):
    assert [m.intent for m in matcher.match("好的 那什么时候发货")] == ["shipping"]


@pytest.mark.parametrize(
    "message",
    ["", "   ", "哈哈哈哈", "？？？", "😂😂😂", "今天几号", "帮我订个外卖", "what is the weather"],
)
def test_abstains_on_what_is_no_shop_need(matcher, message):
    assert matcher.match(message) == []


def test_explanation_names_example_shared_words_and_runner_up(matcher):
    [m] = matcher.match("请问能开增值税发票吗")
    assert m.intent == "invoice"
    assert m.example
    assert "发票" in m.shared or "发票" in m.keywords
    assert m.runner_up and m.runner_up != "invoice"
    assert 0 <= m.runner_up_score <= m.score <= 1


def test_repeated_need_is_merged(matcher):
    assert [m.intent for m in matcher.match("包邮吗?包不包邮啊?包邮不")] == ["price"]


def test_long_rambling_message_keeps_its_need(matcher):
    text = (
        "老板你好,我上个月在你们家买过一条裤子,穿着还挺舒服的,我老婆也说好看,"
        "这次想再给我爸买一件外套,他175 140斤,平时穿XL,你看这件穿多大的合适"
    )
    intents = [m.intent for m in matcher.match(text)]
    assert intents[:2] == ["greeting", "size"] or intents[0] == "size", intents


hostile = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.sampled_from(
        [
            "\x00" * 10,
            "🙏" * 500,
            "' OR 1=1; DROP TABLE messages;--",
            "<script>alert(1)</script>",
            "こんにちは、在庫はありますか",
            "包邮" * 20_000,
            "\u202e\u200d\ufeff",
        ]
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile)
def test_any_text_gets_a_valid_result(matcher, assistant, text):
    matches = matcher.match(text)
    assert all(isinstance(m, Match) and 0.0 <= m.score <= 1.0 for m in matches)
    assert len({m.intent for m in matches}) == len(matches)
    suggestion = assistant.suggest(text)
    assert suggestion.replies
    assert all("{" not in r and "}" not in r for r in suggestion.replies)


def test_a_library_of_one_intent_matches_without_a_runner_up():
    from intents import Intent, Library, Matcher, Reply

    library = Library(
        "mini",
        "mini",
        (Intent("price", ("包邮吗", "能便宜点吗", "多少钱"), (Reply("亲,满99包邮哦"),)),),
    )
    [m] = Matcher(library).match("包邮不")
    assert m.intent == "price" and m.runner_up is None
    assert Matcher(library).match("今天天气真好") == []
