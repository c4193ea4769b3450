"""Does `csbot learn` help on a real shop's history? K-fold by dialogue over ECD_sample/train.

The E-commerce Dialogue Corpus sample (fetch it with the search tool:
``fetch github:cooelf/DeepUtteranceAggregation``, file ``ECD_sample/train``) holds 77 real
Taobao dialogues, each twice (with the agent's real next reply, label 1, and with a random one,
label 0). Its customer messages are labelled by SHA-1 in ``tests/data/ecd_dev_labels.tsv``.

For each fold the other folds' dialogues become a history CSV (the format of
``tests/data/history.csv``), ``csbot import csv`` stores it in a fresh SQLite file, ``csbot
learn`` writes ``learned.yaml`` into a copy of the library, and the held-out fold's labelled
customer messages are scored (as ``csbot eval`` does) with the copy before and after:

    .venv/bin/python tools/ecd_learn.py --corpus /tmp/ecd/train [--folds 3] [--show]

Dialogues that share a customer message are kept in one fold, so no held-out message is in the
history it is measured against. Nothing of the corpus is written outside a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import shutil
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # ecd_dev beside this file

from ecd_dev import FORBIDDEN, LABELS, desegment, message_key, read_labels

ROOT = Path(__file__).resolve().parent.parent
PHRASES = ROOT / "phrases"
#: When the first dialogue of a history starts; each turn is a minute after the one before.
START = datetime(2024, 6, 1, 9, 0)
AGENT = "客服小美"


@dataclass(frozen=True, slots=True)
class Dialogue:
    """One dialogue of the corpus: its turns (customer first), the agent's real last reply."""

    number: int  # order of first appearance in the corpus, from 0
    turns: tuple[str, ...]  # de-segmented; even positions are the customer's
    reply: str = ""  # the label-1 response: what the agent answered the last customer turn

    @property
    def customer(self) -> tuple[str, ...]:
        return self.turns[0::2]


def dialogues(lines: Iterable[str]) -> list[Dialogue]:
    """Distinct dialogues in corpus order; a dialogue's label-1 line gives its real reply.

    >>> rows = ["0\\t在 吗\\t在 的\\t有 货 吗\\t没 了", "1\\t在 吗\\t在 的\\t有 货 吗\\t有 的 亲"]
    >>> [(d.turns, d.reply) for d in dialogues(rows)]
    [(('在吗', '在的', '有货吗'), '有的亲')]
    """
    found: dict[tuple[str, ...], str] = {}
    for line in lines:
        fields = line.rstrip("\r\n").split("\t")
        if len(fields) < 3:
            continue
        turns = tuple(desegment(t) for t in fields[1:-1])
        reply = found.setdefault(turns, "")
        if fields[0] == "1" and not reply:
            found[turns] = desegment(fields[-1])
    return [Dialogue(n, turns, reply) for n, (turns, reply) in enumerate(found.items())]


def assign_folds(items: Sequence[Dialogue], k: int) -> list[int]:
    """The fold of each dialogue: those sharing any customer message go together, and the
    groups, largest first, each go to the fold with the fewest dialogues so far (lowest first).

    >>> ds = dialogues(["1\\t在吗\\t在\\t好\\tx", "1\\t在吗\\t在\\t贵\\tx", "1\\t你好\\tx"])
    >>> assign_folds(ds, 2)
    [0, 0, 1]
    """
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, dialogue in enumerate(items):
        for text in dialogue.customer:
            key = message_key(text)
            if key in owner:
                parent[root(i)] = root(owner[key])
            else:
                owner[key] = i
    groups: dict[int, list[int]] = {}
    for i in range(len(items)):
        groups.setdefault(root(i), []).append(i)
    fold_of = [0] * len(items)
    sizes = [0] * k
    for members in sorted(groups.values(), key=lambda m: (-len(m), m[0])):
        fold = min(range(k), key=lambda f: (sizes[f], f))
        sizes[fold] += len(members)
        for i in members:
            fold_of[i] = fold
    return fold_of


def history_csv(items: Iterable[Dialogue]) -> str:
    """The dialogues as ``csbot import csv`` reads them, one conversation each, turns a minute
    apart, the agent's real reply after the last customer turn when the corpus has it.

    >>> print(history_csv(dialogues(["1\\t在 吗\\t在 的\\t有 货 吗\\t有 的"])), end="")
    timestamp,conversation,role,sender,text
    2024-06-01 09:00:00,ecd-000,customer,买家000,在吗
    2024-06-01 09:01:00,ecd-000,agent,客服小美,在的
    2024-06-01 09:02:00,ecd-000,customer,买家000,有货吗
    2024-06-01 09:03:00,ecd-000,agent,客服小美,有的
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["timestamp", "conversation", "role", "sender", "text"])
    when = START
    for dialogue in items:
        conversation = f"ecd-{dialogue.number:03d}"
        buyer = f"买家{dialogue.number:03d}"
        turns = [*dialogue.turns, dialogue.reply] if dialogue.reply else list(dialogue.turns)
        for n, text in enumerate(turns):
            if not text:
                continue
            role, sender = ("customer", buyer) if n % 2 == 0 else ("agent", AGENT)
            writer.writerow([when.strftime("%Y-%m-%d %H:%M:%S"), conversation, role, sender, text])
            when += timedelta(minutes=1)
        when += timedelta(hours=1)  # the next conversation starts well apart
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class FoldResult:
    fold: int
    dialogues: int
    history: int  # customer messages `csbot learn` read
    placed: int  # confident phrasings written under learned:
    before: object  # bot.evaluation.Report
    after: object
    learned: tuple[tuple[str, str], ...]  # (intent[/topic], example)
    ceiling: object = None  # the history's missed messages with their true labels as examples


def run_fold(
    fold: int,
    train: Sequence[Dialogue],
    rows: Sequence[object],
    work: Path,
    library: Path,
    *,
    truth: dict[str, tuple[str, ...]] | None = None,
) -> FoldResult:
    """Import, learn and evaluate one fold inside ``work`` (a temporary folder). With ``truth``
    (sha1 → intents) also the ceiling: a perfect learner's file, every history message the
    library gets wrong filed under its one true intent."""
    import yaml

    from bot.config import load_config
    from bot.evaluation import evaluate
    from bot.learning import learned_file
    from bot.learning.propose import Learner, rounds
    from bot.service_time.imports import read_csv, store
    from bot.storage import open_storage
    from intents import load_library

    lib = work / "lib"
    lib.mkdir()
    for file in sorted(library.glob("*.yaml")):
        shutil.copy(file, lib)
    config_file = work / "config.yaml"
    config_file.write_text(f"storage:\n  database: {work / 'csbot.db'}\n", encoding="utf-8")
    settings = load_config(config_file)
    history = work / "history.csv"
    history.write_text(history_csv(train), encoding="utf-8")
    before = _evaluate(settings, lib, rows, evaluate)

    # csbot import csv, then csbot learn --library lib --out lib/learned.yaml, as bot/cli does
    parsed = read_csv(history, timezone=settings.service_targets.timezone)

    async def load() -> object:
        async with open_storage(settings.storage.database) as storage:
            await store(storage, parsed)
            return await storage.learning_rows(since=None)

    stored = asyncio.run(load())
    out = lib / "learned.yaml"
    base = load_library(lib, exclude=[out])
    learner = Learner(base, values=settings.library.values, threshold=settings.matcher.threshold)
    proposals = learner.propose(rounds(stored))
    learned_file.write(out, learned_file.document(base.id, proposals))
    after = _evaluate(settings, lib, rows, evaluate)
    data = yaml.safe_load(out.read_text(encoding="utf-8")) or {}
    learned = tuple(
        (item["intent"] + (f"/{item['topic']}" if item.get("topic") else ""), example)
        for item in data.get("learned") or []
        for example in item.get("examples") or []
    )
    ceiling = None
    if truth is not None:
        top = lib.parent / "ceiling"
        top.mkdir()
        for file in sorted(library.glob("*.yaml")):
            shutil.copy(file, top)
        matcher = _assistant(settings, top).matcher
        missed: dict[str, list[str]] = {}
        for text in dict.fromkeys(t for d in train for t in d.customer):
            intents = truth.get(message_key(text), ())
            got = [m.intent for m in matcher.match(text, limit=1)]
            if len(intents) == 1 and got != list(intents):
                missed.setdefault(intents[0], []).append(text)
        items = [{"intent": i, "examples": e} for i, e in missed.items()]
        document = {"version": 1, "library": base.id, "learned": items}
        (top / "learned.yaml").write_text(
            yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        ceiling = _evaluate(settings, top, rows, evaluate)
    return FoldResult(
        fold, 0, proposals.messages, proposals.learned_examples, before, after, learned, ceiling
    )


def _assistant(settings: object, lib: Path) -> object:
    """The assistant `csbot eval --library lib` builds."""
    from bot.assistants import Assistants

    config = replace(settings, library=replace(settings.library, default="ecd", paths={"ecd": lib}))
    return Assistants(config).get()


def _evaluate(settings: object, lib: Path, rows: Sequence[object], evaluate: object) -> object:
    from bot.evaluation import matcher_predict

    return evaluate("csbot", rows, matcher_predict(_assistant(settings, lib).matcher))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="在真实店铺对话（ECD 样本）上按对话交叉验证 csbot learn"
    )
    parser.add_argument("--corpus", type=Path, required=True, help="ECD_sample/train 的路径")
    parser.add_argument("--folds", type=int, default=3, help="折数（默认 3）")
    parser.add_argument("--labels", type=Path, default=LABELS, help="sha1<TAB>意图 的标注文件")
    parser.add_argument(
        "--library", type=Path, default=PHRASES, help="话术库文件夹（默认 phrases/）"
    )
    parser.add_argument("--show", action="store_true", help="列出学到的说法和评测变化的句子")
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="另算上限：把历史里判错的顾客消息按真实标注直接当例句（完美的学习）",
    )
    args = parser.parse_args(argv)
    if args.corpus.name in FORBIDDEN:
        print(f"{args.corpus}: 只能用 ECD_sample/train，test/valid 是留出集的来源", file=sys.stderr)
        return 2
    if args.folds < 2:
        print(f"--folds {args.folds}：至少要 2 折", file=sys.stderr)
        return 2
    try:
        with args.corpus.open(encoding="utf-8") as handle:
            items = dialogues(handle)
        labels = {label.sha1: label for label in read_labels(args.labels)}
    except OSError as exc:
        print(
            f"读不了文件：{exc}；先用搜索工具 fetch github:cooelf/DeepUtteranceAggregation "
            "取得 ECD_sample/train",
            file=sys.stderr,
        )
        return 2
    except (UnicodeDecodeError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2

    from rich.console import Console
    from rich.table import Table

    from bot.evaluation import Labelled

    fold_of = assign_folds(items, args.folds)
    results = []
    with tempfile.TemporaryDirectory(prefix="ecd-learn-") as tmp:
        for fold in range(args.folds):
            held = [d for d, f in zip(items, fold_of, strict=True) if f == fold]
            train = [d for d, f in zip(items, fold_of, strict=True) if f != fold]
            rows, seen = [], set()
            for dialogue in held:
                for text in dialogue.customer:
                    key = message_key(text)
                    label = labels.get(key)
                    if label is not None and key not in seen:
                        seen.add(key)
                        rows.append(Labelled(text, label.intents, label.tags, label.line))
            work = Path(tmp) / f"fold{fold}"
            work.mkdir()
            truth = {key: label.intents for key, label in labels.items()} if args.ceiling else None
            result = run_fold(fold, train, rows, work, args.library, truth=truth)
            results.append(replace(result, dialogues=len(held)))
            if args.show:
                _show(result)
    table = Table(
        title=f"csbot learn 在 ECD 真实对话上（{len(items)} 段对话，{args.folds} 折，按对话分折）",
        show_edge=False,
    )
    for name in ("折", "留出对话", "读到消息", "学到说法"):
        table.add_column(name, justify="right")
    for name in ("第一名对·前", "·后", "不作答·前", "·后"):
        table.add_column(name, justify="right")
    if args.ceiling:
        table.add_column("上限·第一名对", justify="right")
        table.add_column("上限·不作答", justify="right")

    def cells(reports: Sequence[object]) -> list[str]:
        right = sum(r.top1_correct for r in reports)
        total = sum(r.in_scope for r in reports)
        quiet = sum(r.abstained for r in reports)
        none = sum(r.out_of_scope for r in reports)
        return [_share(right, total), "", _share(quiet, none), ""]

    for r in results:
        b, a, c = r.before, r.after, r.ceiling
        top = [_share(c.top1_correct, c.in_scope), _share(c.abstained, c.out_of_scope)] if c else []
        table.add_row(
            str(r.fold + 1),
            str(r.dialogues),
            str(r.history),
            str(r.placed),
            _share(b.top1_correct, b.in_scope),
            _share(a.top1_correct, a.in_scope),
            _share(b.abstained, b.out_of_scope),
            _share(a.abstained, a.out_of_scope),
            *top,
        )
    b, a = [r.before for r in results], [r.after for r in results]
    pooled_before, pooled_after = cells(b), cells(a)
    table.add_row(
        "合计",
        str(sum(r.dialogues for r in results)),
        str(sum(r.history for r in results)),
        str(sum(r.placed for r in results)),
        pooled_before[0],
        pooled_after[0],
        pooled_before[2],
        pooled_after[2],
        *(cells([r.ceiling for r in results])[0::2] if args.ceiling else []),
    )
    Console(highlight=False, width=max(Console().width, 160)).print(table)
    return 0


def _share(right: int, total: int) -> str:
    return f"{right / total:.1%}（{right}/{total}）" if total else "—"


def _show(result: FoldResult) -> None:
    print(f"— 第 {result.fold + 1} 折：学到 {len(result.learned)} 条")
    for where, example in result.learned:
        print(f"  {where:<24} {example}")
    before = {text: (gold, got) for text, gold, got in result.before.errors}
    after = {text: (gold, got) for text, gold, got in result.after.errors}
    for text in sorted(
        set(before) ^ set(after) | {t for t in before if t in after and before[t] != after[t]}
    ):
        gold, was = before.get(text, (None, "对"))
        gold2, now = after.get(text, (None, "对"))
        print(f"  {gold or gold2:>12}: {was} → {now}  {text}")


if __name__ == "__main__":
    sys.exit(main())
