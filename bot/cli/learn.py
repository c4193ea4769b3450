"""`csbot learn` and `csbot import quick-phrases`: the shop's own data into its library."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from bot.cli.common import ConfigOption, err, fail, get_config, out
from bot.config import Config
from bot.learning import learned_file, quick_phrases
from bot.learning.propose import Learner, Proposals, rounds
from bot.storage import DATABASE_ERRORS, LearningRows, MissingDatabaseError, open_storage
from intents import Library, LibraryError, load_library

OutOption = Annotated[
    Path,
    typer.Option("--out", help="写到这里（放进话术库文件夹，如 phrases/learned.yaml，就直接生效）"),
]
LibraryOption = Annotated[
    Path | None, typer.Option("--library", help="话术库文件或文件夹（默认：配置里的默认库）")
]


def learn_command(
    out_file: OutOption,
    library: LibraryOption = None,
    since: Annotated[
        str | None, typer.Option("--since", help="只看这一天起的聊天，如 2024-06-01")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """从已存的聊天里找出话术库没接住的顾客问法，分组写成建议文件。"""
    settings = get_config(config)
    since_ts = _since(since, settings.service_targets.timezone)
    try:
        kept = learned_file.read(out_file)  # refuses to overwrite a hand-written library file
    except learned_file.LearnedFileError as exc:
        fail(str(exc))
    library_path = library or settings.library_path()
    lib = _library(library_path, exclude=out_file)
    rows = _rows(settings, since_ts)
    history = rounds(rows)
    learner = Learner(lib, values=settings.library.values, threshold=settings.matcher.threshold)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("学习", total=len(history))
        proposals = learner.propose(
            history,
            skip=learned_file.reviewed_texts(kept),
            progress=lambda n: progress.advance(task, n),
        )
    _write(out_file, learned_file.document(lib.id, proposals, kept=kept))
    _summary(lib, proposals, out_file, library_path)


def quick_phrases_command(
    file: Annotated[Path, typer.Argument(help="千牛导出的快捷短语（CSV 或 Excel .xlsx）")],
    out_file: Annotated[
        Path, typer.Option("--out", help="写到这里；放进话术库文件夹（如 phrases/qianniu.yaml）")
    ] = Path("qianniu.yaml"),
    library: LibraryOption = None,
    config: ConfigOption = None,
) -> None:
    """导入千牛快捷短语：每条按它回答的意图归类为回复，先过广告法和引流检查。"""
    settings = get_config(config)
    try:
        learned_file.read(out_file)  # refuses to overwrite a hand-written library file
        phrases = quick_phrases.read(file)
    except (quick_phrases.QuickPhraseError, learned_file.LearnedFileError) as exc:
        fail(str(exc))
    library_path = library or settings.library_path()
    lib = _library(library_path, exclude=out_file)
    filed = quick_phrases.file_phrases(lib, phrases, values=settings.library.values)
    document = quick_phrases.document(lib.id, filed)
    _write(out_file, document, header=learned_file.QUICK_PHRASES_HEADER)
    repeated = f"，{filed.repeated} 条与话术库或前面的短语重复，只留一条" if filed.repeated else ""
    out.print(f"{file.name}: 读取 {len(phrases)} 条快捷短语{repeated}", markup=False)
    for (intent, topic), count in filed.per_intent().items():
        name = _name(lib, intent) + (f" · 话题 {topic}" if topic else "")
        out.print(f"  {name}: {count} 条", markup=False)
    if filed.unsure:
        out.print(f"没把握的 {len(filed.unsure)} 条（在 unsorted 下，请人工确认）：", markup=False)
        for phrase, guess in filed.unsure:
            label = _name(lib, guess) if guess else "看不出"
            out.print(f"  {phrase.where}: [{label}] {phrase.text}", markup=False)
    if filed.rejected:
        err.print(f"没通过回复检查的 {len(filed.rejected)} 条（没有写入，请改写后重新导入）：")
        for problem in filed.rejected:
            err.print(f"  {problem}", markup=False)
    out.print(f"已写入 {out_file}，{_where(out_file, library_path)}", markup=False)


def _write(path: Path, data: dict[str, object], *, header: str = learned_file.HEADER) -> None:
    try:
        learned_file.write(path, data, header=header)
    except learned_file.LearnedFileError as exc:
        fail(str(exc))


def _library(path: Path, *, exclude: Path) -> Library:
    try:
        return load_library(path, exclude=[exclude])
    except LibraryError as exc:
        fail(str(exc))


def _since(value: str | None, timezone: str) -> float | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--since {value!r} 看不懂；请写日期，如 2024-06-01 或 2024-06-01 08:00", 2)
    return (when if when.tzinfo else when.replace(tzinfo=ZoneInfo(timezone))).timestamp()


def _rows(settings: Config, since: float | None) -> LearningRows:
    database = settings.storage.database

    async def load() -> LearningRows:
        async with open_storage(database, create=False) as storage:
            return await storage.learning_rows(since=since)

    try:
        return asyncio.run(load())
    except MissingDatabaseError:
        err.print(f"数据库 {database} 还没有聊天记录：先用 csbot import 导入", markup=False)
        return LearningRows([], [])
    except (OSError, RuntimeError, *DATABASE_ERRORS) as exc:
        fail(f"数据库 {database} 出错：{exc}")


def _name(library: Library, intent: str) -> str:
    description = library.intent(intent).description
    return f"{intent}（{description}）" if description else intent


def _summary(library: Library, proposals: Proposals, out_file: Path, library_path: Path) -> None:
    out.print(f"读取 {proposals.messages} 条顾客消息", markup=False)
    if proposals.learned:
        parts = ", ".join(
            f"{g.intent}{'/' + g.topic if g.topic else ''} {len(g.examples)}"
            for g in proposals.learned
        )
        out.print(
            f"有把握的新说法 {proposals.learned_examples} 条，分 {len(proposals.learned)} 组"
            f"（{parts}）",
            markup=False,
        )
    else:
        out.print("没有有把握的新说法", markup=False)
    out.print(f"没把握归类的 {len(proposals.unsorted)} 组，在 unsorted 下等人归类", markup=False)
    out.print(f"已写入 {out_file}，{_where(out_file, library_path)}", markup=False)


def _where(out_file: Path, library_path: Path) -> str:
    if not library_path.is_dir():
        return f"话术库 {library_path} 是单个文件：把它和这个文件放进同一个文件夹，用文件夹作话术库"
    folder = library_path
    if out_file.resolve().parent == folder.resolve():
        return "它在话术库文件夹里，下次加载即生效（Telegram 里发 /reload）"
    return f"放进话术库文件夹（{folder}）后生效"
