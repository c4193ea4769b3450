"""Real buyers write short, unpunctuated, elliptical messages full of context and courtesies.

Every message here is invented in the style of real Taobao/JD chats (none is a corpus line):
typos, 繁體, 全角, pinyin, emoji, pasted platform lines and acknowledgements. Each one failed
before companion needs had to stand on their own evidence, statements that ask nothing had to
be sure, and a long clause could carry a second need.
"""

import dataclasses

import pytest

from intents import Matcher
from intents.matcher import split_clauses


def needs(matcher: Matcher, message: str) -> list[str]:
    return [m.intent for m in matcher.match(message, limit=5)]


@pytest.mark.parametrize(
    "message",
    [
        "没了，谢谢",
        "沒了，謝謝😊",  # 繁體 and an emoji
        "不需要了，谢谢",
        "没有了 谢谢亲",
        "没别的了，谢谢啦",
    ],
)
def test_nothing_more_beside_thanks_is_a_goodbye(matcher, message):
    """没了 answers 还有别的问题吗: it asks for no stock and hesitates about nothing."""
    assert needs(matcher, message) == ["goodbye"]


@pytest.mark.parametrize(
    ("message", "need"),
    [
        (
            "上周买的鞋子，穿了一天脚后跟磨破了，我朋友说颜色也一般，想退掉，盒子还在，能退吗",
            "after_sales",
        ),
        ("我是老顾客了，上次买的裤子质量挺好，这次想问问外套能便宜点吗", "price"),
    ],
)
def test_a_stray_word_in_a_long_message_adds_no_companion(matcher, message, need):
    """颜色也一般 and 质量挺好 are the story; 盒子还在 is no 在吗."""
    assert needs(matcher, message) == [need]


@pytest.mark.parametrize(
    "message",
    [
        "已经付款了哦",
        "收到货了味道还行",
        "对的中通快递",
        "好评已经给了亲",
        "我先拍了",
        "是了",
        "嗯嗯好",
        "咨询订单号:[订单x] 商品ID:[数字x] 好的",  # a pasted JD card, then an acknowledgement
        "我问一下我老公",  # 问一下 alone opens a chat; here it is the buyer's own errand
    ],
)
def test_statements_and_acknowledgements_ask_nothing(matcher, message):
    assert needs(matcher, message) == []


@pytest.mark.parametrize(
    ("message", "need"),
    [("请问一下包邮吗", "price"), ("打扰一下有货吗", "stock"), ("问一下", "greeting")],
)
def test_a_polite_opener_is_no_greeting_before_an_ask_with_its_own_words(matcher, message, need):
    assert needs(matcher, message) == [need]


def test_the_library_says_which_needs_a_plain_statement_carries(shop, matcher):
    """这个大的我退了 asks nothing in words, yet it is the ask: after_sales is ``stated: need``.
    Without that key the same statement is context, and the shop's other libraries (clinic, it)
    mark their own needs."""
    message = "收到了，这个大的我退了"
    assert needs(matcher, message) == ["after_sales"]
    plain = dataclasses.replace(
        shop,
        intents=tuple(
            dataclasses.replace(i, stated="") if i.id == "after_sales" else i for i in shop.intents
        ),
    )
    assert needs(Matcher(plain, cache_dir=None), message) == []


@pytest.mark.parametrize(
    ("message", "need"),
    [
        ("哦哦那好吧多送点小样吧", "price"),
        ("嗯嗯好的发顺丰吧", "shipping"),
        ("好吧那我再想想", "hesitation"),
    ],
)
def test_an_acknowledgement_that_opens_a_run_is_a_clause_of_its_own(matcher, message, need):
    """哦哦那好吧 answers the agent; what follows is the buyer's own ask."""
    assert split_clauses(message)[0] in {"哦哦那好吧", "嗯嗯好的", "好吧"}
    assert needs(matcher, message) == [need]


def test_pinyin_questions_ask_and_end_at_ma(matcher):
    """A buyer without a Chinese keyboard: ma ends one question, and the next asks too."""
    assert split_clauses("you huo ma ji tian fa huo") == ["you huo ma", "ji tian fa huo"]
    assert needs(matcher, "you huo ma ji tian fa huo") == ["stock", "shipping"]
    assert needs(matcher, "fa huo le ma") == ["shipping"]


def test_a_sound_alike_keyword_never_cuts_a_word_in_two(matcher):
    """的物 of 收到的物流 sounds like 得物 (a quality keyword), but it cuts 物流 in two."""
    assert needs(matcher, "前天就该收到的物流太差了") == ["shipping"]
    assert needs(matcher, "包油吗") == ["price"]  # a typo that is no word still counts


def test_a_long_run_breaks_before_a_discourse_marker(matcher):
    """别跟我…, 我就问…, 而且… start clauses of their own inside an unpunctuated rant."""
    assert split_clauses("到底什么时候发货别跟我扯这些我就问哪天能到") == [
        "到底什么时候发货",
        "别跟我扯这些",
        "我就问哪天能到",
    ]
    assert split_clauses("别跟我说") == ["别跟我说"]  # a short one stays whole
    assert set(needs(matcher, "到底什么时候发货别跟我扯这些我就问哪天能到")) == {
        "shipping",
        "complaint",
    }


def test_a_long_clause_carries_a_second_need(matcher):
    """An angry ask about shipping is two needs, though the buyer never paused."""
    found = needs(matcher, "什么时候能发货别再拖了我都等了一个星期了太过分了")
    assert set(found) == {"shipping", "complaint"}


@pytest.mark.parametrize(
    ("message", "need"),
    [
        ("3 件 199 是吧", "price"),
        ("６盒３００包邮吗", "price"),  # 全角 digits
        ("两瓶 88 对吧", "price"),
        ("一用就掉毛", "after_sales"),  # a defect described, not named
        ("拆开有一袋是破的", "after_sales"),
        ("baoyou ma 😊", "price"),  # pinyin and an emoji
        ("怕里面酒精太多", "fabric"),
        ("有单独的盖子卖吗", "stock"),
    ],
)
def test_short_real_phrasings(matcher, message, need):
    found = needs(matcher, message)
    assert found[:1] == [need], found


@pytest.mark.parametrize(
    "message",
    [
        "我给老公买 他175 140斤 肩膀比较宽 穿L会不会紧啊 另外快递几天能到啊",
        "帮我儿子挑 他180 150斤 有点胖 XL会小吗 还有发什么快递",
    ],
)
def test_a_need_stands_when_any_of_its_clauses_asks(matcher, message):
    """The measures clause scores highest for size but asks nothing; 穿L会不会紧 asks it."""
    assert sorted(needs(matcher, message)) == ["shipping", "size"]
