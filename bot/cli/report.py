"""`csbot report`: response times per agent and overall, as a table, CSV or JSON, and a chart."""

from __future__ import annotations

import asyncio
import json
import sys
import warnings
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table

from bot.cli.common import ConfigOption, err, fail, get_config, out
from bot.config import Config
from bot.hours import CalendarWarning
from bot.service_time.metrics import Summary
from bot.service_time.report import (
    ALL,
    BOM,
    Report,
    ReportError,
    as_csv,
    as_json,
    breaches_csv,
    build_report,
)
from bot.storage import MissingDatabaseError, StorageUnavailableError, open_storage


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
            f"{text!r} 不是日期，例如 2026-11-29 或 2026-11-29 08:30"
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
    """The report over the configured database; a missing database is an error, never made."""
    async with open_storage(config.storage.database, create=False) as storage:
        return await build_report(
            storage,
            config.service_targets,
            since=since,
            until=until,
            agent=agent,
            conversation=conversation,
        )


def missing_database(config: Config) -> str:
    where = (
        f"由配置文件 {config.source} 的 storage.database 指定"
        if config.source
        else "这是默认位置：当前文件夹没有 config.yaml"
    )
    return (
        f"找不到数据库 {config.storage.database}（{where}）。"
        "报表不会新建数据库：请在放 config.yaml 的文件夹里运行，用 --config 指定配置文件，"
        "或先用 csbot import 导入聊天记录。"
    )


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _table(title: str, *columns: str) -> Table:
    # overflow="fold": on a narrow terminal a cell wraps onto the next line, it is never cut
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    table.add_column(columns[0], overflow="fold")
    for name in columns[1:]:
        table.add_column(name, justify="right", overflow="fold")
    return table


def summary_tables(report: Report) -> list[Table]:
    """Three narrow tables, one per question a manager asks, so each fits 100 columns."""
    t = report.targets
    first = _table(
        f"首次响应（顾客第一句 → 客服第一次回复，目标 {t.first:g} 秒）",
        "客服", "回复条数", "会话数", "中位数 秒", "九成在…秒内", "最长 秒", "达标率",
    )  # fmt: skip
    after = _table(
        f"后续响应（顾客等着的那句 → 客服下一次回复，目标 {t.next:g} 秒）",
        "客服", "中位数 秒", "九成在…秒内", "最长 秒", "达标率",
    )  # fmt: skip
    misses = _table(
        "超时和平响",
        "客服", "超时次数", "没回复的会话", "平响 秒", "3分钟回复率",
    )  # fmt: skip
    rows: list[tuple[str, Summary]] = [*report.agents.items(), (ALL, report.overall)]
    for name, s in rows:
        first.add_row(
            name,
            str(s.replies),
            str(s.conversations),
            *map(_seconds, (s.first_p50, s.first_p90, s.first_max)),
            _share(s.first_within),
        )
        after.add_row(
            name, *map(_seconds, (s.next_p50, s.next_p90, s.next_max)), _share(s.next_within)
        )
        misses.add_row(
            name,
            str(s.breaches),
            str(s.unanswered_conversations),
            _seconds(s.average_round),
            _share(s.three_minute_rate),
        )
    return [first, after, misses]


def breaches_table(report: Report, limit: int) -> Table:
    table = _table(
        f"最近 {min(limit, report.breach_count)} 次超时（共 {report.breach_count} 次）",
        "开始时间", "会话", "客服", "类型", "等了 秒", "目标 秒",
    )  # fmt: skip
    table.columns[1].justify = table.columns[2].justify = table.columns[3].justify = "left"
    for b in report.breaches(latest=limit):
        where = b.conversation_id
        if b.title and b.title != b.conversation_id:
            where = f"{b.title}（{b.conversation_id}）"
        table.add_row(
            report.local(b.started_at).strftime("%Y-%m-%d %H:%M:%S"),
            where,
            b.agent,
            "首次响应" if b.kind == "first" else "后续响应",
            "没有回复" if b.seconds is None else f"{b.seconds:.1f}",
            f"{b.target:g}",
        )
    return table


def print_report(report: Report, *, breaches: int, console: Console = out) -> None:
    """The table format: what was read, the three summary tables, then the latest breaches."""
    console.print(f"数据库：{report.database}", markup=False)
    console.print(f"期间：{report.period_text()}", markup=False)
    if not report.overall.conversations:
        return  # said in words below; a table of dashes says nothing
    for table in summary_tables(report):
        console.print()
        console.print(table)
    if breaches and report.breach_count:
        console.print()
        console.print(breaches_table(report, breaches))


def report_command(
    config: ConfigOption = None,
    since: Annotated[str | None, typer.Option(help="起始时间（含），如 2026-11-01")] = None,
    until: Annotated[str | None, typer.Option(help="结束时间（不含），如 2026-12-01")] = None,
    agent: Annotated[str | None, typer.Option(help="只看这个客服（名字或 id）")] = None,
    conversation: Annotated[str | None, typer.Option(help="只看这个会话（编号或标题）")] = None,
    format: Annotated[Format, typer.Option("--format", help="table | csv | json")] = Format.table,
    breaches: Annotated[int, typer.Option(help="表格下列出最近多少条超时（0 = 不列）")] = 10,
    breaches_csv_path: Annotated[
        Path | None,
        typer.Option("--breaches-csv", help="把全部超时明细另存为 CSV（带 BOM, Excel 直接打开）"),
    ] = None,
    chart_path: Annotated[
        Path | None, typer.Option("--chart", help="把响应时间分布和每日达标率画成 PNG")
    ] = None,
) -> None:
    """客服响应时间报表：每位客服的首响、平响对照 15 秒 / 20 秒标准，以及超时明细。"""
    settings = get_config(config)
    zone = settings.service_targets.timezone
    since_ts, until_ts = parse_when(since, zone), parse_when(until, zone)
    try:
        with err.status("正在统计响应时间…"), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CalendarWarning)
            report = asyncio.run(
                make_report(
                    settings, since=since_ts, until=until_ts, agent=agent, conversation=conversation
                )
            )
        for message in dict.fromkeys(str(w.message) for w in caught):
            err.print(f"注意：{message}", markup=False)
    except MissingDatabaseError:
        fail(missing_database(settings))
    except StorageUnavailableError as exc:
        fail(str(exc))
    except ReportError as exc:
        fail(str(exc))
    empty = not report.overall.conversations
    if empty and not any((since, until, agent, conversation)):
        fail(
            f"数据库 {report.database} 里还没有聊天记录；先用 csbot import 导入，或检查 --config。"
        )
    if format is Format.table:
        print_report(report, breaches=breaches)
    else:  # stdout stays machine-readable; what was read goes to stderr
        err.print(f"数据库：{report.database}；期间：{report.period_text()}", markup=False)
        if format is Format.json:
            print(json.dumps(as_json(report), ensure_ascii=False, indent=2))
        else:
            sys.stdout.write(BOM + as_csv(report))
    if empty:
        err.print(f"{report.period_text()}：没有任何会话记录。", markup=False)
    if breaches_csv_path is not None:
        breaches_csv_path.parent.mkdir(parents=True, exist_ok=True)
        breaches_csv_path.write_text(BOM + breaches_csv(report), encoding="utf-8", newline="")
        err.print(f"超时明细已保存：{breaches_csv_path}", markup=False)
    if chart_path is not None:
        from bot.charts import report_figure, save

        chart_path.parent.mkdir(parents=True, exist_ok=True)
        with err.status("正在画图…"):
            save(report_figure(report), chart_path)
        err.print(f"图表已保存：{chart_path}", markup=False)
