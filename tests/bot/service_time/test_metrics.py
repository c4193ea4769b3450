"""Exact response-time figures on hand-made timelines (CONTRACT §6)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from bot.hours import BusinessHours, HoursError, parse_windows
from bot.service_time.metrics import AGENT, BOT, CUSTOMER, NOBODY, Targets, rounds, summarize

SHANGHAI = ZoneInfo("Asia/Shanghai")
A, B = 1, 2  # agent codes


def timeline(*events, hours=None):
    """events: (conversation, seconds, role, agent) in time order per conversation."""
    conv, ts, role, agent = zip(*events, strict=True)
    return rounds(np.array(conv), np.array(ts, dtype=float), np.array(role), np.array(agent), hours)


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).timestamp()


def test_first_response_runs_from_the_customers_first_message():
    r = timeline((1, 0, CUSTOMER, -1), (1, 4, CUSTOMER, -1), (1, 12, AGENT, A))
    assert r.seconds.tolist() == [12.0]
    assert r.first.tolist() == [True] and r.agent.tolist() == [A]


def test_next_response_runs_from_the_oldest_unanswered_message():
    r = timeline(
        (1, 0, CUSTOMER, -1),
        (1, 10, AGENT, A),
        (1, 100, CUSTOMER, -1),  # oldest unanswered
        (1, 110, CUSTOMER, -1),
        (1, 125, CUSTOMER, -1),
        (1, 130, AGENT, B),  # answers all three: 30 s from the oldest
        (1, 131, AGENT, B),  # a second reply starts nothing
    )
    assert r.seconds.tolist() == [10.0, 30.0]
    assert r.first.tolist() == [True, False]
    assert r.agent.tolist() == [A, B]


def test_bot_replies_stop_neither_clock():
    r = timeline(
        (1, 0, CUSTOMER, -1),
        (1, 1, BOT, -1),  # 自动回复 "亲,稍等"
        (1, 18, AGENT, A),
        (1, 50, CUSTOMER, -1),
        (1, 51, BOT, -1),
        (1, 60, CUSTOMER, -1),
        (1, 95, AGENT, A),
    )
    assert r.seconds.tolist() == [18.0, 45.0]


def test_a_conversation_closing_unanswered_is_a_miss_of_its_agent():
    r = timeline(
        (1, 0, CUSTOMER, -1), (1, 9, AGENT, A), (1, 40, CUSTOMER, -1), (2, 5, CUSTOMER, -1)
    )
    assert np.isnan(r.seconds[1]) and np.isnan(r.seconds[2])
    assert r.agent.tolist() == [A, A, NOBODY]  # conversation 2 never had an agent
    s = summarize(r, Targets(), replies=1)
    assert s.unanswered_conversations == 2
    assert s.breaches == 2  # both unanswered rounds; the 9 s first response is fine


def test_conversations_do_not_answer_each_other():
    r = timeline((1, 0, CUSTOMER, -1), (2, 3, AGENT, A), (2, 5, CUSTOMER, -1), (2, 8, AGENT, A))
    assert np.isnan(r.seconds[0]) and r.seconds[1] == 3.0


def test_summary_figures_and_the_600_second_cap():
    r = timeline(
        (1, 0, CUSTOMER, -1), (1, 10, AGENT, A),  # first 10
        (1, 20, CUSTOMER, -1), (1, 45, AGENT, A),  # next 25: breach (> 20)
        (2, 0, CUSTOMER, -1), (2, 20, AGENT, A),  # first 20: breach (> 15)
        (2, 100, CUSTOMER, -1), (2, 1100, AGENT, A),  # next 1000: capped at 600 for 平响
        (3, 0, CUSTOMER, -1),  # unanswered: counts 600
    )  # fmt: skip
    s = summarize(r, Targets(15, 20), replies=4)
    assert (s.first_p50, s.first_max, s.first_within) == (15.0, 20.0, pytest.approx(1 / 3))
    assert (s.next_p50, s.next_max, s.next_within) == (512.5, 1000.0, 0.0)
    assert s.breaches == 4
    assert s.unanswered_conversations == 1
    assert s.average_round == pytest.approx((10 + 25 + 20 + 600 + 600) / 5)
    assert s.three_minute_rate == pytest.approx(3 / 5)
    assert s.conversations == 3 and s.replies == 4


def test_time_outside_business_hours_does_not_count():
    hours = BusinessHours(parse_windows(["08:00-23:00"]), "Asia/Shanghai")
    r = timeline(
        (1, at("2026-11-28T22:59:50"), CUSTOMER, -1),
        (1, at("2026-11-29T08:00:10"), AGENT, A),  # 10 s before closing + 10 s after opening
        (2, at("2026-11-29T02:00:00"), CUSTOMER, -1),  # at night
        (2, at("2026-11-29T08:00:12"), AGENT, A),  # 12 s into the day
        hours=hours,
    )
    assert r.seconds.tolist() == [20.0, 12.0]


def test_split_shifts_skip_the_lunch_break():
    hours = BusinessHours(parse_windows(["08:00-12:00", "13:30-23:00"]), "Asia/Shanghai")
    r = timeline(
        (1, at("2026-11-29T11:59:55"), CUSTOMER, -1),
        (1, at("2026-11-29T13:30:07"), AGENT, A),
        hours=hours,
    )
    assert r.seconds.tolist() == [12.0]


def test_bad_business_hours_are_explained():
    with pytest.raises(HoursError, match="08:00-23:00"):
        parse_windows(["8点到23点"])
    with pytest.raises(HoursError, match="重叠"):
        parse_windows(["08:00-13:00", "12:00-18:00"])
    with pytest.raises(HoursError, match="时区"):
        BusinessHours(timezone="Mars/Olympus")
