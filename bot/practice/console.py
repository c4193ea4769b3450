"""`csbot practice`: the same drill as /practice in Telegram, in the terminal."""

from __future__ import annotations

import asyncio
import random
import sys
import time

from rich.console import Console

from bot.assistants import Assistants
from bot.config import Config
from bot.practice.drill import Drill, feedback_lines, product_brief, summary_lines
from bot.practice.scenarios import Scenario, load_scenarios
from bot.storage import open_storage

LEVELS = {1: "入门", 2: "进阶", 3: "困难"}
STOP = {"/stop", "/quit", "q"}


async def _read(prompt: str) -> str | None:
    try:
        return await asyncio.to_thread(input, prompt)
    except (EOFError, KeyboardInterrupt):
        return None


class UnknownScenario(ValueError):
    """--scenario names no shipped scenario; the message lists the ones there are."""


async def _choose(
    scenarios: list[Scenario], scenario_id: str | None, out: Console
) -> Scenario | None:
    if scenario_id:
        for scenario in scenarios:
            if scenario.id == scenario_id:
                return scenario
        raise UnknownScenario(
            f"没有场景「{scenario_id}」。可选：{'、'.join(s.id for s in scenarios)}"
        )
    for n, s in enumerate(scenarios, 1):
        out.print(f"{n:>2}. [{LEVELS.get(s.level, s.level)}] {s.title}（{s.id}）", markup=False)
    choice = await _read("选一个场景的编号：")
    if choice is None or not choice.strip().isdigit() or not 1 <= int(choice) <= len(scenarios):
        out.print("没有选择，退出。")
        return None
    return scenarios[int(choice) - 1]


async def run_console(
    config: Config, *, scenario_id: str | None, name: str, out: Console, seed: int | None = None
) -> None:
    scenarios = load_scenarios()
    scenario = await _choose(scenarios, scenario_id, out)
    if scenario is None:
        return
    targets = config.service_targets
    drill = Drill(
        scenario,
        Assistants(config).get(scenario.library),
        rng=random.Random(seed),
        first_target=targets.first_response_seconds,
        next_target=targets.next_response_seconds,
    )
    interactive = sys.stdin.isatty()
    async with open_storage(config.storage.database) as db:
        session = await db.start_practice(
            user_id=0, user_name=name, scenario=scenario.id, level=scenario.level,
            started_at=time.time(),
        )  # fmt: skip
        out.print(
            f"场景：{scenario.title} · 共 {len(scenario.turns)} 轮 · 输入 /stop 结束", markup=False
        )
        if scenario.product is not None:
            out.print(product_brief(scenario.product), markup=False)
        while not drill.done:
            out.print(f"\n顾客：{drill.ask()}", markup=False)
            answer = await _read("你> " if interactive else "")
            if answer is None or answer.strip() in STOP:
                break
            if not interactive:
                out.print(f"你> {answer}", markup=False)
            feedback = drill.answer(answer)
            out.print("\n".join(feedback_lines(feedback)), markup=False)
            out.print(f"  参考话术：{feedback.reference}", markup=False)
            skills = {c.skill: c.ratio for c in feedback.score.checks}
            await db.add_practice_answer(
                session, turn=feedback.turn, seconds=feedback.seconds,
                total=feedback.score.total, skills=skills,
            )  # fmt: skip
        await db.finish_practice(session, finished_at=time.time())
    out.print("\n" + "\n".join(summary_lines(drill.summary())), markup=False)
