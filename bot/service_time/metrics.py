"""The one place that knows the response-time maths (CONTRACT §6).

- First response: from the customer's first message in a conversation to the first reply by a
  human agent. Next response: from the oldest customer message still unanswered to the agent's
  next reply. Bot replies stop neither clock.
- A conversation that closes with a customer message unanswered counts as a miss.
- Time outside business hours does not count (BusinessHours).
- 平响 (Taobao): the mean round time, each round capped at 600 s, unanswered rounds as 600 s.

Everything is vectorised with numpy, so a report over a million messages takes about a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from bot.hours import BusinessHours
from bot.roles import AGENT, BOT, CUSTOMER

if TYPE_CHECKING:
    from bot.storage import Timeline

ROUND_CAP = 600.0  # 平响 caps each round at 10 minutes
THREE_MINUTES = 180.0
NOBODY = -1  # agent code of a round no agent ever touched


@dataclass(frozen=True)
class Targets:
    first: float = 15.0
    next: float = 20.0


@dataclass(frozen=True)
class Rounds:
    """One entry per customer turn: where it started, who answered, how long it took."""

    conversation: np.ndarray  # int64
    start: np.ndarray  # unix seconds: the customer message that started the round
    end: np.ndarray  # unix seconds, nan when unanswered
    seconds: np.ndarray  # business seconds, nan when unanswered
    first: np.ndarray  # bool: the conversation's first round
    agent: np.ndarray  # int64 agent code (NOBODY when no agent was ever in it)

    @property
    def answered(self) -> np.ndarray:
        return ~np.isnan(self.seconds)

    def breached(self, targets: Targets) -> np.ndarray:
        limit = np.where(self.first, targets.first, targets.next)
        return ~self.answered | (self.seconds > limit)

    def select(self, mask: np.ndarray) -> Rounds:
        return Rounds(*(getattr(self, f)[mask] for f in self.__dataclass_fields__))


def rounds(
    conversation: np.ndarray,
    ts: np.ndarray,
    role: np.ndarray,
    agent: np.ndarray,
    hours: BusinessHours | None = None,
) -> Rounds:
    """Rounds of messages sorted by (conversation, ts); ``role`` holds CUSTOMER/AGENT/BOT codes.

    >>> r = rounds(*map(np.array, ([1, 1, 1], [0.0, 5.0, 30.0], [0, 2, 1], [-1, -1, 7])))
    >>> r.seconds.tolist(), r.agent.tolist()
    ([30.0], [7])
    """
    hours = hours or BusinessHours()
    people = role != BOT  # a bot's message neither answers nor asks
    conv, t, who, by = (np.asarray(a)[people] for a in (conversation, ts, role, agent))
    n = len(conv)
    if n == 0:
        empty = np.empty(0)
        none = empty.astype(np.int64)
        return Rounds(none, empty, empty, empty, empty.astype(bool), none)
    same_as_previous = np.r_[False, conv[1:] == conv[:-1]]
    customer = who == CUSTOMER
    human = who == AGENT
    previous_customer = np.r_[False, customer[:-1]] & same_as_previous
    starts = np.flatnonzero(customer & ~previous_customer)
    positions = np.arange(n)
    next_human = np.minimum.accumulate(np.where(human, positions, n)[::-1])[::-1]
    last_human = np.maximum.accumulate(np.where(human, positions, -1))
    ends = next_human[starts]
    answered = ends < n
    answered[answered] = conv[ends[answered]] == conv[starts[answered]]
    seconds = np.full(len(starts), np.nan)
    end_ts = np.full(len(starts), np.nan)
    seconds[answered] = hours.seconds_between(t[starts[answered]], t[ends[answered]])
    end_ts[answered] = t[ends[answered]]
    start_conv = conv[starts]
    first = np.r_[True, start_conv[1:] != start_conv[:-1]]
    who_answered = np.full(len(starts), NOBODY, dtype=np.int64)
    who_answered[answered] = by[ends[answered]]
    before = last_human[starts]
    left = ~answered & (before >= 0)
    left[left] = conv[before[left]] == start_conv[left]
    who_answered[left] = by[before[left]]  # an unanswered turn is its conversation's agent's miss
    return Rounds(start_conv, t[starts], end_ts, seconds, first, who_answered)


@dataclass(frozen=True)
class Summary:
    replies: int
    conversations: int
    first_p50: float | None
    first_p90: float | None
    first_max: float | None
    first_within: float | None  # share of first rounds answered within target
    next_p50: float | None
    next_p90: float | None
    next_max: float | None
    next_within: float | None
    breaches: int
    unanswered_conversations: int
    average_round: float | None  # 平响
    three_minute_rate: float | None
    extra: dict[str, float] = field(default_factory=dict)


def summarize(r: Rounds, targets: Targets, *, replies: int) -> Summary:
    def stats(mask: np.ndarray, target: float) -> tuple[float | None, ...]:
        chosen = r.seconds[mask]
        done = chosen[~np.isnan(chosen)]
        if chosen.size == 0:
            return None, None, None, None
        within = float(np.count_nonzero(done <= target)) / chosen.size
        if done.size == 0:
            return None, None, None, within
        p50, p90 = np.percentile(done, [50, 90])
        return float(p50), float(p90), float(done.max()), within

    def distinct(sorted_values: np.ndarray) -> int:  # rounds stay sorted by conversation
        return int(np.count_nonzero(np.diff(sorted_values))) + 1 if sorted_values.size else 0

    capped = np.where(r.answered, np.minimum(r.seconds, ROUND_CAP), ROUND_CAP)
    total = len(r.seconds)
    return Summary(
        replies,
        distinct(r.conversation),
        *stats(r.first, targets.first),
        *stats(~r.first, targets.next),
        breaches=int(np.count_nonzero(r.breached(targets))),
        unanswered_conversations=distinct(r.conversation[~r.answered]),
        average_round=float(capped.mean()) if total else None,
        three_minute_rate=float(np.count_nonzero(r.answered & (r.seconds <= THREE_MINUTES)) / total)
        if total
        else None,
    )


def open_round(timeline: Timeline, hours: BusinessHours) -> tuple[float, bool] | None:
    """(start, is_first) of the conversation's customer turn still unanswered, else None.

    The round maths is metrics.rounds(), the same as the reports use, so a bot's reply does not
    close a turn here either.
    """
    r = rounds(timeline.conversation, timeline.ts, timeline.role, timeline.agent, hours)
    if r.start.size == 0 or r.answered[-1]:
        return None
    return float(r.start[-1]), bool(r.first[-1])
