"""/stats, /breaches, /export and /mystats on a hand-made history, for each role."""

from __future__ import annotations

import csv
import io

import pytest

from bot.storage import TimelineMessage
from bot.telegram import texts
from bot.telegram.routers.stats import own_agent_name
from tests.bot.telegram.conftest import ADMIN, MANAGER, STAFF, STRANGER

T0 = 1_709_258_400.0  # 2024-03-01 10:00:00 in Shanghai


def _history(extra_agent: str | None = None) -> list[TimelineMessage]:
    """Two conversations with known answers:

    顾客甲 / 小美: first reply after 10 s (ok), next after 30 s (miss at 10:01:40).
    顾客乙 / 小王: first reply after 40 s (miss at 10:16:40), then a question left unanswered
    (miss at 10:18:20).
    """
    rows = [
        ("A", 0, "customer", None),
        ("A", 10, "agent", "小美"),
        ("A", 100, "customer", None),
        ("A", 130, "agent", "小美"),
        ("B", 1000, "customer", None),
        ("B", 1040, "agent", "小王"),
        ("B", 1100, "customer", None),
    ]
    if extra_agent:
        rows += [("C", 2000, "customer", None), ("C", 2005, "agent", extra_agent)]
    titles = {"A": "顾客甲", "B": "顾客乙", "C": "顾客丙"}
    return [
        TimelineMessage(
            conversation=conv,
            external_id=f"{conv}{n}",
            ts=T0 + offset,
            role=role,
            sender=agent or titles[conv],
            agent=agent,
            text="…",
            title=titles[conv],
        )
        for n, (conv, offset, role, agent) in enumerate(rows)
    ]


@pytest.fixture
async def history(harness):
    await harness.storage.add_timeline("csv", _history())
    return harness


async def test_stats_sends_a_summary_and_the_chart(history):
    await history.send("/stats", user=MANAGER)
    [summary] = history.texts()
    assert summary.index("全部客服") < min(summary.index("小美"), summary.index("小王"))
    assert "首响 15 秒 · 后续 20 秒" in summary
    assert "<b>小美</b> · 回复 2 条 · 会话 1 个" in summary
    assert "首响：中位 10 秒 · P90 10 秒 · 最长 10 秒 · 达标 100%" in summary
    assert "后续：中位 30 秒" in summary and "达标 0%" in summary
    assert "超时 3 次 · 未回复会话 1 个" in summary
    [photo] = history.session.sent("sendPhoto")
    assert photo.chat_id == MANAGER and photo.caption == texts.STATS_CHART
    assert photo.photo.data.startswith(b"\x89PNG")


async def test_stats_for_one_agent(history):
    await history.send("/stats 小王", user=ADMIN)
    [summary] = history.texts()
    assert "<b>小王</b> · 回复 1 条" in summary
    assert "小美" not in summary and "全部客服" not in summary
    assert "首响：中位 40 秒" in summary and "超时 2 次" in summary
    assert len(history.session.sent("sendPhoto")) == 1


async def test_stats_for_an_unknown_agent_lists_the_known_ones(history):
    await history.send("/stats 小李", user=MANAGER)
    assert history.texts() == [texts.STATS_NO_AGENT.format(name="小李", names="小王、小美")]
    assert history.session.sent("sendPhoto") == []


async def test_stats_on_an_empty_database(harness):
    await harness.send("/stats", user=MANAGER)
    assert harness.texts() == [texts.STATS_EMPTY]


async def test_breaches_lists_the_latest_misses_in_shanghai_time(history):
    await history.send("/breaches", user=MANAGER)
    [text] = history.texts()
    header, *lines = text.split("\n")
    assert "3 次" in header and "Asia/Shanghai" in header
    assert lines == [
        "• 03-01 10:18:20 · 小王 · 后续 没有回复（目标 20 秒）· 顾客「顾客乙」",
        "• 03-01 10:16:40 · 小王 · 首响 用了 40 秒（目标 15 秒）· 顾客「顾客乙」",
        "• 03-01 10:01:40 · 小美 · 后续 用了 30 秒（目标 20 秒）· 顾客「顾客甲」",
    ]


async def test_breaches_when_there_are_none(harness):
    await harness.storage.add_timeline("csv", _history()[:2])
    await harness.send("/breaches", user=MANAGER)
    assert harness.texts() == [texts.BREACHES_NONE]


async def test_export_sends_the_per_agent_and_the_breaches_csv(history):
    await history.send("/export", user=MANAGER)
    agents, breaches = history.session.sent("sendDocument")
    assert agents.document.filename == "response_times.csv"
    assert breaches.document.filename == "breaches.csv"
    assert agents.document.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(agents.document.data.decode("utf-8-sig"))))
    assert [r["agent"] for r in rows] == ["小王", "小美", "（全部）"]
    assert [r["replies"] for r in rows] == ["1", "2", "3"]
    misses = list(csv.DictReader(io.StringIO(breaches.document.data.decode("utf-8-sig"))))
    assert len(misses) == 3 and {m["agent"] for m in misses} == {"小美", "小王"}


@pytest.mark.parametrize("command", ["/stats", "/stats 小美", "/breaches", "/export"])
@pytest.mark.parametrize(
    ("user", "allowed"), [(STAFF, False), (MANAGER, True), (ADMIN, True), (STRANGER, False)]
)
async def test_manager_commands_by_role(history, command, user, allowed):
    await history.send(command, user=user)
    replies = history.texts()
    if allowed:
        assert texts.MANAGERS_ONLY not in replies
        assert (
            history.session.sent("sendPhoto")
            or history.session.sent("sendDocument")
            or (replies and "超时" in replies[0])
        )
    elif user == STAFF:
        assert replies == [texts.MANAGERS_ONLY]
    else:  # not in the access list at all: the usual one refusal
        assert len(replies) == 1 and str(STRANGER) in replies[0] and "抱歉" in replies[0]
        assert history.session.sent("sendPhoto") == history.session.sent("sendDocument") == []


async def test_mystats_shows_staff_only_their_own_figures(history):
    await history.send("/mystats", user=STAFF)  # the harness names every user 小王
    [text] = history.texts()
    assert "客服「小王」" in text and "回复 1 条" in text and "超时 2 次" in text
    assert "小美" not in text and "全部客服" not in text


async def test_mystats_prefers_the_telegram_id_over_a_shared_first_name(harness):
    await harness.storage.add_timeline("csv", _history(extra_agent=str(MANAGER)))
    await harness.send("/mystats", user=MANAGER)
    [text] = harness.texts()
    assert f"客服「{MANAGER}」" in text and "回复 1 条" in text and "超时 0 次" in text


async def test_mystats_without_any_record_explains_the_matching(harness):
    await harness.send("/mystats", user=STAFF)
    assert harness.texts() == [texts.MYSTATS_UNKNOWN.format(user_id=STAFF)]


def test_own_agent_name_matches_id_username_and_names():
    from aiogram.types import User

    user = User(id=5, is_bot=False, first_name="Amy", last_name="Li", username="amy_cs")
    assert own_agent_name(user, ["5", "amy_cs"]) == "5"
    assert own_agent_name(user, ["@AMY_CS", "Amy"]) == "@AMY_CS"
    assert own_agent_name(user, ["Amy Li"]) == "Amy Li"
    assert own_agent_name(user, ["小美"]) is None


async def test_the_new_commands_are_in_the_menu_and_help(harness):
    for command in ("stats", "breaches", "export", "mystats", "autoreply"):
        assert command in texts.COMMANDS and f"/{command}" in texts.HELP
