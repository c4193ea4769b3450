import pytest

from intents import normalize, phonetic, split_clauses
from intents.phonetic import syllables


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("顏色有哪些？？？", "颜色有哪些"),  # traditional, full-width, repeated punctuation
        ("ＸＬ碼有嗎！！", "xl码有吗"),
        ("亲亲 包邮吗😂😂", "包邮吗"),
        ("在么亲", "在么"),
        ("这件亲肤吗", "这件亲肤吗"),  # 亲 inside a word stays
        ("哈哈哈哈", ""),
        ("？？？", ""),
        ("\x00\x07包邮\u200b吗", "包邮吗"),
        ("包邮吗?几天能到", "包邮吗,几天能到"),
        ("160cm 50kg 穿啥码", "160cm 50kg 穿啥码"),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_normalize_bounds_very_long_text():
    assert len(normalize("包邮吗" * 50_000)) <= 600


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("包油", "包邮"), ("尺吗", "尺码"), ("baoyou", "包邮"), ("fahuo", "发货"), ("zaima", "在吗")],
)
def test_homophones_and_pinyin_share_a_phonetic_form(typed, meant):
    assert phonetic(typed) == phonetic(meant)


def test_latin_words_and_numbers_stay_distinct():
    assert syllables(phonetic("xl码")) == "xl ma"
    assert phonetic("160cm") == phonetic("175cm")  # every number weighs alike
    assert phonetic("hi") != phonetic("xl")


@pytest.mark.parametrize(
    ("text", "clauses"),
    [
        ("包邮吗,几天能到", ["包邮吗", "几天能到"]),
        ("有黑色吗 顺便问下m码有货吗", ["有黑色吗", "m码有货吗"]),
        ("在吗 这件能便宜吗", ["在吗", "这件能便宜吗"]),
        ("170 60kg穿什么码", ["170 60kg穿什么码"]),
        ("l码还有没有", ["l码还有没有"]),  # 还有 here asks about stock, it joins nothing
    ],
)
def test_split_clauses(text, clauses):
    assert split_clauses(text) == clauses
