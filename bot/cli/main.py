"""The `csbot` command line: parses arguments, wires the parts, prints with rich."""

from __future__ import annotations

import contextlib
import json
import re
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from bot.cli.catalog import catalog_app
from bot.cli.common import (
    CommandLine,
    ConfigOption,
    err,
    fail,
    folding_table,
    get_config,
    out,
)
from bot.cli.imports import import_app
from bot.cli.learn import learn_command
from bot.cli.report import report_command
from bot.config import SHIPPED_PHRASES, Config
from intents import Assistant, LibraryError, Suggestion, normalize
from intents.context import Conversation
from intents.library import TONES, check_library

app = typer.Typer(
    cls=CommandLine,  # a mistyped command line is one Chinese line
    help="客服话术助手：粘贴顾客的话，得到可以直接发送的回复。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
LibraryOption = Annotated[
    Path | None, typer.Option("--library", help="话术库文件或文件夹（默认：配置里的默认库）")
]
ToneOption = Annotated[str | None, typer.Option("--tone", help="亲切 或 正式")]
CatalogOption = Annotated[
    Path | None,
    typer.Option("--catalog", help="商品目录 catalog.yaml（默认：配置里的 library.catalog）"),
]
ProductOption = Annotated[
    str | None, typer.Option("--product", help="当前商品的 id（消息里的链接或商品名优先）")
]


def get_assistant(
    config: Config, library_path: Path | None, catalog_path: Path | None = None
) -> Assistant:
    from bot.assistants import Assistants

    if library_path is not None:
        config = replace(
            config,
            library=replace(
                config.library, default="cli", paths={**config.library.paths, "cli": library_path}
            ),
        )
    if catalog_path is not None:
        config = replace(config, library=replace(config.library, catalog=catalog_path))
    try:
        return Assistants(config).get()
    except LibraryError as exc:
        fail(str(exc))


# Unicode line separators stay escaped, so a reader that splits on any line break (Python's
# str.splitlines, JavaScript) still sees exactly one record per line.
_LINE_BREAKS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def json_line(record: dict[str, object]) -> str:
    return json.dumps(record, ensure_ascii=False).translate(_LINE_BREAKS) + "\n"


@app.command()
def match(
    config: ConfigOption = None,
    library: LibraryOption = None,
    catalog: CatalogOption = None,
    product: ProductOption = None,
    jsonl: Annotated[
        bool,
        typer.Option(
            "--jsonl",
            help='每行一个 JSON {"text", "conversation", "product"}；同一对话延续上文',
        ),
    ] = False,
) -> None:
    """从标准输入逐行读顾客消息，每行输出一个 JSON：意图、分数和回复（CONTRACT §4、§7）。"""
    settings = get_config(config)
    assistant = get_assistant(settings, library, catalog)
    _check_product(assistant, product)
    idle = settings.library.context_minutes * 60
    # CONTRACT §7 adds "product" to the §4 line; without a catalogue there is never one
    with_product = jsonl or assistant.catalog is not None
    record: dict[str, object]
    conversations: dict[str, Conversation] = {}
    for raw in sys.stdin.buffer:
        text = raw.decode("utf-8", errors="replace").removesuffix("\n").removesuffix("\r")
        given, conversation = product, None
        if jsonl:
            text, given, key = _jsonl_line(text, product)
            if key is not None:
                conversation = conversations.setdefault(key, Conversation(idle_seconds=idle))
        try:
            suggestion = assistant.suggest(text, product=given, conversation=conversation)
            record = {
                "text": text,
                "intents": [
                    {"intent": m.intent, "score": m.score, "topic": m.topic}
                    for m in suggestion.matches
                ],
                "replies": list(suggestion.replies),
            }
            if with_product:
                record["product"] = suggestion.product.id if suggestion.product else None
        except Exception as exc:  # one odd line must never stop the stream
            err.print(f"csbot match：这一行无法处理（{type(exc).__name__}: {exc}）", markup=False)
            record = {"text": text, "intents": [], "replies": []}
            if with_product:
                record["product"] = None
        sys.stdout.write(json_line(record))
        sys.stdout.flush()


def _jsonl_line(line: str, product: str | None) -> tuple[str, str | None, str | None]:
    """(text, product id, conversation id) of a --jsonl line; a line that is no JSON object
    with a text is read as plain text."""
    try:
        data = json.loads(line)
    except ValueError:
        return line, product, None
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        return line, product, None
    given = data.get("product")
    conversation = data.get("conversation")
    return (
        data["text"],
        str(given) if isinstance(given, str | int) and given != "" else product,
        str(conversation) if isinstance(conversation, str | int) and conversation != "" else None,
    )


@app.command()
def suggest(
    text: Annotated[str, typer.Argument(help="顾客发来的话")],
    config: ConfigOption = None,
    library: LibraryOption = None,
    tone: ToneOption = None,
    catalog: CatalogOption = None,
    product: ProductOption = None,
) -> None:
    """看一句话识别成什么意图、哪个话题、为什么，以及可以直接发的回复。"""
    assistant = get_assistant(get_config(config), library, catalog)
    _check_product(assistant, product)
    print_suggestion(assistant.suggest(text, tone=_tone(tone), product=product), assistant)


def _tone(tone: str | None) -> str | None:
    if tone is not None and tone not in TONES:
        fail(f"--tone 只能是 {' 或 '.join(TONES)}", 2)
    return tone


def _check_product(assistant: Assistant, product: str | None) -> None:
    if product is None:
        return
    if assistant.catalog is None:
        fail("--product 需要商品目录：用 --catalog PATH，或在配置里写 library.catalog", 2)
    if assistant.catalog.get(product) is None:
        fail(f"商品目录里没有 id 为 {product} 的商品（{assistant.catalog.path}）", 2)


def intent_label(assistant: Assistant | None, intent_id: str) -> str:
    """What staff call an intent: the first word of the library's description (价格, 尺码),
    else its id; JSON output keeps the ids."""
    if assistant is not None:
        with contextlib.suppress(KeyError):
            words = re.split(r"[、，,/:：]", assistant.library.intent(intent_id).description)
            if words[0].strip():
                return words[0].strip()
    return intent_id


def print_suggestion(suggestion: Suggestion, assistant: Assistant | None = None) -> None:
    if suggestion.product is not None:
        p = suggestion.product
        how = f"，来自{suggestion.product_source}" if suggestion.product_source else ""
        out.print(f"商品：{p.name}（{p.id}{how}）", markup=False)
    if suggestion.follow_up:
        out.print("接着上一个问题：顾客只换了颜色、尺码或商品", markup=False)
    if suggestion.matches:
        table = folding_table("意图", "话题", "得分", "匹配的例句", "相同的词", "关键词", "第二名")
        for m in suggestion.matches:
            topic = ""
            if m.topic is not None and assistant is not None:
                topic = assistant.library.topic(m.topic).description or m.topic
            table.add_row(
                intent_label(assistant, m.intent),
                topic or (m.topic or "—"),
                f"{m.score:.2f}",
                m.topic_example or m.example,
                " ".join(m.shared),
                " ".join(m.keywords),
                f"{intent_label(assistant, m.runner_up)} {m.runner_up_score:.2f}"
                if m.runner_up
                else "",
            )
        out.print(table)
    else:
        if suggestion.acknowledgement:
            out.print("顾客只是回应，没有新问题：可以这样接话。")
        else:
            out.print("没有把握的意图：建议先请顾客说明需求。")
    for n, reply in enumerate(suggestion.replies, 1):
        out.print(f"[bold]{n}.[/bold] ", end="")
        out.print(reply, markup=False)


@app.command()
def chat(
    config: ConfigOption = None,
    library: LibraryOption = None,
    tone: ToneOption = None,
    catalog: CatalogOption = None,
    product: ProductOption = None,
) -> None:
    """离线控制台：输入或粘贴顾客的话，得到回复，Ctrl-D 退出。

    一次会话就是一段对话：当前商品和上一个问题会延续。/product 商品id（或商品名）设定当前商品，
    /product off 清除。
    """
    settings = get_config(config)
    assistant = get_assistant(settings, library, catalog)
    _check_product(assistant, product)
    conversation = Conversation(idle_seconds=settings.library.context_minutes * 60)
    conversation.set_product(product)
    interactive = sys.stdin.isatty()
    if interactive:
        out.print(f"客服话术助手 · 话术库 {assistant.library.name} · 输入顾客的话，Ctrl-D 退出")
        if assistant.catalog is not None:
            out.print("/product ID 或商品名：设定当前商品；/product off：取消")
    while True:
        try:
            line = input("顾客> " if interactive else "")
        except EOFError:
            break
        except KeyboardInterrupt:
            out.print()
            break
        if not line.strip():
            continue
        if not interactive:
            out.print(f"顾客> {line}", markup=False)
        if line.strip().lower().startswith("/product"):
            _console_product(assistant, conversation, line.strip()[len("/product") :].strip())
            continue
        print_suggestion(
            assistant.suggest(line, tone=_tone(tone), conversation=conversation), assistant
        )
        out.print()


def _console_product(assistant: Assistant, conversation: Conversation, query: str) -> None:
    """/product in the console: show, set (by id or name) or clear the current product."""
    catalog = assistant.catalog
    if catalog is None:
        out.print("没有商品目录：用 --catalog PATH，或在配置里写 library.catalog", markup=False)
        return
    if query.lower() in {"off", "关", "取消", "清除"}:
        conversation.set_product(None)
        out.print("已取消当前商品。")
        return
    if not query:
        current = catalog.get(conversation.product_id or "")
        out.print(f"当前商品：{current.name}（{current.id}）" if current else "还没有当前商品。")
        return
    found = catalog.search(query)
    if len(found) == 1 or (found and catalog.get(query)):
        conversation.set_product(found[0].id)
        out.print(f"当前商品：{found[0].name}（{found[0].id}）", markup=False)
    elif found:
        out.print("找到几个商品，用 /product ID 选一个：", markup=False)
        for p in found:
            out.print(f"  {p.id}  {p.name}", markup=False)
    else:
        out.print(f"商品目录里没有找到 {query!r}", markup=False)


@app.command()
def start(config: ConfigOption = None) -> None:
    """`make run` 启动的就是它：配置了 token 就启动 Telegram 机器人，否则打开离线控制台。"""
    settings = get_config(config)
    if settings.telegram.token:
        run(config=config, webhook=None)
        return
    err.print(
        "没有配置 Telegram token，先打开离线控制台。要接入 Telegram：把 @BotFather 给的 token "
        "写进 config.yaml 的 telegram.token（或设置环境变量 CSBOT_TELEGRAM_TOKEN），再 make run。",
        markup=False,
    )
    chat(config=config, library=None, tone=None, catalog=None, product=None)


@app.command()
def run(
    config: ConfigOption = None,
    webhook: Annotated[
        str | None,
        typer.Option(help="用 webhook 代替长轮询：对外的 HTTPS 地址，如 https://example.com/tg"),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(min=1, max=64, help="webhook 用几个进程一起处理（大于 1 时需要 redis.url）"),
    ] = 1,
) -> None:
    """启动 Telegram 机器人：默认长轮询，加 --webhook 地址则开 webhook 服务；
    --workers N 则由 N 个进程共用一个端口、数据库和 Redis。"""
    import asyncio

    from bot.logs import setup_logging
    from bot.telegram.app import StartupError, run_polling, run_webhook

    settings = get_config(config)
    token = settings.telegram.token
    if not token:
        fail(
            "没有 Telegram token：在 config.yaml 写 telegram.token，或设置环境变量 "
            "CSBOT_TELEGRAM_TOKEN（token 向 @BotFather 申请）",
            2,
        )
    setup_logging([token.get(), settings.telegram.webhook_secret.get(), *settings.redis.secrets()])
    if workers > 1:
        if not webhook:
            fail("--workers 只能和 --webhook 一起用：长轮询只能有一个进程取更新", 2)
        if not settings.redis.url:
            fail(
                f"--workers {workers} 需要 Redis 来共享状态（去重、限流、提醒、练习）："
                "在 config.yaml 写 redis.url，或设置环境变量 CSBOT_REDIS_URL",
                2,
            )
        from bot.telegram.workers import serve_workers

        raise typer.Exit(serve_workers(webhook, workers, config=config))
    try:
        asyncio.run(run_webhook(settings, webhook) if webhook else run_polling(settings))
    except StartupError as exc:
        fail(str(exc))
    except LibraryError as exc:
        fail(f"话术库有问题，机器人没有启动：\n{exc}")
    except KeyboardInterrupt:
        pass


@app.command()
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="话术库、练习场景或商品目录的文件、文件夹（默认 phrases/ 全部和配置里的商品目录）"
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """检查话术库、练习场景和商品目录：格式、广告法用语、站外引流和标点，一次列出全部问题（文件:行）。"""
    from bot.practice.scenarios import load_scenarios
    from intents.catalog import CatalogError, load_catalog

    settings = get_config(config)
    targets = paths or [SHIPPED_PHRASES]
    problems: list[str] = []
    table = folding_table("话术库", "路径", "意图", "话题", "例句", "回复")
    practice = folding_table("练习场景", "难度", "话术库", "轮数", "文件")
    catalogs = folding_table("商品目录", "商品", "有尺码表")
    splits = [_library_paths(target) for target in targets]
    for library_path in (path for libraries, _, _ in splits for path in libraries):
        lib, found = check_library(library_path)  # schema, lint and punctuation at once
        problems += [str(p) for p in found]
        if lib is None:
            continue
        examples = sum(len(i.examples) for i in lib.intents)
        replies = sum(1 for _ in lib.all_replies()) - len(lib.fallback)
        table.add_row(
            lib.id,
            str(library_path),
            str(len(lib.intents)),
            str(len(lib.topics)),
            str(examples),
            str(replies),
        )
    scenario_paths = [path for _, scenarios, _ in splits for path in scenarios]
    # A scenario names its library; the config may point that name at another folder.
    named = settings.library.paths if scenario_paths else {}
    for scenario_path in scenario_paths:
        try:
            scenarios = load_scenarios(scenario_path, libraries=named)
        except LibraryError as exc:
            problems += [str(p) for p in exc.problems]
            continue
        for s in scenarios:
            where = s.path.name if s.path else ""
            practice.add_row(s.id, f"{s.level} {s.level_name}", s.library, str(len(s.turns)), where)
    catalog_paths = [path for _, _, found in splits for path in found]
    if not paths and settings.library.catalog:
        catalog_paths.append(settings.library.catalog)
    for catalog_path in dict.fromkeys(catalog_paths):
        try:
            catalog = load_catalog(catalog_path)
        except CatalogError as exc:
            problems += [str(p) for p in exc.problems]
            continue
        charted = sum(1 for p in catalog.products if p.sizes)
        catalogs.add_row(str(catalog_path), str(len(catalog)), str(charted))
    if problems:
        for problem in problems:
            err.print(problem, markup=False)
        raise typer.Exit(1)
    for done in (table, practice, catalogs):
        if done.row_count:
            out.print(done)
    out.print("全部通过。")


def _library_paths(target: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """Split a target into libraries, practice-scenario sources and catalogues.

    A ``practice/`` folder, a file in one, or a file with a top-level ``scenario:`` key holds
    scenarios; a ``catalog/`` folder's files, or a file with a top-level ``products:`` key, are
    catalogues. Any other file is one library; a folder is one library (its own *.yaml) plus
    what its sub-folders hold.
    """
    if not target.is_dir():
        try:
            text = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""  # the library loader reports what is wrong with it
        lines = text.splitlines()
        if target.parent.name == "practice" or any(x.startswith("scenario:") for x in lines):
            return [], [target], []
        if target.parent.name == "catalog" or any(x.startswith("products:") for x in lines):
            return [], [], [target]
        return [target], [], []
    if target.name == "practice":
        return [], [target], []
    if target.name == "catalog":
        return [], [], sorted(target.glob("*.y*ml"))
    libraries = [target] if any(target.glob("*.y*ml")) else []
    scenarios: list[Path] = []
    catalogs: list[Path] = []
    for sub in sorted(p for p in target.iterdir() if p.is_dir()):
        more_libraries, more_scenarios, more_catalogs = _library_paths(sub)
        libraries += more_libraries
        scenarios += more_scenarios
        catalogs += more_catalogs
    if not libraries and not scenarios and not catalogs:
        libraries = [target]  # the loader says the folder holds no library
    return libraries, scenarios, catalogs


@app.command(name="eval")
def evaluate_cmd(
    file: Annotated[
        Path,
        typer.Argument(
            help="带标注的 TSV（文本<TAB>意图[<TAB>标签]），或答案文件（text/product/…/facts）"
        ),
    ],
    config: ConfigOption = None,
    library: LibraryOption = None,
    catalog: CatalogOption = None,
    errors: Annotated[int, typer.Option(help="列出多少条判错的句子")] = 0,
    baseline: Annotated[bool, typer.Option(help="同时评测 TF-IDF 基线")] = True,
    unseen: Annotated[
        bool, typer.Option(help="只评测和话术库例句不完全相同的行（规范化之后比较）")
    ] = False,
) -> None:
    """评测识别准确率：带标注的 TSV，与 TF-IDF + 逻辑回归基线并排；
    或答案文件：第一条回复带上所需事实的比例。"""
    from bot.answers import is_answers_file
    from bot.evaluation import Baseline, baseline_missing, evaluate, matcher_predict, read_tsv
    from bot.evaluation import Report as EvalReport

    if not file.is_file():
        fail(f"{file}: 找不到这个文件", 2)
    if is_answers_file(file):
        _evaluate_answers(file, get_config(config), library, catalog, errors)
        return
    try:
        rows = read_tsv(file)
    except (OSError, ValueError) as exc:
        fail(str(exc), 2)
    assistant = get_assistant(get_config(config), library, catalog)
    ids = assistant.library.intent_ids
    known = f"（可用：{'、'.join(ids)}，或 none）"
    unknown = [
        f"{file}:{r.line}: 话术库 {assistant.library.id} 里没有意图 {i!r}{known}"
        for r in rows
        for i in r.intents
        if i not in ids
    ]
    if unknown:
        fail("\n".join(unknown), 2)
    if unseen:
        known = {normalize(e) for i in assistant.library.intents for e in i.examples}
        known |= {normalize(e) for e in assistant.library.out_of_scope}
        kept = [row for row in rows if normalize(row.text) not in known]
        out.print(f"--unseen：跳过 {len(rows) - len(kept)} 行与例句相同的句子")
        rows = kept
    missing = baseline_missing() if baseline else None
    if missing:
        err.print(missing, markup=False)  # markup=False: rich would eat "[dev]" as a tag
    with _progress() as progress:

        def judged(name: str, predict: Callable[[str], list[str]]) -> EvalReport:
            task = progress.add_task(f"{name} 逐行评测", total=len(rows))
            report = evaluate(
                name, rows, predict, progress=lambda n: progress.update(task, completed=n)
            )
            progress.remove_task(task)
            return report

        reports = [judged("csbot", matcher_predict(assistant.matcher))]
        if baseline and not missing:
            training = progress.add_task("训练 TF-IDF+LR 基线（约 20 秒）", total=None)
            model = Baseline(assistant.library)
            progress.remove_task(training)
            reports.append(judged("TF-IDF+LR", model.predict))
    table = Table(f"{file.name}（{len(rows)} 行）", *(r.name for r in reports), show_edge=False)

    table.add_row("有意图：第一名对", *(share(r.top1, r.top1_correct, r.in_scope) for r in reports))
    table.add_row(
        "无意图：不作答", *(share(r.abstain, r.abstained, r.out_of_scope) for r in reports)
    )
    table.add_row(
        "多意图：一个不差", *(share(r.multi_exact_rate, r.multi_exact, r.multi) for r in reports)
    )
    table.add_row(
        "有意图：需要全对不多",
        *(share(r.needs_exact_rate, r.needs_exact, r.asked) for r in reports),
    )
    table.add_row("全部行", *(f"{r.overall:.1%}" for r in reports))
    for tag in sorted({t for r in reports for t in r.by_tag}):
        cells = []
        for r in reports:
            right, total = r.by_tag.get(tag, (0, 0))
            cells.append(share(right / total, right, total) if total else "")
        table.add_row(f"  标签 {tag}", *cells)
    ours = reports[0]
    labels = sorted({g for g, _ in ours.confusion} | {p for _, p in ours.confusion})
    confusion = Table(
        "标注 \\ 预测", *labels, title="csbot 混淆表（单意图和 none 行的第一名）", show_edge=False
    )
    for gold in labels:
        if any(g == gold for g, _ in ours.confusion):
            confusion.add_row(gold, *(str(ours.confusion[(gold, p)] or "") for p in labels))
    Console(highlight=False, width=max(out.width, 14 + 13 * len(labels))).print(confusion)
    for text, gold, predicted in ours.errors[:errors]:
        out.print(f"{gold:>22} → {predicted:<22} {text}", markup=False)
    out.print(table)  # last, so the headline figures are what a terminal or `tail` shows


def share(rate: float, right: int, total: int) -> str:
    """73.1%（68/73）: a share with what it counts, as the tables print it."""
    return f"{rate:.1%}（{right}/{total}）"


def _progress() -> Progress:
    """What every long run shows on stderr while it works; gone when done, stdout stays clean."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def _evaluate_answers(
    file: Path, settings: Config, library: Path | None, catalog: Path | None, errors: int
) -> None:
    from bot.answers import answer_all, read_answers

    try:
        questions = read_answers(file)
    except (OSError, ValueError) as exc:
        fail(str(exc), 2)
    assistant = get_assistant(settings, library, catalog)
    answered = answer_all(assistant, questions, idle_seconds=settings.library.context_minutes * 60)
    groups = {
        "不带商品": [a for a in answered if not a.product and not a.question.conversation],
        "带商品（指定、链接或商品名）": [
            a for a in answered if a.product and not a.question.conversation
        ],
        "对话中": [a for a in answered if a.question.conversation],
    }
    shown = 0
    for a in answered:
        if not a.ok and shown < errors:
            shown += 1
            out.print(
                f"{file.name}:{a.question.line}: {a.question.text} → 缺 {'|'.join(a.missing)}："
                f"{a.reply}",
                markup=False,
            )
    table = Table(f"{file.name}（{len(answered)} 问）", "首条回复答对", show_edge=False)
    for name, group in groups.items():
        if group:
            right = sum(a.ok for a in group)
            table.add_row(name, share(right / len(group), right, len(group)))
    right = sum(a.ok for a in answered)
    table.add_row("全部", share(right / len(answered), right, len(answered)) if answered else "")
    out.print(table)


@app.command()
def bench(
    library: LibraryOption = None,
    config: ConfigOption = None,
    catalog: CatalogOption = None,
    count: Annotated[int, typer.Option(help="每个话术库测多少条消息")] = 5000,
    sizes: Annotated[str, typer.Option(help="合成话术库的例句数，逗号分隔")] = "10000,100000",
    baseline: Annotated[
        bool, typer.Option(help="同时测 TF-IDF 基线（10 万例句时训练较慢）")
    ] = True,
    bot: Annotated[
        bool, typer.Option("--bot", help="改测机器人：经本机假 Bot API 的往返延迟，1/10/50 个聊天")
    ] = False,
    report: Annotated[
        int, typer.Option("--report", help="改测报表：先写入这么多条消息，再计时出一次报表")
    ] = 0,
    faults: Annotated[
        bool,
        typer.Option(
            "--faults", help="改测可靠性：成批消息中途 kill -9、伪造的更新、每个 Bot API 方法答错"
        ),
    ] = False,
    workers: Annotated[
        bool,
        typer.Option(
            "--workers",
            help="改测 webhook 多进程：1 个对 2 个工作进程、SQLite 对 PostgreSQL，50 和 500 个聊天",
        ),
    ] = False,
    postgres: Annotated[
        str | None,
        typer.Option(help="--workers 用的 PostgreSQL 网址（默认临时启动一个）"),
    ] = None,
    redis: Annotated[
        str | None, typer.Option(help="--workers 用的 Redis 网址（默认临时启动一个）")
    ] = None,
) -> None:
    """测速度：各话术库规模下的延迟（中位数、p99）、每秒消息数和冷启动时间；也可测机器人、报表和可靠性。"""
    from bot.bench import bench as run_bench
    from bot.bench import bench_bot, bench_report, bench_steps, machine
    from bot.evaluation import baseline_missing

    if workers:
        from bot.bench_workers import print_workers

        try:
            print_workers(out, machine(), postgres=postgres, redis=redis, messages=count // 5)
        except RuntimeError as exc:
            fail(str(exc))
        return
    if faults:
        from bot.bench_faults import print_faults

        print_faults(out, machine())
        return
    if report:
        out.print(f"机器：{machine()}")
        with _progress() as progress:
            task = progress.add_task(f"写入 {report:,} 条消息，再出一次全量报表", total=report)
            stored, load_s, report_s = bench_report(
                report, stored=lambda n: progress.advance(task, n)
            )
        out.print(f"写入 {stored:,} 条消息用时 {load_s:.1f} s；全量报表用时 {report_s:.2f} s")
        return
    if bot:
        out.print(f"机器：{machine()}；机器人和假 Bot API 各一个进程，走 127.0.0.1")
        out.print("每个聊天约每秒贴一条顾客消息（客服的节奏）；满载 = 收到回复立刻再发")
        table = Table(
            "并发聊天", "更新数", "p50 ms", "p99 ms", "更新/秒", "满载 更新/秒", show_edge=False
        )
        with _progress() as progress:
            task = progress.add_task("机器人往返", total=4)

            def step(name: str) -> None:
                progress.update(task, description=name, advance=1)

            rows = bench_bot([1, 10, 50], per_chat=max(4, count // 250), step=step)
        for r in rows:
            table.add_row(
                str(r.chats),
                str(r.updates),
                f"{r.p50_ms:.1f}",
                f"{r.p99_ms:.1f}",
                f"{r.per_second:,.0f}",
                f"{r.saturated_per_second:,.0f}",
            )
        out.print(table)
        return
    settings = get_config(config)
    path = library or settings.library_path()
    wanted = [int(s) for s in sizes.split(",") if s.strip()]
    out.print(f"机器：{machine()}；单进程单线程（一个核）")
    missing = baseline_missing() if baseline else None
    if missing:
        err.print(missing, markup=False)
    with_baseline = baseline and not missing
    shelf = catalog or settings.library.catalog or SHIPPED_PHRASES / "catalog" / "catalog.yaml"
    with _progress() as progress:
        task = progress.add_task("准备", total=bench_steps(wanted, baseline=with_baseline))

        def phase(name: str) -> None:
            progress.update(task, description=name, advance=1)

        rows, cold = run_bench(
            path, wanted, count=count, baseline=with_baseline, step=phase, catalog_path=shelf
        )
    table = Table(
        "话术库", "例句", "引擎", "建索引 s", "p50 ms", "p99 ms", "条/秒", show_edge=False
    )
    for r in rows:
        table.add_row(
            r.library,
            f"{r.examples:,}",
            r.engine,
            f"{r.build_s:.2f}",
            f"{r.p50_ms:.3f}",
            f"{r.p99_ms:.3f}",
            f"{r.per_second:,.0f}",
        )
    out.print(table)
    out.print(f"冷启动（新进程，从 import 到第一条回复，含商品目录 {shelf}）：{cold:.2f} s")


@app.command()
def practice(
    config: ConfigOption = None,
    scenario: Annotated[str | None, typer.Option(help="场景 id（不填则列出来选）")] = None,
    name: Annotated[str, typer.Option(help="练习者的名字，用于记录进度")] = "控制台",
) -> None:
    """练习模式：助手扮演顾客，计时、打分，并说明哪里可以更好。"""
    import asyncio

    from bot.cli.practice import UnknownScenario, run_console
    from bot.storage import DATABASE_ERRORS, StorageUnavailableError

    settings = get_config(config)
    try:
        asyncio.run(run_console(settings, scenario_id=scenario, name=name, out=out))
    except (LibraryError, StorageUnavailableError) as exc:
        fail(str(exc))
    except UnknownScenario as exc:
        fail(str(exc), 2)
    except (OSError, *DATABASE_ERRORS) as exc:
        fail(f"数据库 {settings.storage.database} 出错：{exc}（练习记录没能保存）")


app.command(name="report")(report_command)
app.command(name="learn")(learn_command)
app.add_typer(import_app, name="import")
app.add_typer(catalog_app, name="catalog")


def main() -> None:
    app()
