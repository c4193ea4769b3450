"""Who wrote a message: the shared vocabulary of timelines, storage and reports.

A leaf module: it imports nothing from the bot, so every layer may use it.
"""

from __future__ import annotations

__all__ = ["AGENT", "BOT", "CUSTOMER", "ROLES", "ROLE_CODES"]

CUSTOMER, AGENT, BOT = 0, 1, 2
ROLE_CODES: dict[str, int] = {"customer": CUSTOMER, "agent": AGENT, "bot": BOT}
ROLES: tuple[str, ...] = tuple(ROLE_CODES)
