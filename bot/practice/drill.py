"""One practice run: the bot plays the customer turn by turn, times and scores each answer."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.practice.scenarios import Scenario, Turn, customer_line
from bot.practice.scoring import (
    SKILL_NAMES,
    TIPS,
    WEIGHTS,
    Check,
    Score,
    missing,
    score_answer,
    weakest_skill,
)
from intents import Assistant
from intents.catalog import Product
from intents.facts import size_fits


@dataclass(frozen=True, slots=True)
class Feedback:
    turn: int
    line: str
    answer: str
    seconds: float
    score: Score
    reference: str  # the best reply from the library for this customer line
    goal: str


@dataclass(frozen=True, slots=True)
class Summary:
    answers: int
    total: float  # mean score 0-100
    skills: dict[str, float]  # mean share of each skill's points, 0-1
    weakest: str | None  # None when every skill is full
    tip: str


class Drill:
    """Ask → answer → feedback, once per turn of the scenario.

    >>> from bot.assistants import Assistants
    >>> from bot.config import Config
    >>> from bot.practice.scenarios import load_scenarios
    >>> drill = Drill(load_scenarios()[0], Assistants(Config()).get(), rng=random.Random(1))
    >>> bool(drill.ask()) and not drill.done
    True
    """

    def __init__(
        self,
        scenario: Scenario,
        assistant: Assistant,
        *,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        first_target: float = 15,
        next_target: float = 20,
        values: Mapping[str, object] | None = None,
    ) -> None:
        self.scenario, self.assistant = scenario, assistant
        self.values = values  # the trainee's own name in the reference replies
        self.rng = rng or random.Random()
        self.clock = clock
        self.targets = (first_target, next_target)
        self.feedback: list[Feedback] = []
        self._line: str | None = None
        self._asked_at = 0.0

    @property
    def turn(self) -> int:
        return len(self.feedback)

    @property
    def done(self) -> bool:
        return self.turn >= len(self.scenario.turns)

    @property
    def waiting(self) -> bool:
        """A customer line has been asked and not yet answered."""
        return self._line is not None

    def ask(self) -> str:
        """The customer's next line; the answer clock starts now."""
        if self.done:
            raise RuntimeError("the scenario is over")
        if self._line is None:
            self._line = customer_line(
                self.scenario.turns[self.turn], self.assistant.library, self.rng
            )
            self._asked_at = self.clock()
        return self._line

    def answer(self, text: str) -> Feedback:
        if self._line is None:
            raise RuntimeError("ask() first")
        turn = self.scenario.turns[self.turn]
        seconds = max(0.0, self.clock() - self._asked_at)
        references = self._library_replies(turn)
        score = score_answer(
            text,
            seconds=seconds,
            first=self.turn == 0,
            references=references,
            expect=turn.expect,
            first_target=self.targets[0],
            next_target=self.targets[1],
        )
        reference = self.reference(turn, self._line)
        feedback = Feedback(self.turn, self._line, text, seconds, score, reference, turn.goal)
        self.feedback.append(feedback)
        self._line = None
        return feedback

    def reference(self, turn: Turn, line: str) -> str:
        """The model answer to ``line``: the assistant's first reply (with the scenario's
        product) that says what the step expects, else the library reply closest to it."""
        product, values = self.scenario.product, self.values
        best = self.assistant.suggest(line, product=product, values=values).replies
        candidates = [*best, *self._library_replies(turn)]
        return min(candidates, key=lambda r: len(missing(r, turn.expect)))

    def _library_replies(self, turn: Turn) -> list[str]:
        return [r for i in turn.intents for r in self.assistant.replies_for(i, values=self.values)]

    def snapshot(self) -> dict[str, Any]:
        """The drill's progress as plain JSON data (FSM storage keeps it across a restart);
        `Drill.restore` builds the drill again. The random generator is not kept: a restored
        drill draws its remaining customer lines afresh."""
        return {
            "scenario": self.scenario.id,
            "targets": list(self.targets),
            "values": dict(self.values) if self.values is not None else None,
            "line": self._line,
            "asked_at": self._asked_at,
            "feedback": [
                {
                    "turn": f.turn,
                    "line": f.line,
                    "answer": f.answer,
                    "seconds": f.seconds,
                    "total": f.score.total,
                    "checks": [[c.skill, c.points, c.out_of, c.note] for c in f.score.checks],
                    "reference": f.reference,
                    "goal": f.goal,
                }
                for f in self.feedback
            ],
        }

    @classmethod
    def restore(
        cls,
        snapshot: Mapping[str, Any],
        scenario: Scenario,
        assistant: Assistant,
        *,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> Drill:
        """The drill a `snapshot` was taken of, at the same turn (and, if a line was asked,
        timed from when it was asked: ``clock`` must be the same wall clock)."""
        if snapshot["scenario"] != scenario.id:
            raise ValueError(f"快照是场景 {snapshot['scenario']} 的，不是 {scenario.id}")
        first, following = snapshot["targets"]
        drill = cls(
            scenario,
            assistant,
            rng=rng,
            clock=clock,
            first_target=first,
            next_target=following,
            values=snapshot["values"],
        )
        drill.feedback = [
            Feedback(
                f["turn"],
                f["line"],
                f["answer"],
                f["seconds"],
                Score(f["total"], tuple(Check(*c) for c in f["checks"])),
                f["reference"],
                f["goal"],
            )
            for f in snapshot["feedback"]
        ]
        drill._line, drill._asked_at = snapshot["line"], float(snapshot["asked_at"])
        return drill

    def summary(self) -> Summary:
        if not self.feedback:
            return Summary(0, 0.0, {}, None, "")
        skills = {
            skill: sum(f.score.check(skill).ratio for f in self.feedback) / len(self.feedback)
            for skill in WEIGHTS
        }
        total = sum(f.score.total for f in self.feedback) / len(self.feedback)
        weakest = weakest_skill(skills)
        return Summary(len(self.feedback), total, skills, weakest, TIPS[weakest] if weakest else "")


def product_brief(product: Product) -> str:
    """What the trainee sees of the product the customer is looking at: its facts and chart."""
    facts = [product.name]
    if product.price:
        facts.append(f"{product.price} 元")
    if product.colors:
        facts.append("颜色：" + "、".join(product.colors))
    if product.sizes:
        facts.append("尺码：" + "；".join(f"{r.size} {size_fits(r)}" for r in product.sizes))
    return "顾客在看的商品：" + " · ".join(facts)


def feedback_lines(feedback: Feedback) -> list[str]:
    """Plain-text lines of one answer's score, for the console and the bot alike."""
    lines = [f"得分 {feedback.score.total}/100 · 用时 {feedback.seconds:.0f} 秒"]
    for check in feedback.score.checks:
        lines.append(
            f"  {SKILL_NAMES[check.skill]} {check.points:.0f}/{check.out_of:.0f}：{check.note}"
        )
    if feedback.goal:
        lines.append(f"  这一步的要点：{feedback.goal}")
    return lines


def summary_lines(summary: Summary) -> list[str]:
    lines = [f"练习结束：共 {summary.answers} 题，平均 {summary.total:.0f} 分"]
    lines += [f"  {SKILL_NAMES[s]} {v:.0%}" for s, v in summary.skills.items()]
    if summary.weakest:
        lines.append(f"最需要加强：{SKILL_NAMES[summary.weakest]}。{summary.tip}")
    elif summary.answers:
        lines.append("每一项都拿满了，可以挑战更难的场景 💪")
    return lines
