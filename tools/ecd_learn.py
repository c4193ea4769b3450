"""Measure `csbot learn` on a real shop history: the public ECD sample, k-fold by dialogue.

For each fold, the other folds' dialogues (customer and agent turns, as the shop's chats would
be exported) go through `csbot import csv` into a throw-away database, `csbot learn` writes
`learned.yaml` into a copy of the library, and the fold's own labelled customer messages
(`tests/data/ecd_dev_labels.tsv`) are matched with the library before and after, its confident
proposals taken unreviewed. Dialogues that share a customer turn stay in one fold, so no
message is learned from and then judged.

    .venv/bin/python tools/ecd_learn.py --corpus PATH/ECD_sample/train [--folds 2] [--ceiling]

``--ceiling`` adds what a perfect learner would reach: every history message the library gets
wrong, filed under its one labelled need as an example. Where that barely moves, the held-out
dialogues ask what the history never asked, and no learning rule can do better.

The corpus is research-only: nothing of it is written outside the temporary folder.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ecd_dev

from bot.evaluation import Labelled, Report, evaluate, matcher_predict
from intents import Matcher, load_library

ROOT = Path(__file__).resolve().parent.parent
Dialogue = tuple[str, ...]  # customer, agent, customer, …: de-segmented turns


def dialogues(lines: Iterable[str]) -> list[Dialogue]:
    """Each session once: the true pairs' context plus response, no session twice as a prefix.

    >>> dialogues(["1\\t在 吗\\t在 的\\t包邮 吗\\t满 99 包邮", "0\\t在 吗\\t在 的\\t包邮 吗\\t不"])
    [('在吗', '在的', '包邮吗', '满 99 包邮')]
    """
    sessions = []
    for line in lines:
        fields = line.rstrip("\r\n").split("\t")
        if fields[0] == "1" and len(fields) >= 3:
            sessions.append(tuple(ecd_dev.desegment(t) for t in fields[1:]))
    sessions = list(dict.fromkeys(sessions))
    return [
        s
        for s in sessions
        if not any(o != s and len(o) > len(s) and o[: len(s)] == s for o in sessions)
    ]


def folds(sessions: Sequence[Dialogue], k: int) -> list[int]:
    """A fold per session: sessions sharing a customer turn share a fold (union-find)."""
    parent = list(range(len(sessions)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, session in enumerate(sessions):
        for turn in session[0::2]:
            j = first.setdefault(turn, i)
            parent[root(i)] = root(j)
    groups = sorted({root(i) for i in range(len(sessions))})
    fold_of_group = {g: n % k for n, g in enumerate(groups)}
    return [fold_of_group[root(i)] for i in range(len(sessions))]


def write_history(sessions: Iterable[Dialogue], path: Path) -> int:
    """The sessions as a `csbot import csv` file; returns how many customer messages."""
    start = datetime(2024, 6, 1, 9, 0, 0)
    customers = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["timestamp", "conversation", "role", "sender", "text"])
        for n, session in enumerate(sessions):
            at = start + timedelta(hours=n)
            for i, turn in enumerate(session):
                at += timedelta(seconds=15)
                customer = i % 2 == 0
                customers += customer
                role, sender = ("customer", f"buyer{n}") if customer else ("agent", "客服")
                out.writerow([at.strftime("%Y-%m-%d %H:%M:%S"), f"ecd-{n}", role, sender, turn])
    return customers


def _csbot(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=ROOT
    )
    if done.returncode != 0:
        raise SystemExit(f"csbot {' '.join(args)} 失败：{done.stderr.strip()}")


def judged(library: Path, rows: list[Labelled], name: str) -> Report:
    matcher = Matcher(load_library(library))
    return evaluate(name, rows, matcher_predict(matcher))


@dataclass(frozen=True, slots=True)
class Fold:
    history: int  # customer messages learned from
    placed: int  # phrasings `csbot learn` placed with confidence
    before: Report
    after: Report
    ceiling: Report | None = None  # the history's missed messages, truly labelled, as examples


def measure(
    sessions: Sequence[Dialogue],
    labels: dict[str, ecd_dev.Label],
    k: int,
    library: Path,
    keep: Path | None = None,
    *,
    ceiling: bool = False,
) -> list[Fold]:
    """Learn from all folds but one and judge that one, for each of the ``k`` folds."""
    fold = folds(sessions, k)
    out = []
    for n in range(k):
        train = [s for s, f in zip(sessions, fold, strict=True) if f != n]
        held = [s for s, f in zip(sessions, fold, strict=True) if f == n]
        rows: dict[str, Labelled] = {}
        for session in held:
            for turn in session[0::2]:
                label = labels.get(ecd_dev.message_key(turn))
                if label is not None:
                    rows.setdefault(
                        label.sha1, Labelled(turn, label.intents, label.tags, label.line)
                    )
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            customers = write_history(train, work / "history.csv")
            config = work / "config.yaml"
            config.write_text(f"storage:\n  database: {work / 'history.db'}\n", encoding="utf-8")
            copy = work / "library"
            shutil.copytree(library, copy)
            _csbot("import", "csv", str(work / "history.csv"), "--config", str(config))
            before = judged(copy, list(rows.values()), "before")
            learned = copy / "learned.yaml"
            _csbot("learn", "--library", str(copy), "--out", str(learned), "--config", str(config))
            proposals = yaml.safe_load(learned.read_text(encoding="utf-8")) or {}
            placed = sum(len(item.get("examples", ())) for item in proposals.get("learned") or ())
            after = judged(copy, list(rows.values()), "after")
            top = None
            if ceiling:
                perfect = work / "perfect"
                shutil.copytree(library, perfect)
                _perfect_file(perfect, train, labels)
                top = judged(perfect, list(rows.values()), "ceiling")
            if keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(learned, keep / f"learned-{n + 1}.yaml")
        out.append(Fold(customers, placed, before, after, top))
    return out


def _perfect_file(
    library: Path, train: Iterable[Dialogue], labels: dict[str, ecd_dev.Label]
) -> int:
    """Writes ``learned.yaml`` with each history message of one labelled need the library's
    first answer gets wrong, under that need; returns how many."""
    lib = load_library(library)
    matcher = Matcher(lib)
    missed: dict[str, list[str]] = {}
    for turn in dict.fromkeys(t for session in train for t in session[0::2]):
        label = labels.get(ecd_dev.message_key(turn))
        if label is None or len(label.intents) != 1:
            continue
        if [m.intent for m in matcher.match(turn, limit=1)] != list(label.intents):
            missed.setdefault(label.intents[0], []).append(turn)
    items = [{"intent": intent, "examples": examples} for intent, examples in missed.items()]
    document = {"version": 1, "library": lib.id, "learned": items}
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    (library / "learned.yaml").write_text(text, encoding="utf-8")
    return sum(len(examples) for examples in missed.values())


def _pooled(reports: Iterable[Report], right: str, total: str) -> float:
    reports = list(reports)
    return sum(getattr(r, right) for r in reports) / max(1, sum(getattr(r, total) for r in reports))


def _ceiling(reports: list[Report]) -> list[str]:
    if not reports:
        return []
    return [
        f"{_pooled(reports, 'top1_correct', 'in_scope'):.1%}",
        f"{_pooled(reports, 'abstained', 'out_of_scope'):.1%}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="ECD_sample/train 的路径")
    parser.add_argument("--folds", type=int, default=2)
    parser.add_argument("--library", type=Path, default=ROOT / "phrases")
    parser.add_argument("--labels", type=Path, default=ecd_dev.LABELS)
    parser.add_argument(
        "--keep", type=Path, help="每折的 learned.yaml 另存到这个文件夹（放在仓库外：含语料原文）"
    )
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="另算上限：把历史里判错的买家消息按真实标注直接当例句（完美的学习）",
    )
    args = parser.parse_args(argv)
    if args.folds < 2:
        print(f"--folds {args.folds}：至少要 2 折", file=sys.stderr)
        return 2
    if args.corpus.name in ecd_dev.FORBIDDEN:
        print(f"{args.corpus}：只能用 ECD_sample/train", file=sys.stderr)
        return 2
    sessions = dialogues(args.corpus.read_text(encoding="utf-8").splitlines())
    labels = {label.sha1: label for label in ecd_dev.read_labels(args.labels)}
    results = measure(sessions, labels, args.folds, args.library, args.keep, ceiling=args.ceiling)
    columns = ["折", "学自（买家消息）", "学到", "第一名对 前→后", "不作答 前→后"]
    if args.ceiling:
        columns += ["上限：第一名对", "上限：不作答"]
    table = Table(
        *columns,
        title=f"csbot learn 在真实历史上（ECD 样本，{len(sessions)} 段对话，{args.folds} 折）",
    )
    for n, r in enumerate(results, 1):
        b, a = r.before, r.after
        table.add_row(
            str(n),
            str(r.history),
            f"{r.placed} 条",
            f"{b.top1:.1%} → {a.top1:.1%}（{b.in_scope} 条）",
            f"{b.abstain:.1%} → {a.abstain:.1%}（{b.out_of_scope} 条）",
            *_ceiling([r.ceiling] if r.ceiling else []),
        )
    befores, afters = [r.before for r in results], [r.after for r in results]
    top1 = [_pooled(x, "top1_correct", "in_scope") for x in (befores, afters)]
    abstain = [_pooled(x, "abstained", "out_of_scope") for x in (befores, afters)]
    in_scope = sum(r.in_scope for r in befores)
    out_of_scope = sum(r.out_of_scope for r in befores)
    table.add_row(
        "合计",
        str(sum(r.history for r in results)),
        f"{sum(r.placed for r in results)} 条",
        f"{top1[0]:.1%} → {top1[1]:.1%}（{in_scope} 条）",
        f"{abstain[0]:.1%} → {abstain[1]:.1%}（{out_of_scope} 条）",
        *_ceiling([r.ceiling for r in results if r.ceiling]),
    )
    Console(width=max(Console().width, 132)).print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
