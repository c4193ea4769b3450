"""The scoring of a trainee's answer: five skills, each explained, from the service standards.

- speed: greet within 15 s, answer within 20 s;
- typing: at least 50 字/分钟;
- content: close to the shop's reference replies, with what the question needs (身高体重, 尺码…);
- tone: polite forms (亲/您), never a cold 嗯/哦 alone, never blaming the customer;
- compliance: no 广告法 absolutes, no sending the customer off the platform.

Plain Python: the Telegram drill and `csbot practice` score the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz

from intents import Segmenter, normalize
from intents.library import ABSOLUTE_WORDS, OFF_PLATFORM
from intents.render import LONG_REPLY

WEIGHTS = {"speed": 25, "typing": 15, "content": 30, "tone": 15, "compliance": 15}
SKILL_NAMES = {
    "speed": "响应速度",
    "typing": "打字速度",
    "content": "回答内容",
    "tone": "礼貌语气",
    "compliance": "合规",
}
TIPS = {
    "speed": (
        "顾客发来消息先敲一个「亲，在的」稳住，再慢慢补充："
        "首次回复别超过 15 秒，之后每次别超过 20 秒。"
    ),
    "typing": "多用快捷短语，练习盲打：打字至少要到每分钟 50 字。",
    "content": "先正面回答顾客问的事（尺码先问身高体重，议价先讲价值再给券），再顺势推荐。",
    "tone": (
        "称呼用「亲」或「您」，句尾加「哦/呢」；不要只回「嗯」「哦」，"
        "也不要说「你自己没看」这类话。"
    ),
    "compliance": "别用「最」「第一」「绝对」「100%」这类绝对化用语，也别让顾客加微信、私下交易。",
}
TYPING_TARGET = 50  # 字/分钟
#: An answer that breaks the 广告法 or sends the customer off the platform scores at most this.
RED_LINE_CAP = 40
POLITE = re.compile(r"亲|您|请|谢谢|感谢|抱歉|不好意思|辛苦|哦|呢|哈|~|～|😊|🙏")
COLD = re.compile(
    r"^[\s。.,，!！?？~]*(嗯+|恩+|哦+|噢+|额+|en+|o+k*|好+的?|行|随便)[\s。.,，!！?？~]*$"
)
BLAME = re.compile(
    r"你自己|自己看|你没看|没看详情|你不会|怪你|你的问题|看不懂|说了多少遍|问那么多|爱买不买|不买拉倒"
)
_COUNTED = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


#: A skill at this share of its points or more has nothing left to improve.
FULL = 0.999


def weakest_skill(shares: dict[str, float]) -> str | None:
    """The skill with the lowest share of its points (a tie goes to the one worth more), or
    None when every skill is full.

    >>> weakest_skill({**dict.fromkeys(WEIGHTS, 1.0), "typing": 0.2})
    'typing'
    """
    weakest = min(shares, key=lambda skill: (shares[skill], -WEIGHTS[skill]))
    return None if shares[weakest] >= FULL else weakest


@dataclass(frozen=True, slots=True)
class Check:
    skill: str
    points: float
    out_of: float
    note: str

    @property
    def ratio(self) -> float:
        return self.points / self.out_of if self.out_of else 1.0


@dataclass(frozen=True, slots=True)
class Score:
    total: int
    checks: tuple[Check, ...]

    def check(self, skill: str) -> Check:
        return next(c for c in self.checks if c.skill == skill)


@cache
def _segmenter() -> Segmenter:
    return Segmenter()


def _words(text: str) -> str:
    return " ".join(_segmenter().cut(normalize(text)))


def score_answer(
    answer: str,
    *,
    seconds: float,
    first: bool,
    references: Sequence[str],
    expect: Sequence[str] = (),
    first_target: float = 15,
    next_target: float = 20,
) -> Score:
    """Score one answer 0–100 with a note per skill.

    >>> refs = ["亲,方便告诉我您的身高体重吗?帮您推荐尺码哦"]
    >>> s = score_answer("亲,您身高体重多少呀?", seconds=8, first=False, references=refs)
    >>> s.total >= 85
    True
    """
    checks = (
        _speed(seconds, first_target if first else next_target),
        _typing(answer, seconds),
        _content(answer, references, expect),
        _tone(answer),
        _compliance(answer),
    )
    total = round(sum(c.points for c in checks))
    if not checks[-1].points:  # a red line fails the answer, however fast and polite it was
        total = min(total, RED_LINE_CAP)
    return Score(total, checks)


def _speed(seconds: float, target: float) -> Check:
    out_of = WEIGHTS["speed"]
    if seconds <= target:
        return Check("speed", out_of, out_of, f"{seconds:.0f} 秒回复，在 {target:g} 秒以内 👍")
    ratio = max(0.0, 1 - (seconds - target) / (2 * target))  # nothing left at 3× the target
    return Check(
        "speed", out_of * ratio, out_of, f"{seconds:.0f} 秒才回复，标准是 {target:g} 秒以内"
    )


def _typing(answer: str, seconds: float) -> Check:
    out_of = WEIGHTS["typing"]
    chars = len(_COUNTED.findall(answer))
    per_minute = chars / max(seconds, 1.0) * 60
    ratio = min(1.0, per_minute / TYPING_TARGET)
    note = f"约 {per_minute:.0f} 字/分钟" + (
        " 👍" if ratio >= 1 else f"，标准是 {TYPING_TARGET} 字/分钟"
    )
    return Check("typing", out_of * ratio, out_of, note)


def _content(answer: str, references: Sequence[str], expect: Sequence[str]) -> Check:
    out_of = WEIGHTS["content"]
    mine = _words(answer)
    similarity = max((fuzz.token_set_ratio(mine, _words(r)) / 100 for r in references), default=0.0)
    closeness = min(1.0, max(0.0, (similarity - 0.25) / 0.45))
    unmet = missing(answer, expect)
    if expect:
        covered = 1 - len(unmet) / len(expect)
        ratio = 0.5 * closeness + 0.5 * covered
    else:
        ratio = closeness
    note = f"和参考话术相似度 {similarity:.0%}"
    if unmet:
        note += "，没有回答到：" + "、".join(g.replace("|", "/") for g in unmet)
    return Check("content", out_of * ratio, out_of, note)


def missing(answer: str, expect: Sequence[str]) -> list[str]:
    """The expected elements (身高|体重: either word) an answer does not contain.

    >>> missing("亲，建议拍M码哦", ["码|号", "尺码表"])
    ['尺码表']
    """
    text = normalize(answer)
    return [group for group in expect if not any(normalize(w) in text for w in group.split("|"))]


def _tone(answer: str) -> Check:
    out_of = WEIGHTS["tone"]
    if COLD.match(answer.strip()):
        return Check("tone", 0.0, out_of, "只回了一个「嗯/哦/好」，顾客会觉得被敷衍")
    blame = BLAME.search(answer)
    if blame:
        return Check("tone", 0.0, out_of, f"「{blame.group()}」像在责怪顾客")
    points, notes = out_of, []
    if not POLITE.search(answer):
        points -= out_of / 2
        notes.append("没有「亲/您/哦/呢」这类亲切用语")
    if len(answer) > 2 * LONG_REPLY:  # 如回答太长, 宜分次回答
        points -= out_of / 5
        notes.append(f"一条 {len(answer)} 字太长，宜分几次发送")
    return Check("tone", points, out_of, "; ".join(notes) or "称呼亲切，语气自然 👍")


def _compliance(answer: str) -> Check:
    """Zero on any red line; the note names every hit, so one round fixes them all."""
    out_of = WEIGHTS["compliance"]
    notes = []
    for pattern, why in (
        (OFF_PLATFORM, "把顾客引到平台外"),
        (ABSOLUTE_WORDS, "广告法禁用的绝对化用语"),
    ):
        hits = dict.fromkeys(_hit_words(pattern, answer))
        if hits:
            notes.append("「" + "」「".join(hits) + f"」是{why}")
    if notes:
        return Check("compliance", 0.0, out_of, "；".join(notes))
    return Check("compliance", out_of, out_of, "没有违规用语 👍")


def _hit_words(pattern: re.Pattern[str], answer: str) -> list[str]:
    """Each hit as the trainee wrote it: a bare 「最」 is shown with what follows (最低价)."""
    return [
        answer[hit.start() : hit.end() + 2] if len(hit.group()) == 1 else hit.group()
        for hit in pattern.finditer(answer)
    ]
