"""Charts: Chinese on a bare machine, no box without answers, dates in order, plain ticks."""

from __future__ import annotations

import asyncio
import warnings
from datetime import date, datetime

import pytest
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex

from bot import charts
from bot.config import ServiceTargets
from bot.practice.progress import Session
from bot.service_time.report import build_report
from bot.storage import TimelineMessage, open_storage

T0 = 1_764_374_400.0  # 2025-11-29 08:00 Asia/Shanghai
DAY = 86_400


def _round(conv: str, start: float, wait: float | None, agent: str) -> list[TimelineMessage]:
    rows = [TimelineMessage(conv, f"{conv}:q", start, "customer", title=conv)]
    if wait is not None:
        rows.append(TimelineMessage(conv, f"{conv}:a", start + wait, "agent", agent=agent))
    return rows


@pytest.fixture
def report(tmp_path):
    """阿杰 serves on days 5 and 6, 小美 on days 0 and 3 (sparse and interleaved), nobody ever
    answers l1 (the report's 未分配 row), and one wait of 52.5 s (the one that read 5.25×10¹)."""
    rows = [
        *_round("a1", T0 + 5 * DAY, 12, "阿杰"),
        *_round("a2", T0 + 6 * DAY, 52.5, "阿杰"),
        *_round("m1", T0, 8, "小美"),
        *_round("m2", T0 + 3 * DAY, 30, "小美"),
        *_round("l1", T0 + 2 * DAY, None, ""),
    ]

    async def build():
        async with open_storage(tmp_path / "c.db") as storage:
            await storage.add_timeline("csv", rows)
            return await build_report(storage, ServiceTargets())

    return asyncio.run(build())


def _drawn(fig) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" fails the test
        FigureCanvasAgg(fig).draw()


def test_the_packaged_font_draws_chinese_without_system_fonts(report):
    assert charts.cjk_font() == "Noto Sans CJK SC"
    found = font_manager.fontManager.findfont(
        font_manager.FontProperties(family="Noto Sans CJK SC")
    )
    assert "noto_cjk_sans_otc" in str(found)
    fig = charts.report_figure(report)
    _drawn(fig)  # every 客服 name and title renders, no boxes
    spread, daily = fig.axes
    assert spread.get_title() == "各客服响应时间分布" and daily.get_title().startswith("每日达标率")
    assert [t.get_text() for t in spread.get_xticklabels()] == ["小美", "阿杰", "（未分配）"]
    assert charts.png(fig).startswith(b"\x89PNG")


def test_an_agent_without_answers_gets_a_note_not_a_box(report):
    spread, _ = charts.report_figure(report).axes
    assert len(spread.patches) == 2  # 小美 and 阿杰; nothing at 0 s for 未分配
    [note] = [t for t in spread.texts if t.get_text() == "没有回复记录"]
    assert note.get_position()[0] == 3  # under 未分配's tick, sorted last


def test_sparse_dates_run_forwards_on_a_date_axis(report):
    fig = charts.report_figure(report)
    _drawn(fig)
    _, daily = fig.axes
    lines = {line.get_label(): list(line.get_xdata()) for line in daily.get_lines()}
    assert lines["小美"] == [date(2025, 11, 29), date(2025, 12, 2)]
    assert lines["阿杰"] == [date(2025, 12, 4), date(2025, 12, 5)]
    ticks = [t for t in daily.get_xticks()]
    assert ticks == sorted(ticks) and daily.get_xlim()[0] < ticks[0] + 1


def test_ticks_are_plain_numbers(report):
    fig = charts.report_figure(report)
    _drawn(fig)
    spread, daily = fig.axes
    labels = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert not [label for label in labels if "×" in label or "$" in label or "^" in label]
    assert {"0", "15", "20", "30", "60"} <= {t.get_text() for t in spread.get_yticklabels()}
    assert "100%" in {t.get_text() for t in daily.get_yticklabels()}


def test_target_lines_use_a_colour_no_series_uses(report):
    spread, daily = charts.report_figure(report).axes
    targets = {
        to_hex(line.get_color())
        for line in spread.get_lines()
        if line.get_label().startswith(("首响目标", "后续目标"))
    }
    assert targets == {charts.FIRST_TARGET_COLOR, charts.NEXT_TARGET_COLOR}
    series = {to_hex(p.get_facecolor(), keep_alpha=False) for p in spread.patches}
    series |= {to_hex(line.get_color()) for line in daily.get_lines()}
    assert series and not series & targets


def _session(n: int, when: datetime, total: float) -> Session:
    skills = {s: total / 100 for s in ("speed", "typing", "content", "tone", "compliance")}
    return Session(n, 7, "小王", "size_bargain", 2, when.timestamp(), None, total, skills, 5)


def test_progress_charts_speak_chinese_with_dates_in_order():
    when = [datetime(2025, 11, 1, 9), datetime(2025, 11, 2, 9), datetime(2025, 11, 20, 15)]
    sessions = [_session(n, w, 60 + 10 * n) for n, w in enumerate(when)]
    names = {"speed": "响应速度", "typing": "打字速度", "content": "回答内容", "tone": "礼貌语气",
             "compliance": "合规"}  # fmt: skip
    fig = charts.skills_figure(sessions, when, names)
    _drawn(fig)
    [ax] = fig.axes
    assert ax.get_title() == "各项技能得分"
    assert [t.get_text() for t in ax.get_legend().get_texts()][-1] == "总分"
    trainees = charts.trainees_figure({"小王": (when, [60, 70, 80]), "阿丽": (when[:1], [90])})
    _drawn(trainees)
    [ax] = trainees.axes
    assert [line.get_label() for line in ax.get_lines()] == ["小王", "阿丽"]
    assert list(ax.get_lines()[0].get_xdata()) == when


def test_one_day_of_data_is_drawn_a_day_wide_not_over_years(tmp_path):
    async def build():
        async with open_storage(tmp_path / "one.db") as storage:
            await storage.add_timeline("csv", _round("d1", T0, 10, "小美"))
            return await build_report(storage, ServiceTargets())

    _, daily = charts.report_figure(asyncio.run(build())).axes
    low, high = daily.get_xlim()
    assert high - low == 2  # matplotlib's own margin for one date spans four years
