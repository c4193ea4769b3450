"""Every check of the answer scoring, with good, mediocre and bad answers."""

import pytest

from bot.practice.scoring import RED_LINE_CAP, TIPS, WEIGHTS, score_answer

SIZE_REFERENCES = [
    "亲,方便告诉我您的身高和体重吗?我帮您推荐合适的码数哦~",
    "亲,这款是标准码,平时穿多大就拍多大,拿不准可以把身高体重发我哦",
]


def score(answer, seconds=8.0, first=False, expect=("身高|体重",)):
    return score_answer(
        answer, seconds=seconds, first=first, references=SIZE_REFERENCES, expect=list(expect)
    )


def test_fast_polite_correct_answer_scores_at_least_85():
    s = score("亲,麻烦告诉我您的身高和体重哦,我帮您推荐合适的尺码~", seconds=12)
    assert s.total >= 85, s.checks


def test_slow_rude_wrong_answer_scores_at_most_30():
    s = score("嗯", seconds=75)
    assert s.total <= 30, s.checks


@pytest.mark.parametrize(
    ("seconds", "first", "expected"),
    [(10, True, 25.0), (15, True, 25.0), (30, True, 12.5), (45, True, 0.0), (20, False, 25.0),
     (40, False, 12.5), (90, False, 0.0)],
)  # fmt: skip
def test_speed_against_15_and_20_seconds(seconds, first, expected):
    assert score("亲,您的身高体重是多少呢?", seconds=seconds, first=first).check(
        "speed"
    ).points == (pytest.approx(expected))


@pytest.mark.parametrize(
    ("answer", "seconds", "full"),
    [("亲,您的身高体重是多少呢?我帮您看看", 10, True),  # 16 字 in 10 s = 96 字/分钟
     ("亲,身高体重多少", 20, False)],  # 7 字 in 20 s = 21 字/分钟
)  # fmt: skip
def test_typing_speed_against_50_per_minute(answer, seconds, full):
    check = score(answer, seconds=seconds).check("typing")
    assert (check.points == WEIGHTS["typing"]) is full
    assert "字/分钟" in check.note


@pytest.mark.parametrize(
    ("answer", "at_least", "at_most"),
    [("亲,告诉我您的身高体重,帮您推荐尺码哦", 25, 30),  # answers and matches the references
     ("亲,这款卖得很好哦", 0, 15),  # polite but answers nothing
     ("亲,我们今天就发货哦", 0, 12)],  # another question's answer
)  # fmt: skip
def test_content_needs_the_question_answered(answer, at_least, at_most):
    check = score(answer).check("content")
    assert at_least <= check.points <= at_most, check


def test_content_names_what_is_missing():
    assert "身高/体重" in score("亲,这款卖得很好哦").check("content").note


@pytest.mark.parametrize(
    ("answer", "expected", "why"),
    [("亲,您的身高体重是多少呢?", 15, "亲切"),
     ("身高体重多少", 7.5, "亲切用语"),
     ("嗯", 0, "敷衍"),
     ("哦。", 0, "敷衍"),
     ("你自己看详情页的尺码表", 0, "责怪"),
     ("亲" + "这款面料很舒服哦," * 14 + "身高体重发我哦", 12, "分几次")],
)  # fmt: skip
def test_tone(answer, expected, why):
    check = score(answer).check("tone")
    assert check.points == pytest.approx(expected) and why in check.note


@pytest.mark.parametrize(
    ("answer", "ok"),
    [("亲,这款性价比很高哦", True),
     ("亲,这是全网最低价", False),
     ("亲,保证100%纯棉", False),
     ("亲,加我微信给您便宜", False),
     ("亲,我们私下交易吧", False)],
)  # fmt: skip
def test_compliance(answer, ok):
    check = score(answer).check("compliance")
    assert (check.points == WEIGHTS["compliance"]) is ok
    assert ok or "「" in check.note


def test_red_line_names_every_hit_and_fails_the_answer():
    # fast, polite and close to the reference: without the red line it would score high
    s = score_answer(
        "亲，加我微信给你便宜，全网最低价哦",
        seconds=5,
        first=False,
        references=["亲，加微信给您便宜哦，全网最低价"],
    )
    note = s.check("compliance").note
    assert s.check("compliance").points == 0
    assert "「微信」是把顾客引到平台外" in note and "「全网」「最低价」" in note
    assert s.total <= RED_LINE_CAP


def test_weights_add_up_and_every_skill_has_a_tip():
    assert sum(WEIGHTS.values()) == 100
    assert set(TIPS) == set(WEIGHTS)
