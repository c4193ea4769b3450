"""Every chart csbot draws: response times for managers, practice progress for trainees.

One way to draw: matplotlib's object-oriented `Figure` (no pyplot, so no global figure
registry and no lock; the bot draws in worker threads), one font set-up, one palette. The font
is Noto Sans CJK from the `noto-cjk-sans-otc` package, registered with matplotlib's font
manager, so Chinese titles and names render on a bare machine without system fonts.
"""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from bot.practice.progress import Session
    from bot.service_time.report import Report

#: The face of the shipped collection with the Simplified Chinese glyph forms.
CJK_FAMILY = "Noto Sans CJK SC"
#: Series colours (tab10 without red and purple), so a target line is never mistaken for one.
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
FIRST_TARGET_COLOR = "#d62728"  # red
NEXT_TARGET_COLOR = "#9467bd"  # purple
#: Plain second marks for the response-time axis (linear to a minute, then logarithmic).
SECOND_TICKS = (
    0, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1200, 1800, 3600, 7200, 14400, 28800,
    86400, 172800, 604800,
)  # fmt: skip
_SETUP = threading.Lock()


class ChartFontError(RuntimeError):
    """The CJK font package is missing: charts would show boxes instead of Chinese."""


@functools.cache
def cjk_font() -> str:
    """Register the packaged Noto Sans CJK with matplotlib once; returns its family name."""
    try:
        from noto_cjk_sans_otc import FONT_PATH
    except ImportError:
        raise ChartFontError(
            "缺少中文字体包，图表里的中文会显示成方框；请安装：pip install noto-cjk-sans-otc"
        ) from None
    import matplotlib
    from matplotlib import font_manager

    with _SETUP:
        font_manager.fontManager.addfont(str(FONT_PATH))
        # Chinese first, DejaVu for the glyphs Noto lacks; set once, before any figure exists
        matplotlib.rcParams["font.family"] = [CJK_FAMILY, "DejaVu Sans"]
        matplotlib.rcParams["axes.unicode_minus"] = False
        matplotlib.rcParams["axes.prop_cycle"] = matplotlib.cycler(color=PALETTE)
    return CJK_FAMILY


def figure(columns: int = 1, *, size: tuple[float, float] = (10, 5)) -> tuple[Figure, list[Axes]]:
    """A figure outside pyplot, with the Chinese font in place."""
    from matplotlib.figure import Figure

    cjk_font()
    fig = Figure(figsize=size, dpi=110, layout="constrained")
    axes = fig.subplots(1, columns, squeeze=False)[0]
    return fig, list(axes)


def save(fig: Figure, path: Path | io.BytesIO) -> None:
    fig.savefig(path, format="png")


def png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    save(fig, buffer)
    return buffer.getvalue()


def _plain_numbers(ax: Axes, *, percent: bool = False) -> None:
    """Tick labels as a shop writes them: 15, 60, 600 or 80%, never 5.25×10¹."""
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    ax.yaxis.set_major_formatter(
        PercentFormatter(100, decimals=0) if percent else FuncFormatter(lambda v, _: f"{v:g}")
    )


def _date_axis(ax: Axes, when: Sequence[date | datetime]) -> None:
    """Dates in order with Chinese labels; a day's margin each side, so one day of data is a
    day wide (matplotlib would spread a single date over four years)."""
    from datetime import timedelta

    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    if when:
        ax.set_xlim(min(when) - timedelta(days=1), max(when) + timedelta(days=1))

    locator = AutoDateLocator(minticks=2, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(
        ConciseDateFormatter(
            locator,
            formats=["%Y年", "%-m月", "%-m月%-d日", "%H:%M", "%H:%M", "%S秒"],
            zero_formats=["", "%Y年", "%-m月%-d日", "%-m月%-d日", "%H:%M", "%H:%M"],
            offset_formats=["", "%Y年", "%Y年%-m月", "%Y年%-m月%-d日", "%Y年%-m月%-d日", ""],
        )
    )


# --- response times (csbot report --chart, /stats) ---------------------------------------------


def report_figure(report: Report) -> Figure:
    """Each agent's response times as a box against the two target lines, and each agent's
    share within target per day. An agent without an answered round gets a note, not a box."""
    from bot.service_time.report import answered_seconds, daily_compliance

    fig, (spread, daily) = figure(2, size=(12, 5))
    colours = {name: PALETTE[n % len(PALETTE)] for n, name in enumerate(report.agents)}
    seconds = answered_seconds(report)
    drawn = [name for name in report.agents if len(seconds[name])]
    positions = {name: n for n, name in enumerate(report.agents, start=1)}
    if drawn:
        boxes = spread.boxplot(
            [seconds[name] for name in drawn],
            positions=[positions[name] for name in drawn],
            patch_artist=True,
            medianprops={"color": "black"},
            flierprops={"marker": ".", "markersize": 4},
        )
        for patch, name in zip(boxes["boxes"], drawn, strict=True):
            patch.set_facecolor(colours[name])
            patch.set_alpha(0.6)
    for name in report.agents:
        if not len(seconds[name]):
            spread.text(positions[name], 1, "没有回复记录", ha="center", va="bottom", color="0.35")
    spread.set_xticks(list(positions.values()), list(positions), rotation=20)
    spread.set_xlim(0.4, len(positions) + 0.6)
    targets = report.targets
    spread.axhline(
        targets.first,
        color=FIRST_TARGET_COLOR,
        linestyle="--",
        label=f"首响目标 {targets.first:g} 秒",
    )
    spread.axhline(
        targets.next, color=NEXT_TARGET_COLOR, linestyle="-.", label=f"后续目标 {targets.next:g} 秒"
    )
    spread.set_yscale("symlog", linthresh=60)
    longest = max([float(max(v)) for v in seconds.values() if len(v)] + [targets.next * 1.5])
    top = next((t for t in SECOND_TICKS if t >= longest * 1.05), longest * 1.05)
    spread.set_ylim(0, top)
    from matplotlib.ticker import FixedLocator, NullLocator

    spread.yaxis.set_major_locator(FixedLocator([t for t in SECOND_TICKS if t <= top]))
    spread.yaxis.set_minor_locator(NullLocator())
    _plain_numbers(spread)
    spread.set_ylabel("响应时间（秒）")
    spread.set_title("各客服响应时间分布")
    spread.legend(loc="upper right", fontsize="small")
    spread.grid(axis="y", alpha=0.3)

    per_day = daily_compliance(report)
    every_day = sorted({date.fromisoformat(d) for days in per_day.values() for d in days})
    for name, days in per_day.items():
        when = sorted(days)
        daily.plot(
            [date.fromisoformat(d) for d in when],
            [100 * days[d] for d in when],
            marker="o",
            color=colours.get(name, PALETTE[-1]),
            label=name,
        )
    daily.set_ylim(-4, 104)  # a day at 0% or 100% shows its whole marker
    _plain_numbers(daily, percent=True)
    _date_axis(daily, every_day)
    daily.set_ylabel("达标率")
    daily.set_title("每日达标率（当天按时回复的轮次占比）")
    daily.grid(alpha=0.3)
    if per_day:
        daily.legend(loc="lower left", fontsize="small")
    fig.suptitle(report_caption(report), fontsize="medium")
    return fig


def report_caption(report: Report) -> str:
    return f"{report.period_text()} · 数据库 {report.database or '（内存）'}"


# --- practice progress (/progress, /trainees) --------------------------------------------------


def skills_figure(
    sessions: Sequence[Session], when: Sequence[datetime], names: Mapping[str, str]
) -> Figure:
    """One trainee's score per skill (and the total) over their sessions."""
    fig, (ax,) = figure()
    for skill, name in names.items():
        shares = [100 * s.skills[skill] for s in sessions]
        ax.plot(when, shares, marker="o", linewidth=1.2, alpha=0.85, label=name)
    ax.plot(
        when, [s.total for s in sessions], marker="s", color="black", linewidth=2.2, label="总分"
    )
    ax.set_ylabel("得分（占满分 %）")
    ax.set_title("各项技能得分")
    _progress_axes(ax, when)
    return fig


def trainees_figure(lines: Mapping[str, tuple[Sequence[datetime], Sequence[float]]]) -> Figure:
    """Every trainee's session scores over time, one line each."""
    fig, (ax,) = figure()
    for name, (when, totals) in lines.items():
        ax.plot(when, totals, marker="o", label=name)
    ax.set_ylabel("得分")
    ax.set_title("学员练习得分")
    _progress_axes(ax, [w for when, _ in lines.values() for w in when])
    return fig


def _progress_axes(ax: Axes, when: Sequence[datetime]) -> None:
    _date_axis(ax, when)
    ax.set_ylim(-4, 104)
    _plain_numbers(ax)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")  # never over a line


def skills_chart(
    sessions: Sequence[Session], path: Path | io.BytesIO, *, timezone: str = "Asia/Shanghai"
) -> None:
    """One trainee's score per skill (and the total) over their sessions, as a PNG."""
    from bot.practice.scoring import SKILL_NAMES, WEIGHTS

    names = {skill: SKILL_NAMES[skill] for skill in WEIGHTS}
    save(skills_figure(sessions, _local_times(sessions, timezone), names), path)


def trainees_chart(
    sessions: Sequence[Session], path: Path | io.BytesIO, *, timezone: str = "Asia/Shanghai"
) -> None:
    """Every trainee's session scores over time, one line each, as a PNG."""
    from bot.practice.progress import trainees

    lines = {
        t.name: (_local_times(t.sessions, timezone), [s.total for s in t.sessions])
        for t in trainees(sessions)
    }
    save(trainees_figure(lines), path)


def _local_times(sessions: Sequence[Session], timezone: str) -> list[datetime]:
    # naive local times: matplotlib would otherwise label the axis in UTC
    zone = ZoneInfo(timezone)
    return [
        datetime.fromtimestamp(s.started_at, UTC).astimezone(zone).replace(tzinfo=None)
        for s in sessions
    ]
