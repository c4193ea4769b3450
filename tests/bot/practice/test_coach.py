"""The practice coach without Telegram: begin, ask, answer, finish, each step stored."""

import asyncio
import json
import random
from pathlib import Path

from bot.assistants import Assistants
from bot.config import Config
from bot.practice.coach import Coach, Trainee
from bot.practice.progress import sessions_from
from bot.storage import open_storage
from intents import LibraryError, Problem

KEY = (100, 7)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_whole_drill_is_stored_and_summed_up(storage_url):
    async def run():
        clock = Clock()
        async with open_storage(storage_url) as db:
            coach = Coach(Assistants(Config()), db, clock=clock, rng=random.Random(3))
            scenario = coach.scenario("SIZE_BARGAIN")
            run = await coach.begin(KEY, Trainee(7, "小王", "小王 王"), scenario)
            assert coach.run(KEY) is run
            for _ in scenario.turns:
                assert coach.ask(run)
                clock.now += 12
                await coach.answer(run, "亲，在的，您穿多大码呢？")
            summary = await coach.finish(KEY, run)
            again = await coach.finish(KEY, run)  # a second /stop that raced the first
            return (
                scenario,
                summary,
                again,
                coach.runs,
                sessions_from(await db.practice_progress(7)),
            )

    scenario, summary, again, runs, [session] = asyncio.run(run())
    assert summary is not None and summary.answers == len(scenario.turns)
    assert again is None and runs == {}
    assert session.user_name == "小王 王" and session.scenario == "size_bargain"
    assert session.answers == len(scenario.turns) and session.finished_at == 1000 + 12 * len(
        scenario.turns
    )


def test_titles_are_empty_when_the_scenario_files_are_broken(monkeypatch):
    coach = Coach(Assistants(Config()), db=None)  # type: ignore[arg-type]  # never reached
    assert coach.titles()["size_bargain"]

    def broken(**_: object) -> list:
        raise LibraryError([Problem(Path("x.yaml"), 3, "坏了")])

    monkeypatch.setattr("bot.practice.coach.load_scenarios", broken)
    fresh = Coach(Assistants(Config()), db=None)  # type: ignore[arg-type]
    assert fresh.titles() == {}


def test_a_drill_survives_as_a_json_snapshot(tmp_path):
    async def run():
        clock = Clock()
        async with open_storage(tmp_path / "s.db") as db:
            before = Coach(Assistants(Config()), db, clock=clock, rng=random.Random(3))
            run = await before.begin(KEY, Trainee(7, "小王"), before.scenario("size_bargain"))
            before.ask(run)
            clock.now += 5
            await before.answer(run, "亲，在的")
            line = before.ask(run)
            snapshot = json.loads(json.dumps(before.snapshot(KEY)))  # as FSM storage keeps it
            clock.now += 7
            after = Coach(Assistants(Config()), db, clock=clock)  # a restarted worker
            again = after.restore(KEY, snapshot)
            assert again is not None and after.ask(again) == line  # the same customer line
            feedback = await after.answer(again, "有的亲，您平时穿多大码？")
            summary = await after.finish(KEY, again)
            return snapshot, feedback, summary, sessions_from(await db.practice_progress(7))

    snapshot, feedback, summary, [session] = asyncio.run(run())
    assert snapshot["session"] == session.id
    assert feedback.turn == 1 and feedback.seconds == 7
    assert summary.answers == 2 and session.answers == 2
