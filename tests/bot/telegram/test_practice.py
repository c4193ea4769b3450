"""/practice, /stop, /progress and /trainees through the real dispatcher, with an exact clock."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import pytest

from bot.practice.coach import Coach
from bot.practice.progress import RECENT, Session, sessions_from, trainees, weakest_skill
from bot.practice.scenarios import Scenario
from bot.practice.scoring import SKILL_NAMES, TIPS, WEIGHTS
from bot.telegram import texts
from tests.bot.telegram.conftest import ADMIN, MANAGER, STAFF, STRANGER, Harness

T0 = 1_709_258_400.0  # 2024-03-01 10:00:00 in Shanghai
SCENARIO = "thanks_goodbye"  # 打招呼 → 有货吗 → 发货 → 道别, four turns
SCORE = re.compile(r"得分 (\d+)/100")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now

    def wait(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Trainer:
    bot: Harness
    clock: Clock
    drills: Coach

    @property
    def scenario(self) -> Scenario:
        return next(s for s in self.drills.scenarios() if s.id == SCENARIO)

    def good_answer(self, turn: int) -> str:
        """The library's own first reply for the turn's needs: what a model agent would send."""
        assistant = self.bot.dp["assistants"].get()
        return ",".join(assistant.replies_for(i)[0] for i in self.scenario.turns[turn].intents)

    async def answer(self, text: str, *, after: float, user: int = STAFF) -> None:
        self.clock.wait(after)
        await self.bot.send(text, user=user)


@pytest.fixture
def trainer(harness: Harness) -> Trainer:
    clock = Clock()
    drills = Coach(harness.dp["assistants"], harness.storage, clock=clock, rng=random.Random(5))
    harness.dp["clock"] = clock
    harness.dp["coach"] = drills
    return Trainer(harness, clock, drills)


async def _rows(harness: Harness, sql: str) -> list[tuple]:
    return [tuple(r) for r in await harness.storage.db.fetch(sql)]


# --- choosing a scenario -----------------------------------------------------------------------


async def test_practice_without_an_id_offers_every_scenario_easiest_first(trainer):
    await trainer.bot.send("/practice")
    [offer] = trainer.bot.session.sent()
    scenarios = trainer.drills.scenarios()
    assert offer.text == texts.PRACTICE_PICK.format(example=scenarios[0].id)
    buttons = [row[0] for row in offer.reply_markup.inline_keyboard]
    assert all(len(row) == 1 for row in offer.reply_markup.inline_keyboard)
    assert [b.callback_data.rpartition(":")[0] for b in buttons] == [
        f"pr:{s.id}" for s in scenarios
    ]
    levels = [next(n for n, name in {1: "入门", 2: "进阶", 3: "困难"}.items() if name in b.text)
              for b in buttons]  # fmt: skip
    assert levels == sorted(levels) and set(levels) == {1, 2, 3}
    assert buttons[0].text.startswith(texts.LEVEL_MARKS[1])
    assert buttons[-1].text.startswith(texts.LEVEL_MARKS[3])


async def test_pressing_a_scenario_button_starts_it(trainer):
    await trainer.bot.press(trainer.bot.sign(f"pr:{SCENARIO}"))
    assert trainer.bot.session.sent("answerCallbackQuery")
    title, line = trainer.bot.texts()
    assert "问完就走的顾客" in title and "入门" in title and "共 4 轮" in title
    assert "15 秒" in title and "20 秒" in title
    assert line.startswith("👤 顾客：")


async def test_practice_with_an_unknown_id_lists_the_ids(trainer):
    await trainer.bot.send("/practice nope")
    [reply] = trainer.bot.texts()
    assert reply.startswith("没有这个练习场景：nope") and SCENARIO in reply
    assert await _rows(trainer.bot, "SELECT * FROM practice_sessions") == []


# --- a whole drill ------------------------------------------------------------------------------


async def test_a_fast_polite_correct_drill_scores_high_and_is_stored(trainer):
    bot = trainer.bot
    await bot.send(f"/practice {SCENARIO}")
    assert bot.texts()[-1].startswith("👤 顾客：")
    for turn in range(4):
        await trainer.answer(trainer.good_answer(turn), after=6)
        *_, feedback, follow = bot.texts()
        score = int(SCORE.search(feedback).group(1))
        assert score >= 85, feedback
        target = 15 if turn == 0 else 20
        assert "用时 6 秒" in feedback and f"6 秒回复，在 {target} 秒以内" in feedback
        assert f"{texts.PRACTICE_REFERENCE}\n<code>" in feedback
        if turn < 3:
            assert follow.startswith("👤 顾客：")
    summary = bot.texts()[-1]
    assert summary.startswith("<b>练习结束：共 4 题，平均 ")
    assert int(re.search(r"平均 (\d+) 分", summary).group(1)) >= 85
    assert (
        "最需要加强：" in summary or "每一项都拿满了" in summary
    ) and texts.PRACTICE_NEXT in summary
    assert len(bot.texts()) == 2 + 4 * 2  # title, line, then feedback + next line or summary

    [session] = sessions_from(await bot.storage.practice_progress(STAFF))
    assert session.scenario == SCENARIO and session.user_name == "小王"
    assert session.answers == 4 and session.total >= 85 and session.started_at == T0
    assert session.finished_at == T0 + 24
    answers = await _rows(bot, "SELECT turn, seconds FROM practice_answers ORDER BY turn")
    assert answers == [(0, 6.0), (1, 6.0), (2, 6.0), (3, 6.0)]
    # the next message is a customer's again: the suggestion flow answers it
    await bot.send("包邮吗")
    assert "建议回复" in bot.texts()[-1]


async def test_a_slow_rude_drill_scores_low_and_names_the_weakest_skill(trainer):
    bot = trainer.bot
    await bot.send(f"/practice {SCENARIO}")
    for _ in range(4):
        await trainer.answer("嗯", after=75)
        feedback = bot.texts()[-2]
        assert int(SCORE.search(feedback).group(1)) <= 30, feedback
        assert "75 秒才回复" in feedback and "敷衍" in feedback
    summary = bot.texts()[-1]
    # speed, content and tone all score nothing: the tie goes to the skill worth most (content)
    assert f"最需要加强：{SKILL_NAMES['content']}。{TIPS['content']}" in summary
    [session] = sessions_from(await bot.storage.practice_progress(STAFF))
    assert session.total <= 30


async def test_good_but_slow_answers_make_speed_the_weakest_skill(trainer):
    bot = trainer.bot
    await bot.send(f"/practice {SCENARIO}")
    for turn in range(4):
        await trainer.answer(trainer.good_answer(turn), after=35)
    summary = bot.texts()[-1]
    assert f"最需要加强：{SKILL_NAMES['speed']}。{TIPS['speed']}" in summary


async def test_each_answer_is_timed_from_its_own_customer_line(trainer):
    bot = trainer.bot
    await bot.send(f"/practice {SCENARIO}")
    await trainer.answer(trainer.good_answer(0), after=12)
    first = bot.texts()[-2]
    assert "用时 12 秒" in first and "12 秒回复，在 15 秒以内" in first
    await trainer.answer(trainer.good_answer(1), after=30)  # the next target is 20 s
    second = bot.texts()[-2]
    assert "用时 30 秒" in second and "30 秒才回复，标准是 20 秒以内" in second
    assert await _rows(bot, "SELECT seconds FROM practice_answers ORDER BY turn") == [
        (12.0,),
        (30.0,),
    ]


async def test_stop_mid_drill_summarises_and_finishes_the_session(trainer):
    bot = trainer.bot
    await bot.send(f"/practice {SCENARIO}")
    await trainer.answer(trainer.good_answer(0), after=5)
    trainer.clock.wait(3)
    await bot.send("/stop")
    summary = bot.texts()[-1]
    assert summary.startswith("<b>练习结束：共 1 题") and "每一项都拿满了" in summary
    [(finished, total)] = await _rows(bot, "SELECT finished_at, total FROM practice_sessions")
    assert finished == T0 + 8 and total >= 85
    assert trainer.drills.runs == {}
    await bot.send("/stop")
    assert bot.texts()[-1] == texts.PRACTICE_NOT_RUNNING


async def test_stop_before_any_answer_still_closes_the_session(trainer):
    await trainer.bot.send(f"/practice {SCENARIO}")
    await trainer.bot.send("/stop")
    assert trainer.bot.texts()[-1].startswith("<b>练习结束：共 0 题")
    assert await _rows(trainer.bot, "SELECT finished_at FROM practice_sessions") == [(T0,)]
    assert await trainer.bot.storage.practice_progress(STAFF) == []  # nothing scored, no row


async def test_during_a_drill_other_commands_wait_and_stickers_are_not_answers(trainer):
    bot = trainer.bot
    await bot.send(f"/practice {SCENARIO}")
    await bot.send("/help")
    await bot.send("/progress")
    assert bot.texts()[-2:] == [texts.PRACTICE_BUSY.format(title="问完就走的顾客")] * 2
    await bot.send(None, sticker={"file_id": "s", "file_unique_id": "s", "type": "regular",
                                  "width": 1, "height": 1, "is_animated": False,
                                  "is_video": False})  # fmt: skip
    assert bot.texts()[-1] == texts.PRACTICE_TEXT_ONLY
    await trainer.answer(trainer.good_answer(0), after=4)
    assert "用时 4 秒" in bot.texts()[-2]  # the drill went on where it was
    assert await _rows(bot, "SELECT COUNT(*) FROM practice_answers") == [(1,)]


async def test_a_new_practice_ends_the_running_one_first(trainer):
    bot = trainer.bot
    await bot.send(f"/practice {SCENARIO}")
    await trainer.answer(trainer.good_answer(0), after=5)
    await bot.send("/practice size_bargain")
    *_, summary, title, line = bot.texts()
    assert summary.startswith("<b>练习结束：共 1 题")
    assert "问尺码后砍价" in title and line.startswith("👤 顾客：")
    rows = await _rows(bot, "SELECT scenario, finished_at FROM practice_sessions ORDER BY id")
    assert rows == [(SCENARIO, T0 + 5), ("size_bargain", None)]


async def test_two_trainees_drill_side_by_side(trainer):
    bot = trainer.bot
    await bot.send(f"/practice {SCENARIO}", user=STAFF)
    await bot.send(f"/practice {SCENARIO}", user=MANAGER)
    await trainer.answer(trainer.good_answer(0), after=5, user=STAFF)
    await trainer.answer("嗯", after=70, user=MANAGER)
    progress = {s.user_id: s.total for s in sessions_from(await bot.storage.practice_progress())}
    assert progress[STAFF] >= 85 and progress[MANAGER] <= 30


# --- /progress and /trainees --------------------------------------------------------------------


async def _drill(trainer: Trainer, user: int, *, after: float, answers: int = 4) -> None:
    await trainer.bot.send(f"/practice {SCENARIO}", user=user)
    for turn in range(answers):
        await trainer.answer(trainer.good_answer(turn), after=after, user=user)
    if answers < 4:
        await trainer.bot.send("/stop", user=user)
    trainer.clock.wait(86_400)  # the next session on the next day


@pytest.mark.parametrize("user", [STAFF, MANAGER, ADMIN])
async def test_progress_lists_own_sessions_and_sends_a_chart(trainer, user):
    await _drill(trainer, user, after=5)
    await _drill(trainer, user, after=40, answers=2)
    await _drill(trainer, STAFF if user != STAFF else MANAGER, after=5)  # someone else's
    trainer.bot.session.requests.clear()
    await trainer.bot.send("/progress", user=user)
    [table] = trainer.bot.texts()
    header, first, first_skills, second, second_skills, weakest = table.split("\n")
    assert "共 2 次" in header and "Asia/Shanghai" in header
    assert first.startswith("• 03-01 10:00 问完就走的顾客 · <b>") and "（4 题）" in first
    assert second.startswith("• 03-02 10:00 问完就走的顾客") and "（2 题）" in second
    assert first_skills.strip().startswith(f"{SKILL_NAMES['speed']} 100%")
    assert f"{SKILL_NAMES['speed']} 100%" not in second_skills
    assert weakest.startswith("最近 2 次里最需要加强：<b>响应速度</b>")
    [photo] = trainer.bot.session.sent("sendPhoto")
    assert photo.chat_id == user and photo.caption == texts.PROGRESS_CHART
    assert photo.photo.data.startswith(b"\x89PNG")


async def test_progress_after_a_perfect_run_names_no_weakness(trainer):
    bot = trainer.bot
    await bot.send(f"/practice {SCENARIO}")
    for turn in range(4):
        await trainer.answer(trainer.good_answer(turn), after=5)
    await bot.send("/progress")
    assert bot.texts()[-1].endswith(texts.PROGRESS_ALL_FULL.format(recent=1))


async def test_progress_without_sessions(trainer):
    await trainer.bot.send("/progress")
    assert trainer.bot.texts() == [texts.PROGRESS_EMPTY]
    assert trainer.bot.session.sent("sendPhoto") == []


@pytest.mark.parametrize(
    ("user", "allowed"), [(STAFF, False), (MANAGER, True), (ADMIN, True), (STRANGER, False)]
)
async def test_trainees_by_role(trainer, user, allowed):
    await _drill(trainer, STAFF, after=5)
    await _drill(trainer, STAFF, after=40)
    await _drill(trainer, ADMIN, after=6, answers=1)
    trainer.bot.session.requests.clear()
    await trainer.bot.send("/trainees", user=user)
    replies = trainer.bot.texts()
    if not allowed:
        assert trainer.bot.session.sent("sendPhoto") == []
        if user == STAFF:
            assert replies == [texts.MANAGERS_ONLY]
        else:  # not in the access list at all: the usual one refusal
            assert len(replies) == 1 and str(STRANGER) in replies[0]
        return
    [table] = replies
    header, *lines = table.split("\n")
    assert "2 人" in header
    # the harness names everyone 小王: their Telegram ids tell them apart
    staff, admin = lines
    assert staff.startswith(f"• <b>小王（{STAFF}）</b> · 练习 2 次 · 最近 ")
    assert f"最弱：{SKILL_NAMES['speed']}" in staff
    assert admin.startswith(f"• <b>小王（{ADMIN}）</b> · 练习 1 次 · 最近 100 分 · 平均 100 分")
    assert admin.endswith(f"最弱：{texts.TRAINEES_ALL_FULL}")
    [photo] = trainer.bot.session.sent("sendPhoto")
    assert photo.caption == texts.TRAINEES_CHART and photo.photo.data.startswith(b"\x89PNG")


async def test_trainees_when_nobody_has_practised(trainer):
    await trainer.bot.send("/trainees", user=MANAGER)
    assert trainer.bot.texts() == [texts.TRAINEES_EMPTY]


async def test_the_practice_commands_are_in_the_menu_and_help():
    for command in ("practice", "stop", "progress", "trainees"):
        assert command in texts.COMMANDS and f"/{command}" in texts.HELP


# --- the progress maths -------------------------------------------------------------------------


def _session(n: int, user_id: int, name: str, total: float, **skills: float) -> Session:
    shares = {**dict.fromkeys(WEIGHTS, 1.0), **skills}
    return Session(n, user_id, name, SCENARIO, 1, T0 + n, T0 + n + 60, total, shares, 4)


def test_trainees_group_by_id_and_judge_the_weakest_skill_on_recent_sessions():
    old_typing = [_session(n, 7, "小李", 60, typing=0.1) for n in range(3)]
    recent_tone = [_session(n, 7, "小李", 80, tone=0.5) for n in range(3, 3 + RECENT)]
    console = [_session(20, 0, "控制台1", 50, content=0.2), _session(21, 0, "控制台2", 70)]
    [li, one, two] = trainees([*old_typing, *recent_tone, *console])
    assert (li.name, len(li.sessions), li.latest) == ("小李", 3 + RECENT, 80)
    assert li.mean == pytest.approx((3 * 60 + RECENT * 80) / (3 + RECENT))
    assert li.weakest == "tone"  # typing was weak, but not in the latest RECENT sessions
    assert (one.name, one.weakest) == ("控制台1", "content")
    assert two.name == "控制台2" and len(two.sessions) == 1 and two.weakest is None


def test_trainees_who_share_a_name_are_told_apart_by_id():
    named = trainees(
        [_session(1, 7, "小李", 60), _session(2, 8, "小李", 70), _session(3, 9, "阿美", 80)]
    )
    assert [t.name for t in named] == ["小李（7）", "小李（8）", "阿美"]


def test_weakest_skill_ties_go_to_the_skill_worth_more_and_full_marks_have_none():
    assert weakest_skill([_session(1, 7, "小李", 50, speed=0.0, tone=0.0)]) == "speed"
    assert weakest_skill([_session(1, 7, "小李", 90, speed=0.5, content=0.5)]) == "content"
    assert weakest_skill([_session(1, 7, "小李", 100)]) is None
