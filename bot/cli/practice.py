"""`csbot practice`: the same drill as /practice in Telegram, in the terminal, through the
same Coach (bot/practice/coach.py)."""

from __future__ import annotations

import asyncio
import random
import sys

from rich.console import Console

from bot.assistants import Assistants
from bot.config import Config
from bot.practice.coach import Coach, Trainee
from bot.practice.drill import feedback_lines, product_brief, summary_lines
from bot.practice.scenarios import Scenario
from bot.storage import open_storage

LEVELS = {1: "入门", 2: "进阶", 3: "困难"}
STOP = {"/stop", "/quit", "q"}
CONSOLE = (0, 0)  # the Coach's key of the one drill in the terminal


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
    storage = open_storage(config.storage.database)  # connected once a scenario is chosen
    coach = Coach(Assistants(config), storage, rng=random.Random(seed))
    scenario = await _choose(coach.scenarios(), scenario_id, out)
    if scenario is None:
        return
    interactive = sys.stdin.isatty()
    async with storage:
        run = await coach.begin(CONSOLE, Trainee(0, None, name), scenario)
        out.print(
            f"场景：{scenario.title} · 共 {len(scenario.turns)} 轮 · 输入 /stop 结束", markup=False
        )
        if scenario.product is not None:
            out.print(product_brief(scenario.product), markup=False)
        while not run.drill.done:
            out.print(f"\n顾客：{coach.ask(run)}", markup=False)
            answer = await _read("你> " if interactive else "")
            if answer is None or answer.strip() in STOP:
                break
            if not interactive:
                out.print(f"你> {answer}", markup=False)
            feedback = await coach.answer(run, answer)
            out.print("\n".join(feedback_lines(feedback)), markup=False)
            out.print(f"  参考话术：{feedback.reference}", markup=False)
        summary = await coach.finish(CONSOLE, run)
    if summary is not None:
        out.print("\n" + "\n".join(summary_lines(summary)), markup=False)
