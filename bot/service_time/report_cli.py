"""`csbot report`: response times per agent and overall, as a table, CSV or JSON, and a chart."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from bot.cli_common import ConfigOption, get_config, out
from bot.config import Config
from bot.service_time.metrics import Summary
from bot.service_time.report import Report, as_csv, as_json, build_report, chart
from bot.storage import Storage


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def parse_when(text: str | None, timezone: str) -> float | None:
    """'2026-11-29' or '2026-11-29 08:30' (in the config's time zone), or ISO 8601 with offset."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} 不是日期, 例如 2026-11-29 或 2026-11-29 08:30"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(timezone))
    return when.timestamp()


async def make_report(
    config: Config,
    *,
    since: float | None,
    until: float | None,
    agent: str | None,
    conversation: str | None,
) -> Report:
    async with Storage(config.storage.database) as storage:
        return await build_report(
            storage,
            config.service_targets,
            since=since,
            until=until,
            agent=agent,
            conversation=conversation,
        )


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def summary_table(report: Report) -> Table:
    table = Table(
        "客服",
        "回复",
        "首响 p50/p90/max s",
        f"首响≤{report.targets.first:g}s",
        "后续 p50/p90/max s",
        f"后续≤{report.targets.next:g}s",
        "超时",
        "未回复会话",
        "平响 s",
        "3分钟回复率",
        show_edge=False,
    )

    def row(name: str, s: Summary) -> None:
        table.add_row(
            name,
            str(s.replies),
            "/".join(map(_seconds, (s.first_p50, s.first_p90, s.first_max))),
            _share(s.first_within),
            "/".join(map(_seconds, (s.next_p50, s.next_p90, s.next_max))),
            _share(s.next_within),
            str(s.breaches),
            str(s.unanswered_conversations),
            _seconds(s.average_round),
            _share(s.three_minute_rate),
        )

    for name, summary in report.agents.items():
        row(name, summary)
    row("(全部)", report.overall)
    return table


def breaches_table(report: Report, limit: int) -> Table:
    table = Table("开始", "会话", "客服", "类型", "等待 s", "目标 s", show_edge=False)
    for b in report.breaches(latest=limit):
        table.add_row(
            report.local(b.started_at).strftime("%Y-%m-%d %H:%M:%S"),
            str(b.conversation),
            b.agent,
            "首响" if b.kind == "first" else "后续",
            "未回复" if b.seconds is None else f"{b.seconds:.1f}",
            f"{b.target:g}",
        )
    return table


def report_command(
    config: ConfigOption = None,
    since: Annotated[str | None, typer.Option(help="起始时间 (含), 如 2026-11-01")] = None,
    until: Annotated[str | None, typer.Option(help="结束时间 (不含), 如 2026-12-01")] = None,
    agent: Annotated[str | None, typer.Option(help="只看这个客服 (名字或 id)")] = None,
    conversation: Annotated[str | None, typer.Option(help="只看这个会话")] = None,
    format: Annotated[Format, typer.Option("--format", help="table | csv | json")] = Format.table,
    breaches: Annotated[int, typer.Option(help="表格下列出最近多少条超时 (0 = 不列)")] = 10,
    chart_path: Annotated[
        Path | None, typer.Option("--chart", help="把响应时间分布和每日达标率画成 PNG")
    ] = None,
) -> None:
    """First/next response times per agent against the 15 s / 20 s targets, breaches, 平响."""
    settings = get_config(config)
    zone = settings.service_targets.timezone
    report = asyncio.run(
        make_report(
            settings,
            since=parse_when(since, zone),
            until=parse_when(until, zone),
            agent=agent,
            conversation=conversation,
        )
    )
    if format is Format.json:
        print(json.dumps(as_json(report), ensure_ascii=False, indent=2))
    elif format is Format.csv:
        print(as_csv(report), end="")
    else:
        out.print(summary_table(report))
        if breaches and report.breach_count:
            shown, total = min(breaches, report.breach_count), report.breach_count
            out.print(f"\n最近 {shown} 条超时 (共 {total} 条):")
            out.print(breaches_table(report, breaches))
    if chart_path is not None:
        chart_path.parent.mkdir(parents=True, exist_ok=True)
        chart(report, chart_path)
        typer.echo(f"图表已保存: {chart_path}", err=True)
