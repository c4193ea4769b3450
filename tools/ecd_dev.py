"""Rebuild the real-message development set from the public ECD corpus and our labels.

The E-commerce Dialogue Corpus (cooelf/DeepUtteranceAggregation, ``ECD_sample/train``) holds
real Taobao customer-service dialogues. It is licensed for research only, so its text never
enters this repository: ``tests/data/ecd_dev_labels.tsv`` keeps the SHA-1 of each labelled
customer message beside its intents, and this script joins the two again on a machine that has
fetched the corpus. The rebuilt file goes under the git-ignored ``data/``.

    python tools/ecd_dev.py --corpus PATH/ECD_sample/train --out data/ecd_dev.tsv
    csbot eval data/ecd_dev.tsv

``--unlabelled FILE`` also writes the customer messages that have no label yet (sha1, text), for
whoever labels more; keep that file outside the repository too.

Each corpus line is ``label<TAB>turn<TAB>…<TAB>response``: the turns alternate customer / agent,
start and end with the customer, and the response is a candidate agent reply. Only the customer
turns are read. ``ECD_sample/test``, ``valid`` and the JDDC files are never to be used: the
project's held-back set comes from them.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

#: The shop library's intent ids (CONTRACT §2), and the marker for a message with none of them.
INTENTS = frozenset(
    {
        "greeting",
        "price",
        "size",
        "color",
        "shipping",
        "fabric",
        "quality",
        "stock",
        "payment",
        "invoice",
        "hesitation",
        "after_sales",
        "complaint",
        "goodbye",
    }
)
NONE = "none"
LABELS = Path(__file__).resolve().parent.parent / "tests" / "data" / "ecd_dev_labels.tsv"
#: Files of the corpus that hold the project's held-back messages: refused by name.
FORBIDDEN = {"test", "valid", "dev"}

_SPACES = re.compile(r"\s+")
# ECD is word-segmented with spaces. Between two Chinese characters a space is the segmenter's;
# next to Latin letters or digits buyers type one themselves (买 40 个, OK 好的), so it stays.
_SEGMENT_SPACE = re.compile(r"(?<=[^\sA-Za-z0-9]) (?=[^\sA-Za-z0-9])")


@dataclass(frozen=True, slots=True)
class Label:
    sha1: str
    intents: tuple[str, ...]  # () for none
    tags: tuple[str, ...]
    line: int


def desegment(turn: str) -> str:
    """The message as the buyer typed it, without the corpus's word-segmentation spaces.

    >>> desegment("拍 两件 送 1 个 小样 吗")
    '拍两件送 1 个小样吗'
    """
    return _SEGMENT_SPACE.sub("", _SPACES.sub(" ", turn).strip())


def message_key(text: str) -> str:
    """SHA-1 of the message as hashed: NFKC, runs of spaces as one, trimmed; UTF-8, hex."""
    canonical = _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    return hashlib.sha1(canonical.encode("utf-8")).hexdigest()


def customer_messages(lines: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(sha1, text) of each distinct customer message, in corpus order."""
    seen: set[str] = set()
    for line in lines:
        fields = line.rstrip("\r\n").split("\t")
        turns = fields[1:-1]  # field 0 is the 0/1 label, the last a candidate agent response
        for turn in turns[0::2]:
            text = desegment(turn)
            key = message_key(text)
            if text and key not in seen:
                seen.add(key)
                yield key, text


def read_labels(path: Path) -> list[Label]:
    """Rows of ``sha1<TAB>intents[<TAB>tags]``; a bad row raises ValueError naming its line."""
    labels = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#") or (n == 1 and raw.startswith("sha1\t")):
            continue
        cells = raw.split("\t")
        if len(cells) < 2 or not re.fullmatch(r"[0-9a-f]{40}", cells[0]):
            raise ValueError(f"{path}:{n}: 需要 sha1<TAB>意图，sha1 是 40 位小写十六进制")
        names = tuple(x.strip() for x in cells[1].split(",") if x.strip())
        unknown = [x for x in names if x not in INTENTS and x != NONE]
        if not names or unknown or (NONE in names and len(names) > 1):
            raise ValueError(
                f"{path}:{n}: 意图 {cells[1]!r} 不对：用逗号分隔的意图 id，或单独一个 {NONE}"
            )
        if cells[0] in seen:
            raise ValueError(f"{path}:{n}: sha1 和第 {seen[cells[0]]} 行重复")
        seen[cells[0]] = n
        tags = tuple(t.strip() for t in cells[2].split(",") if t.strip()) if len(cells) > 2 else ()
        labels.append(Label(cells[0], tuple(x for x in names if x != NONE), tags, n))
    return labels


def rebuild(messages: dict[str, str], labels: list[Label]) -> tuple[list[str], list[Label]]:
    """The eval TSV lines (header first) and the labels whose message is not in the corpus."""
    rows = ["text\tintents\ttags"]
    missing = []
    for label in labels:
        text = messages.get(label.sha1)
        if text is None:
            missing.append(label)
            continue
        rows.append(f"{text}\t{','.join(label.intents) or NONE}\t{','.join(label.tags)}")
    return rows, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="从 ECD 语料和标注重建真实买家消息开发集")
    parser.add_argument("--corpus", type=Path, required=True, help="ECD_sample/train 的路径")
    parser.add_argument(
        "--out", type=Path, required=True, help="写出的 TSV（放在 git 忽略的 data/）"
    )
    parser.add_argument("--labels", type=Path, default=LABELS, help="sha1<TAB>意图 的标注文件")
    parser.add_argument("--unlabelled", type=Path, help="另写出还没标注的消息（sha1<TAB>文本）")
    args = parser.parse_args(argv)
    if args.corpus.name in FORBIDDEN:
        print(f"{args.corpus}：只能用 ECD_sample/train，test/valid 是留出集的来源", file=sys.stderr)
        return 2
    try:
        with args.corpus.open(encoding="utf-8") as handle:
            messages = dict(customer_messages(handle))
        labels = read_labels(args.labels)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"读不了文件：{exc}；检查路径和编码（UTF-8）", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    rows, missing = rebuild(messages, labels)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"语料里 {len(messages)} 条不同的买家消息，已标注 {len(rows) - 1} 条 → {args.out}")
    if args.unlabelled:
        done = {label.sha1 for label in labels}
        todo = [f"{key}\t{text}" for key, text in messages.items() if key not in done]
        args.unlabelled.write_text("".join(f"{row}\n" for row in todo), encoding="utf-8")
        print(f"还没标注的 {len(todo)} 条 → {args.unlabelled}")
    if missing:
        lines = ", ".join(str(label.line) for label in missing[:10])
        print(
            f"{args.labels}: {len(missing)} 条标注在语料里找不到（第 {lines} 行…）；"
            "确认 --corpus 是 ECD_sample/train",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
