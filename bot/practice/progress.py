"""Practice progress: each trainee's sessions over time and per-trainee summaries.

Plain Python on the rows of ``Storage.practice_progress()``, so /progress, /trainees, a console
command or a cron job read progress the same way. The charts of it are drawn in bot.charts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.practice.scoring import WEIGHTS
from bot.practice.scoring import weakest_skill as weakest_of

#: The weakest skill is judged on the latest sessions only: a weakness trained away drops off.
RECENT = 5


@dataclass(frozen=True, slots=True)
class Session:
    """One practice session that has at least one scored answer."""

    id: int
    user_id: int  # Telegram user id; 0 for the console, where the name tells trainees apart
    user_name: str
    scenario: str
    level: int
    started_at: float  # unix seconds
    finished_at: float | None
    total: float  # mean score of its answers, 0-100
    skills: dict[str, float]  # each skill's mean share of its points, 0-1
    answers: int

    @property
    def trainee(self) -> tuple[int, str]:
        return (self.user_id, "" if self.user_id else self.user_name)


@dataclass(frozen=True, slots=True)
class Trainee:
    name: str  # as of the latest session; with the user id when two trainees share it
    user_id: int
    sessions: tuple[Session, ...]  # oldest first

    @property
    def latest(self) -> float:
        return self.sessions[-1].total

    @property
    def mean(self) -> float:
        return sum(s.total for s in self.sessions) / len(self.sessions)

    @property
    def weakest(self) -> str | None:
        """Judged on the latest RECENT sessions; None when they are all full marks."""
        return weakest_skill(self.sessions[-RECENT:])


def sessions_from(rows: Iterable[Mapping[str, Any]]) -> list[Session]:
    """Sessions from ``Storage.practice_progress()`` rows, in the same (oldest first) order."""
    return [
        Session(
            id=int(row["session"]),
            user_id=int(row["user_id"]),
            user_name=str(row["user_name"]),
            scenario=str(row["scenario"]),
            level=int(row["level"]),
            started_at=float(row["started_at"]),
            finished_at=None if row["finished_at"] is None else float(row["finished_at"]),
            total=float(row["total"]),
            skills={s: float(row[s]) for s in WEIGHTS},
            answers=int(row["answers"]),
        )
        for row in rows
    ]


def weakest_skill(sessions: Sequence[Session]) -> str | None:
    """The weakest skill over the sessions (mean share), None if every one is full.

    >>> shares = {**dict.fromkeys(WEIGHTS, 1.0), "typing": 0.2}
    >>> s = Session(1, 7, "小王", "size_bargain", 2, 0.0, None, 88.0, shares, 6)
    >>> weakest_skill([s])
    'typing'
    """
    count = max(len(sessions), 1)
    return weakest_of({skill: sum(s.skills[skill] for s in sessions) / count for skill in WEIGHTS})


def trainees(sessions: Sequence[Session]) -> list[Trainee]:
    """Each trainee's sessions, by name then user id."""
    grouped: dict[tuple[int, str], list[Session]] = {}
    for session in sessions:
        grouped.setdefault(session.trainee, []).append(session)
    shared = Counter(mine[-1].user_name for mine in grouped.values())
    out = []
    for mine in grouped.values():
        name, user_id = mine[-1].user_name, mine[-1].user_id
        out.append(
            Trainee(name if shared[name] == 1 else f"{name}（{user_id}）", user_id, tuple(mine))
        )
    return sorted(out, key=lambda t: (t.name, t.user_id))
