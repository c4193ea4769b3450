"""The practice coach: every trainee's drill in progress, and each step of it stored.

The Telegram handlers (bot/telegram/routers/practice.py) only talk: they ask the Coach to begin,
score or finish a drill and send what it gives back. The Coach knows the scenarios, the
libraries, the response-time targets and the storage, so a console, a test or another front end
drives a drill the same way.

A `Drill` holds a clock and a random generator, which FSM storage cannot keep: the FSM state
routes the trainee's messages, the Drill itself lives in ``Coach.runs`` by (chat, user).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.assistants import Assistants
from bot.practice.drill import Drill, Feedback, Summary
from bot.practice.scenarios import Scenario, load_scenarios
from bot.storage import Storage

__all__ = ["Coach", "Run", "Trainee"]

#: (chat id, user id): one drill per trainee per chat.
Key = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Trainee:
    """Who practises: the names show in progress tables and in the reference replies."""

    user_id: int
    first_name: str | None = None
    full_name: str = ""


@dataclass(frozen=True, slots=True)
class Run:
    """One trainee's drill in progress and its row in storage."""

    drill: Drill
    session: int
    scenario: Scenario


class Coach:
    """Drills in progress by (chat, user), with the scenarios, libraries and storage they need.

    >>> import asyncio
    >>> from bot.config import Config
    >>> from bot.storage import open_storage
    >>> async def one_turn():
    ...     async with open_storage(":memory:") as db:
    ...         coach = Coach(Assistants(Config()), db, rng=random.Random(1))
    ...         run = await coach.begin((1, 7), Trainee(7, "小王"), coach.scenarios()[0])
    ...         coach.ask(run)
    ...         feedback = await coach.answer(run, "亲，在的")
    ...         summary = await coach.finish((1, 7), run)
    ...         return feedback.turn, summary.answers, coach.runs
    >>> asyncio.run(one_turn())
    (0, 1, {})
    """

    def __init__(
        self,
        assistants: Assistants,
        db: Storage,
        *,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.assistants, self.db, self.clock = assistants, db, clock
        self.rng = rng  # None: every drill draws its own customer lines
        self.runs: dict[Key, Run] = {}
        self._scenarios: list[Scenario] | None = None

    def scenarios(self) -> list[Scenario]:
        """The scenarios, loaded once against the configured libraries; raises LibraryError."""
        if self._scenarios is None:
            config = self.assistants.config
            libraries = {name: config.library_path(name) for name in self.assistants.names}
            self._scenarios = load_scenarios(libraries=libraries)
        return self._scenarios

    def scenario(self, scenario_id: str) -> Scenario | None:
        """The scenario with this id (any case), None if there is none; raises LibraryError."""
        return next((s for s in self.scenarios() if s.id == scenario_id.lower()), None)

    def titles(self) -> dict[str, str]:
        """Scenario titles by id; empty when the scenario files are broken (ids stand in)."""
        from intents import LibraryError

        try:
            return {s.id: s.title for s in self.scenarios()}
        except LibraryError:
            return {}

    def run(self, key: Key) -> Run | None:
        return self.runs.get(key)

    async def begin(self, key: Key, trainee: Trainee, scenario: Scenario) -> Run:
        """A new drill for the trainee, stored as a practice session; ask() gives its first line."""
        targets = self.assistants.config.service_targets
        drill = Drill(
            scenario,
            self.assistants.get(scenario.library),
            rng=self.rng,
            clock=self.clock,
            first_target=targets.first_response_seconds,
            next_target=targets.next_response_seconds,
            values=self.assistants.agent_values(trainee.user_id, trainee.first_name),
        )
        session = await self.db.start_practice(
            user_id=trainee.user_id,
            user_name=trainee.full_name,
            scenario=scenario.id,
            level=scenario.level,
            started_at=self.clock(),
        )
        run = Run(drill, session, scenario)
        self.runs[key] = run
        return run

    def ask(self, run: Run) -> str:
        """The customer's next line; its answer is timed from here."""
        return run.drill.ask()

    async def answer(self, run: Run, text: str) -> Feedback:
        """Score the trainee's answer to the line asked and store it."""
        feedback = run.drill.answer(text)
        await self.db.add_practice_answer(
            run.session,
            turn=feedback.turn,
            seconds=feedback.seconds,
            total=feedback.score.total,
            skills={check.skill: check.ratio for check in feedback.score.checks},
        )
        return feedback

    async def finish(self, key: Key, run: Run) -> Summary | None:
        """End the drill and store its end; None when another update finished it already."""
        if self.runs.get(key) is not run:
            return None
        del self.runs[key]
        await self.db.finish_practice(run.session, finished_at=self.clock())
        return run.drill.summary()

    def snapshot(self, key: Key) -> dict[str, Any] | None:
        """The trainee's drill in progress as plain JSON data (for FSM storage), or None."""
        run = self.runs.get(key)
        if run is None:
            return None
        return {"session": run.session, "drill": run.drill.snapshot()}

    def restore(self, key: Key, snapshot: Mapping[str, Any]) -> Run | None:
        """The drill of a snapshot, in progress again under ``key``; None when its scenario is
        gone (the scenario files changed). Raises LibraryError for broken scenario files."""
        drill_data = snapshot["drill"]
        scenario = self.scenario(str(drill_data["scenario"]))
        if scenario is None:
            return None
        drill = Drill.restore(
            drill_data,
            scenario,
            self.assistants.get(scenario.library),
            rng=self.rng,
            clock=self.clock,
        )
        run = Run(drill, int(snapshot["session"]), scenario)
        self.runs[key] = run
        return run
