"""Stitched drafts and per-reply values: what Assistant.suggest puts in the first reply."""

import pytest

from intents.render import split_long


def _greetings(assistant, tone: str) -> list[str]:
    """The greeting replies' opening sentences: what a draft may open with."""
    return [split_long(r, limit=1)[0] for r in assistant.replies_for("greeting", tone=tone)]


@pytest.mark.parametrize(
    "message", ["在吗，这个包邮吗", "你好，能便宜点吗", "这个包邮吗 在吗", "您好 请问有发票吗"]
)
@pytest.mark.parametrize("tone", ["亲切", "正式"])
def test_a_greeting_opens_the_draft_and_only_greets(assistant, message, tone):
    suggestion = assistant.suggest(message, tone=tone)
    assert "greeting" in suggestion.intents and len(suggestion.intents) == 2
    draft = suggestion.replies[0]
    assert any(draft.startswith(g.rstrip("～。")[:4]) for g in _greetings(assistant, tone)), draft
    # the answer follows the greeting; the draft does not end on 在的在的 or 有什么可以帮您
    assert "在的在的" not in draft[4:] and "可以帮您" not in draft, draft
    answer = next(r for r in suggestion.replies[1:] if not r.startswith(("在的", "亲，您好")))
    assert answer.split("，", 1)[-1][:6] in draft


def test_the_questions_of_a_draft_come_in_the_order_they_were_asked(assistant):
    first, second = "几天能到？包邮吗", "包邮吗？几天能到"
    for message, before, after in ((first, "天就能到", "包邮"), (second, "包邮", "天就能到")):
        draft = assistant.suggest(message).replies[0]
        assert draft.index(before) < draft.index(after), draft


def test_an_angry_buyer_hears_the_apology_before_the_answer(assistant):
    draft = assistant.suggest("到底什么时候发货别跟我扯这些我就问哪天能到").replies[0]
    assert draft.index("抱歉") < draft.index("发货"), draft


def test_a_goodbye_closes_the_draft(assistant):
    draft = assistant.suggest("谢谢，那几天能到").replies[0]
    assert draft.index("天就能到") < draft.index("不客气"), draft


def test_the_agent_name_given_with_a_message_signs_its_replies(assistant):
    signed = assistant.suggest("你好", values={"agent_name": "阿珍"})
    assert any("客服阿珍" in r for r in signed.replies)
    assert not any("小美" in r for r in signed.replies)
    assert any("客服小美" in r for r in assistant.suggest("你好").replies)  # the library's own
    formal = assistant.replies_for("greeting", tone="正式", values={"agent_name": "阿珍"})
    assert any("客服阿珍" in r for r in formal)


@pytest.mark.parametrize(
    ("message", "answers"),
    [
        ("包邮吗？有运费险吗", ["包邮", "运费险"]),
        ("包邮吗 有运费险吗 什么时候发货", ["包邮", "运费险", "发货"]),
        ("有運費險嗎，包郵不", ["运费险", "包邮"]),  # 繁体, in the order asked
    ],
)
def test_two_topics_of_one_intent_are_both_answered(assistant, message, answers):
    suggestion = assistant.suggest(message)
    assert suggestion.intents.count("price") == 1  # one entry per intent, as csbot match says
    draft = suggestion.replies[0]
    places = [draft.find(a) for a in answers]
    assert all(p >= 0 for p in places) and places == sorted(places), draft


@pytest.mark.parametrize("tone", ["亲切", "正式"])
def test_without_a_product_a_size_question_asks_which_one_before_recommending(assistant, tone):
    first = assistant.suggest("170 120斤穿多大码", tone=tone).replies[0]
    assert "链接" in first, first  # no size is promised that no size chart backs


@pytest.mark.parametrize("message", ["好的", "嗯嗯 收到", "好滴亲", "ＯＫ"])
def test_an_acknowledgement_is_answered_in_kind_not_as_unclear(assistant, message):
    suggestion = assistant.suggest(message)
    assert suggestion.intents == ()  # it asks nothing (CONTRACT §4: [])
    acknowledged = {assistant.render(r) for r in assistant.library.acknowledged}
    assert suggestion.replies and set(suggestion.replies) <= acknowledged, suggestion.replies


def test_a_message_nobody_understands_still_asks_what_was_meant(assistant):
    fallback = {assistant.render(r) for r in assistant.library.fallback}
    assert set(assistant.suggest("？？").replies) <= fallback
