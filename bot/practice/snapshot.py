"""A drill in progress as plain JSON data and back, so it can live in FSM storage (Redis) and
go on in another process, or after a restart, where it stopped."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

from bot.practice.drill import Drill, Feedback
from bot.practice.scenarios import Scenario
from bot.practice.scoring import Check, Score
from intents import Assistant

VERSION = 1


def snapshot(drill: Drill) -> dict[str, Any]:
    """Everything a drill needs to go on, in JSON types.

    >>> from bot.assistants import Assistants
    >>> from bot.config import Config
    >>> from bot.practice.scenarios import load_scenarios
    >>> scenario, assistant = load_scenarios()[0], Assistants(Config()).get()
    >>> drill = Drill(scenario, assistant, rng=random.Random(1), clock=lambda: 100.0)
    >>> line = drill.ask()
    >>> again = restore(snapshot(drill), scenario, assistant, clock=lambda: 100.0)
    >>> again.ask() == line and again.waiting
    True
    """
    version, state, gauss = drill.rng.getstate()
    return {
        "v": VERSION,
        "scenario": drill.scenario.id,
        "targets": list(drill.targets),
        "values": dict(drill.values or {}),
        "rng": [version, list(state), gauss],
        "line": drill._line,
        "asked_at": drill._asked_at,
        "feedback": [_feedback(f) for f in drill.feedback],
    }


def restore(
    data: Mapping[str, Any],
    scenario: Scenario,
    assistant: Assistant,
    *,
    clock: Callable[[], float],
) -> Drill:
    """The drill ``snapshot`` gave; raises ValueError when the data is not one of its."""
    if data.get("v") != VERSION or data.get("scenario") != scenario.id:
        raise ValueError("not a snapshot of this scenario")
    try:
        first, following = (float(t) for t in data["targets"])
        drill = Drill(
            scenario,
            assistant,
            rng=random.Random(),
            clock=clock,
            first_target=first,
            next_target=following,
            values={str(k): v for k, v in data["values"].items()} or None,
        )
        version, state, gauss = data["rng"]
        drill.rng.setstate((int(version), tuple(int(x) for x in state), gauss))
        drill._line = None if data["line"] is None else str(data["line"])
        drill._asked_at = float(data["asked_at"])
        drill.feedback = [_from_feedback(f) for f in data["feedback"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"broken drill snapshot: {exc}") from None
    return drill


def _feedback(f: Feedback) -> dict[str, Any]:
    return {
        "turn": f.turn,
        "line": f.line,
        "answer": f.answer,
        "seconds": f.seconds,
        "total": f.score.total,
        "checks": [[c.skill, c.points, c.out_of, c.note] for c in f.score.checks],
        "reference": f.reference,
        "goal": f.goal,
    }


def _from_feedback(d: Mapping[str, Any]) -> Feedback:
    checks = tuple(Check(str(s), float(p), float(o), str(n)) for s, p, o, n in d["checks"])
    return Feedback(
        turn=int(d["turn"]),
        line=str(d["line"]),
        answer=str(d["answer"]),
        seconds=float(d["seconds"]),
        score=Score(int(d["total"]), checks),
        reference=str(d["reference"]),
        goal=str(d["goal"]),
    )
