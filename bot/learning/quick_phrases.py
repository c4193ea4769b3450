"""千牛 快捷短语 exports into the library: each phrase becomes a reply of the intent it answers.

The export is a CSV (UTF-8 or GBK, as Excel in China saves it) or an Excel workbook with the
columns 分组, 快捷编码 and 短语内容. The engine judges each phrase by its text (against the
library's replies) and by its 分组 name (against the intents); phrases it is unsure of are listed
for a person, and every phrase passes the reply lint (广告法 absolutes, off-platform diversion).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.learning.judge import ReplyJudge
from bot.textfiles import TextFileError, read_text
from intents import (
    Intent,
    Library,
    Matcher,
    Problem,
    Reply,
    TemplateError,
    check_replies,
    normalize,
    render,
)
from intents.library import (
    KEY_INTENT,
    KEY_LEARNED,
    KEY_LIBRARY,
    KEY_REPLIES,
    KEY_TEXT,
    KEY_TONE,
    KEY_TOPIC,
    KEY_UNSORTED,
    KEY_VERSION,
    SCHEMA_VERSION,
    TONES,
)

GROUP, CODE, TEXT = "分组", "快捷编码", "短语内容"
#: Header names seen in exports of different 千牛 versions, by the column they mean.
HEADERS = {
    GROUP: (GROUP, "分组名称", "分组名"),
    CODE: (CODE, "编码", "快捷键", "快捷短语编码"),
    TEXT: (TEXT, "短语", "内容", "快捷短语", "短语内容(必填)"),
}
#: A phrase judged by its text alone is filed when the judge is this sure.
SURE = 0.75
#: A 分组 name judged by the library's matcher counts from this score.
GROUP_THRESHOLD = 0.5
_HEADER_ROWS = 5  # how far down the header row is looked for
_WARM = re.compile(r"亲|哦|呢|啦|哈|呀|~|～|噢|哟|😊")


class QuickPhraseError(Exception):
    """An export that cannot be read; the message names the file, the line and what to do."""


@dataclass(frozen=True, slots=True)
class Phrase:
    group: str
    code: str
    text: str
    path: Path
    line: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(slots=True)
class Filed:
    # (intent, topic or "") → phrases
    placed: dict[tuple[str, str], list[Phrase]] = field(default_factory=dict)
    unsure: list[tuple[Phrase, str | None]] = field(default_factory=list)  # with the best guess
    rejected: list[Problem] = field(default_factory=list)
    repeated: int = 0  # phrases already in the library or earlier in the file

    def per_intent(self) -> dict[tuple[str, str], int]:
        return {key: len(phrases) for key, phrases in self.placed.items()}


def read(path: Path) -> list[Phrase]:
    """The phrases of an export, each with its line; rows without 短语内容 are skipped."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        rows = _xlsx_rows(path)
    else:
        try:
            text = read_text(path)
        except TextFileError as exc:
            raise QuickPhraseError(str(exc)) from None
        reader = csv.reader(io.StringIO(text))
        rows = [(reader.line_num, row) for row in reader]
    rows = [(line, [str(c or "").strip() for c in row]) for line, row in rows]
    rows = [(line, row) for line, row in rows if any(row)]
    if not rows:
        raise QuickPhraseError(f"{path}: 文件是空的；请从千牛导出快捷短语后再导入")
    # some exports put a title row (快捷短语导出 2024-06-01) above the header
    start = next(
        (
            n
            for n, (_, row) in enumerate(rows[:_HEADER_ROWS])
            if _column(row, HEADERS[TEXT]) is not None
        ),
        0,
    )
    header_line, header = rows[start]
    columns = {name: _column(header, names) for name, names in HEADERS.items()}
    if columns[TEXT] is None:
        raise QuickPhraseError(
            f"{path}:{header_line}: 找不到 {TEXT} 列（表头是：{', '.join(header)}）；"
            f"请用千牛导出的原始文件，表头应有 {GROUP}, {CODE}, {TEXT}"
        )
    phrases = []
    for line, row in rows[start + 1 :]:

        def cell(name: str, row: list[str] = row) -> str:
            index = columns[name]
            return row[index] if index is not None and index < len(row) else ""

        if cell(TEXT):
            phrases.append(Phrase(cell(GROUP), cell(CODE), cell(TEXT), path, line))
    return phrases


def file_phrases(
    library: Library, phrases: list[Phrase], *, values: Mapping[str, object] | None = None
) -> Filed:
    """Judge, lint and file each phrase."""
    filed = Filed(rejected=_lint(library, phrases, values))
    rejected = {(p.path, p.line) for p in filed.rejected}
    judge = ReplyJudge(library, values)
    groups = _GroupJudge(library)
    placed: dict[tuple[str, str], list[Phrase]] = {}
    # the same wording twice (in two 分组, or already a reply of the library) is filed once
    seen = {normalize(text) for text in _rendered(library, values)}
    for phrase in phrases:
        if (phrase.path, phrase.line) in rejected:
            continue
        key = normalize(_literal(phrase.text))
        if key in seen:
            filed.repeated += 1
            continue
        seen.add(key)
        judged = judge.judge(phrase.text, limit=1)
        by_text, score = judged[0] if judged else (None, 0.0)
        by_group = groups.judge(phrase.group)
        if by_text is not None and (by_text == by_group or (by_group is None and score >= SURE)):
            topic = judge.topic(phrase.text, by_text) or ""
            placed.setdefault((by_text, topic), []).append(phrase)
        else:
            filed.unsure.append((phrase, by_text or by_group))
    order = {intent: n for n, intent in enumerate(library.intent_ids)}
    topic_order = {t.id: n for n, t in enumerate(library.topics, 1)}
    filed.placed = dict(
        sorted(placed.items(), key=lambda item: (order[item[0][0]], topic_order.get(item[0][1], 0)))
    )
    return filed


def document(library_id: str, filed: Filed) -> dict[str, Any]:
    """A learned file: placed phrases under ``learned`` (loaded as replies), the unsure ones
    under ``unsorted`` (skipped by the loader) for a person to move."""
    return {
        KEY_VERSION: SCHEMA_VERSION,
        KEY_LIBRARY: library_id,
        KEY_LEARNED: [
            {
                KEY_INTENT: intent,
                **({KEY_TOPIC: topic} if topic else {}),
                KEY_REPLIES: [_reply(p) for p in phrases],
            }
            for (intent, topic), phrases in filed.placed.items()
        ],
        KEY_UNSORTED: [
            {
                "group": f"q{n}",
                "guess": guess,
                "source": p.where,
                GROUP: p.group,
                KEY_REPLIES: [_reply(p)],
            }
            for n, (p, guess) in enumerate(filed.unsure, 1)
        ],
    }


def tone(text: str) -> str:
    """亲切 for the warm Taobao voice (亲, 哦, ～), else 正式.

    >>> tone("亲，今天下单明天发哦～"), tone("您好，订单将于48小时内发出。")
    ('亲切', '正式')
    """
    return TONES[0] if _WARM.search(text) else TONES[1]


class _GroupJudge:
    """A 分组 name (物流, 售后问题, 议价) read against the intents' descriptions and examples."""

    def __init__(self, library: Library) -> None:
        self.matcher = Matcher(library, threshold=GROUP_THRESHOLD)
        self.labels = [
            (intent.id, label)
            for intent in library.intents
            for label in re.split(r"[、,，/ ()（）]+", normalize(intent.description))
            if len(label) >= 2
        ]
        self.cache: dict[str, str | None] = {}

    def judge(self, group: str) -> str | None:
        if group not in self.cache:
            self.cache[group] = self._judge(normalize(group))
        return self.cache[group]

    def _judge(self, group: str) -> str | None:
        if not group:
            return None
        named = Counter(i for i, label in self.labels if label in group or group in label)
        if named:
            return min(named.items(), key=lambda item: (-item[1], item[0]))[0]
        matches = self.matcher.match(group, limit=1)
        return matches[0].intent if matches else None


def _lint(
    library: Library, phrases: list[Phrase], values: Mapping[str, object] | None
) -> list[Problem]:
    replies = tuple(
        Reply(_literal(p.text), tone(p.text), path=p.path, line=p.line) for p in phrases
    )
    quick = Library(
        id=library.id,
        name=library.name,
        intents=(Intent("quick_phrases", (), replies),),
        defaults=dict(library.defaults),
    )
    return check_replies(quick, values)


def _rendered(library: Library, values: Mapping[str, object] | None) -> list[str]:
    """The library's replies as customers get them, to spot a phrase the library already has."""
    values = {**library.defaults, **(values or {})}
    out = []
    for reply in library.all_replies():
        try:
            out.append(render(reply.text, values))
        except TemplateError:
            continue
    return out


def _reply(phrase: Phrase) -> dict[str, str]:
    return {KEY_TEXT: _literal(phrase.text), KEY_TONE: tone(phrase.text)}


def _literal(text: str) -> str:
    """千牛 has no placeholders: braces in a phrase are text, so they are escaped."""
    return text.replace("{", "{{").replace("}", "}}")


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return None


def _xlsx_rows(path: Path) -> list[tuple[int, list[object]]]:
    import openpyxl  # only for Excel exports

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise QuickPhraseError(f"{path}: 找不到这个文件") from None
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise QuickPhraseError(
            f"{path}: 不是能读的 Excel 文件（{exc}）；请在千牛重新导出，或另存为 .xlsx / CSV"
        ) from None
    try:
        sheet = book.worksheets[0]
        return [(n, list(row)) for n, row in enumerate(sheet.iter_rows(values_only=True), 1)]
    finally:
        book.close()
