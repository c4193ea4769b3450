"""Practice drills of new agents, and each scored answer."""

from __future__ import annotations

from typing import Protocol

from bot.storage.database import Database
from bot.storage.models import SKILLS


class PracticeRepository(Protocol):
    async def start_practice(
        self, *, user_id: int, user_name: str, scenario: str, level: int, started_at: float
    ) -> int: ...

    async def add_practice_answer(
        self, session_id: int, *, turn: int, seconds: float, total: float, skills: dict[str, float]
    ) -> None: ...

    async def finish_practice(self, session_id: int, *, finished_at: float) -> None: ...

    async def practice_progress(self, user_id: int | None = None) -> list[dict[str, object]]: ...


class Practice:
    """PracticeRepository over any Database."""

    db: Database

    async def start_practice(
        self, *, user_id: int, user_name: str, scenario: str, level: int, started_at: float
    ) -> int:
        [row] = await self.db.fetch(
            "INSERT INTO practice_sessions (user_id, user_name, scenario, level, started_at)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            (user_id, user_name, scenario, level, float(started_at)),
        )
        return int(row[0])

    async def add_practice_answer(
        self, session_id: int, *, turn: int, seconds: float, total: float, skills: dict[str, float]
    ) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO practice_answers (session_id, turn, seconds, total, speed, typing,"
                " content, tone, compliance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    turn,
                    float(seconds),
                    float(total),
                    *(float(skills[s]) for s in SKILLS),
                ),
            )
            await tx.execute(
                "UPDATE practice_sessions SET total = (SELECT AVG(total) FROM practice_answers"
                " WHERE session_id = ?) WHERE id = ?",
                (session_id, session_id),
            )

    async def finish_practice(self, session_id: int, *, finished_at: float) -> None:
        await self.db.execute(
            "UPDATE practice_sessions SET finished_at = ? WHERE id = ?",
            (float(finished_at), session_id),
        )

    async def practice_progress(self, user_id: int | None = None) -> list[dict[str, object]]:
        """One row per session with answers, oldest first: who, when, scenario, total, skills."""
        where, params = ("WHERE s.user_id = ?", (user_id,)) if user_id is not None else ("", ())
        rows = await self.db.fetch(
            "SELECT s.id, s.user_id, s.user_name, s.scenario, s.level, s.started_at,"
            " s.finished_at, AVG(a.total), " + ", ".join(f"AVG(a.{k})" for k in SKILLS) + ","
            " COUNT(a.id) FROM practice_sessions s JOIN practice_answers a"
            f" ON a.session_id = s.id {where} GROUP BY s.id ORDER BY s.started_at, s.id",
            params,
        )
        keys = ("session", "user_id", "user_name", "scenario", "level", "started_at",
                "finished_at", "total", *SKILLS, "answers")  # fmt: skip
        return [dict(zip(keys, tuple(row), strict=True)) for row in rows]
