"""`csbot import`: load chat history the shop already has, so managers can judge it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from filelock import FileLock, Timeout
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from bot.cli.common import ChineseHelp, ConfigOption, err, fail, get_config, out
from bot.cli.learn import quick_phrases_command
from bot.config import Config
from bot.service_time.imports import History, ImportFileError, read_csv, read_telegram_export, store
from bot.storage import DATABASE_ERRORS, open_storage

import_app = typer.Typer(
    cls=ChineseHelp,
    help="导入已有的聊天记录，用来统计客服响应时间。同一个文件重复导入不会重复计数。",
    no_args_is_help=True,
    add_completion=False,
)


@import_app.command("telegram-export")
def telegram_export(
    file: Annotated[Path, typer.Argument(help="Telegram Desktop 导出的 result.json")],
    agent: Annotated[
        list[str],
        typer.Option(
            "--agent", help="客服的名字或 id（如 小美，5550001 或 user5550001），可写多次"
        ),
    ],
    bot: Annotated[
        list[str] | None,
        typer.Option(
            "--bot", help="机器人账号的名字或 id，可写多次（经 @某bot 发的消息总算机器人）"
        ),
    ] = None,
    idle_gap_minutes: Annotated[
        float | None,
        typer.Option(min=1, help="沉默超过这么多分钟就算新的一段对话（默认取配置，30）"),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """导入 Telegram Desktop 的聊天导出（JSON）：列出的客服算员工，其余算顾客。"""
    settings = _config(config)
    targets = settings.service_targets
    gap = idle_gap_minutes * 60 if idle_gap_minutes is not None else targets.idle_gap_seconds
    history = _read(
        lambda: read_telegram_export(
            file, agents=agent, bots=bot or [], idle_gap=gap, timezone=targets.timezone
        )
    )
    for name in history.unmatched:
        err.print(f"注意：{name} 没有对上文件里的任何发言人，请检查拼写或改用 id", markup=False)
    _report(file, history, _store(settings, history))


@import_app.command("csv")
def csv_file(
    file: Annotated[
        Path, typer.Argument(help="CSV: timestamp,conversation,role,sender,text（见 README）")
    ],
    config: ConfigOption = None,
) -> None:
    """导入其他工具导出的 CSV：时间、会话、角色、发送人、内容（中英文表头都认）。"""
    settings = _config(config)
    zone = settings.service_targets.timezone
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(f"检查 {file.name}", total=None)

        def checked(done: int, size: int) -> None:
            progress.update(task, completed=done, total=size)

        history = _read(lambda: read_csv(file, timezone=zone, progress=checked))
    _report(file, history, _store(settings, history))


import_app.command("quick-phrases")(quick_phrases_command)


def _config(path: Path | None) -> Config:
    return get_config(path)


def _read(read: Callable[[], History]) -> History:
    try:
        return read()
    except ImportFileError as exc:
        fail("\n".join([*exc.problems, "没有导入任何消息；改好后重新运行即可。"]))


def import_lock(database: Path) -> FileLock:
    """One importer at a time per database: a second one waits for the first, saying so,
    instead of interleaving its batches (or, on a fresh file, racing the schema)."""
    database.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(f"{database}.import-lock")


def _store(settings: Config, history: History) -> int:
    database = settings.storage.database

    async def load(progress: Progress) -> int:
        task = progress.add_task("写入数据库", total=history.total)
        async with open_storage(database) as storage:
            return await store(storage, history, progress=lambda n: progress.advance(task, n))

    columns = (
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()
    )  # fmt: skip
    lock = import_lock(settings.storage.local_files)
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            err.print(
                f"另一个 csbot import 正在写入 {database}，等它写完再开始…（Ctrl+C 可取消）",
                markup=False,
            )
            lock.acquire()
        with Progress(*columns, console=err, transient=True) as progress:
            return asyncio.run(load(progress))
    except KeyboardInterrupt:
        fail("已中断：已写入的消息都完整保留，重新运行同一条命令会补上其余的。", 130)
    except (OSError, RuntimeError, *DATABASE_ERRORS) as exc:
        fail(f"数据库 {database} 出错：{exc}")
    finally:
        lock.release(force=True)


def _report(file: Path, history: History, new: int) -> None:
    roles = history.roles
    read = history.total
    skipped = f"（跳过 {history.skipped} 条系统消息）" if history.skipped else ""
    out.print(
        f"{file.name}: 读取 {read} 条消息{skipped}，{history.conversations} 段对话", markup=False
    )
    agents = "，".join(f"{name} {n} 条" for name, n in sorted(history.agents.items()))
    out.print(
        f"  客服 {agents or '无'}；机器人 {roles['bot']} 条；顾客 {roles['customer']} 条",
        markup=False,
    )
    out.print(f"新增 [bold]{new}[/bold] 条，已有 {read - new} 条（重复导入不会重复计数）")
