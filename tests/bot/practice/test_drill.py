"""A practice run, timed with a fake clock, and the same drill in the terminal."""

import asyncio
import random
import sqlite3

from typer.testing import CliRunner

from bot.assistants import Assistants
from bot.cli import app
from bot.config import Config
from bot.practice.drill import Drill, summary_lines
from bot.practice.scenarios import load_scenarios

runner = CliRunner()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def drill_for(scenario_id: str, clock: Clock) -> Drill:
    scenario = next(s for s in load_scenarios() if s.id == scenario_id)
    return Drill(scenario, Assistants(Config()).get(), rng=random.Random(7), clock=clock)


def test_a_good_agent_scores_high_and_a_careless_one_low():
    clock = Clock()
    good, careless = drill_for("size_bargain", clock), drill_for("size_bargain", clock)
    for drill, delay, answer in ((good, 9, None), (careless, 70, "嗯")):
        while not drill.done:
            line = drill.ask()
            clock.now += delay
            reply = (
                answer or drill.assistant.suggest(line, product=drill.scenario.product).replies[0]
            )
            drill.answer(reply)
    assert good.summary().total >= 85
    assert careless.summary().total <= 30
    assert careless.summary().weakest in {"speed", "content", "tone"}
    assert "最需要加强" in "\n".join(summary_lines(careless.summary()))


def test_the_answer_is_timed_from_the_customer_line():
    clock = Clock()
    drill = drill_for("size_bargain", clock)
    drill.ask()
    clock.now += 14
    first = drill.answer("亲,您好,在的哦,有什么可以帮您?")
    assert first.seconds == 14 and first.score.check("speed").points == 25
    drill.ask()
    clock.now += 40
    assert drill.answer("亲,您身高体重多少呢?").score.check("speed").points < 25


def test_csbot_practice_runs_the_drill_in_the_terminal(tmp_path):
    config = tmp_path / "config.yaml"
    database = tmp_path / "p.db"
    config.write_text(f"storage:\n  database: {database}\n", encoding="utf-8")
    answers = "亲,在的,有什么可以帮您?\n亲,方便说下身高体重吗?\n嗯\n/stop\n"
    result = runner.invoke(
        app,
        ["practice", "--scenario", "size_bargain", "--config", str(config), "--name", "小林"],
        input=answers,
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("得分") == 3 and "参考话术" in result.output
    assert "练习结束：共 3 题" in result.output and "最需要加强" in result.output
    with sqlite3.connect(database) as db:
        sessions = db.execute(
            "SELECT user_name, scenario, finished_at FROM practice_sessions"
        ).fetchall()
        answers_stored = db.execute("SELECT COUNT(*) FROM practice_answers").fetchone()[0]
    assert sessions[0][:2] == ("小林", "size_bargain") and sessions[0][2] is not None
    assert answers_stored == 3


def test_unknown_scenario_is_named_and_fails():
    result = runner.invoke(app, ["practice", "--scenario", "nope"], input="")
    assert "没有场景「nope」" in result.output and "size_bargain" in result.output
    assert result.exit_code == 2


def test_progress_is_read_back_per_trainee(storage_url):
    from bot.storage import open_storage

    async def run():
        async with open_storage(storage_url) as db:
            session = await db.start_practice(
                user_id=5, user_name="小林", scenario="x", level=1, started_at=1.0
            )
            skills = {"speed": 1.0, "typing": 0.5, "content": 0.8, "tone": 1.0, "compliance": 1.0}
            await db.add_practice_answer(session, turn=0, seconds=9, total=80, skills=skills)
            await db.add_practice_answer(session, turn=1, seconds=9, total=90, skills=skills)
            return await db.practice_progress(5), await db.practice_progress(6)

    mine, other = asyncio.run(run())
    assert other == []
    assert mine[0]["total"] == 85 and mine[0]["typing"] == 0.5 and mine[0]["answers"] == 2


def test_the_reference_replies_carry_the_trainees_own_name():
    scenario = next(s for s in load_scenarios() if s.id == "size_bargain")
    assistant = Assistants(Config()).get()
    mine = Drill(scenario, assistant, values={"agent_name": "阿珍"})
    greeting = scenario.turns[0]
    assert "客服阿珍" in mine.reference(greeting, "你好")
    assert "客服小美" in Drill(scenario, assistant).reference(greeting, "你好")
