"""The learned file: proposals in the library schema, and the review decisions made on it.

``learned:`` items load as examples (and replies) of their intents when the file sits in the
library folder; ``unsorted:`` groups and ``ignored:`` phrasings wait for, or record, a person's
decision, and the loader skips them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.learning.propose import Evidence, Group, Proposals
from intents.library import (
    KEY_EVIDENCE,
    KEY_EXAMPLES,
    KEY_IGNORED,
    KEY_INTENT,
    KEY_INTENTS,
    KEY_LEARNED,
    KEY_LIBRARY,
    KEY_REVIEWED,
    KEY_TOPIC,
    KEY_UNSORTED,
    KEY_VERSION,
    SCHEMA_VERSION,
)

KEY_GROUP = "group"
KEY_GUESS = "guess"
KEY_ASKED = "asked"

HEADER = """\
# csbot learn：从本店聊天记录里学到的顾客说法。
# 放进话术库文件夹（如 phrases/learned.yaml）后，learned 下的说法直接作为各意图的例句加载；
# unsorted 下是没把握归类的分组，请在 Telegram 里发 /learn 归类或忽略，也可以手动挪到 learned 下。
# evidence：每个说法被问过几次（asked）、当时客服怎么回的（agent_reply）、
# 原来话术库的判断（before）。
"""


class LearnedFileError(Exception):
    """A learned file that cannot be read; the message names the file and what to do."""


@dataclass(frozen=True, slots=True)
class Pending:
    """An unsorted group as /learn shows it."""

    id: str
    guess: str | None
    asked: int
    examples: tuple[str, ...]
    agent_reply: str


def evidence_record(e: Evidence) -> dict[str, Any]:
    record: dict[str, Any] = {"example": e.example, KEY_ASKED: e.asked}
    if e.agent_reply:
        record["agent_reply"] = e.agent_reply
    record["before"] = e.before
    if e.disliked:
        record["disliked"] = e.disliked
    return record


def document(
    library_id: str, proposals: Proposals, *, kept: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The file's content: this run's proposals plus the decisions ``kept`` from the last file."""
    kept = kept or {}
    learned = [item for item in kept.get(KEY_LEARNED, []) if item.get(KEY_REVIEWED)]
    learned += [_item(g) for g in proposals.learned]
    data: dict[str, Any] = {KEY_VERSION: SCHEMA_VERSION, KEY_LIBRARY: library_id}
    data[KEY_LEARNED] = learned
    data[KEY_UNSORTED] = [_unsorted(g) for g in proposals.unsorted]
    data[KEY_IGNORED] = list(kept.get(KEY_IGNORED, []))
    return data


def reviewed_texts(kept: dict[str, Any]) -> list[str]:
    """Phrasings a person already decided on: a new run proposes them no more."""
    texts = [str(t) for t in kept.get(KEY_IGNORED, [])]
    for item in kept.get(KEY_LEARNED, []):
        if item.get(KEY_REVIEWED):
            texts += [str(t) for t in item.get(KEY_EXAMPLES, [])]
    return texts


QUICK_PHRASES_HEADER = """\
# csbot import quick-phrases：本店千牛快捷短语，按它回答的意图归好。
# 放进话术库文件夹（如 phrases/qianniu.yaml）后，learned 下的短语直接作为各意图的回复加载；
# unsorted 下是没把握归类的短语，请确认意图后手动挪到 learned 下对应的意图里。
"""


def dump(data: dict[str, Any], *, header: str = HEADER) -> str:
    """Stable text: the same data gives the same bytes."""
    body = yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, width=10_000, default_flow_style=False
    )
    return header + body


def read(path: Path) -> dict[str, Any]:
    """The file as data; an absent file is empty."""
    if path.is_dir():
        raise LearnedFileError(
            f"{path}: 是文件夹；请换一个 --out，写上文件名（如 {path / 'learned.yaml'}）"
        )
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
        raise LearnedFileError(
            f"{path}: 读不了学习结果（{exc}）；请改好或删掉它再重新运行"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise LearnedFileError(f"{path}: 不是学习结果文件（顶层应该是「键: 值」）；请换一个 --out")
    if KEY_INTENTS in data:  # a hand-written library file: never overwrite it
        raise LearnedFileError(f"{path}: 这是话术库文件，不是学习结果；请换一个 --out 文件名")
    return data


def write(path: Path, data: dict[str, Any], *, header: str = HEADER) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(dump(data, header=header), encoding="utf-8")
        tmp.replace(path)  # a reader never sees half a file
    except OSError as exc:
        raise LearnedFileError(f"{path}: 写不了（{exc.strerror or exc}）；请换一个 --out") from None


def pending(data: dict[str, Any]) -> list[Pending]:
    out = []
    for group in data.get(KEY_UNSORTED, []):
        evidence = group.get(KEY_EVIDENCE, [])
        out.append(
            Pending(
                id=str(group.get(KEY_GROUP, "")),
                guess=group.get(KEY_GUESS),
                asked=int(group.get(KEY_ASKED, 0)),
                examples=tuple(str(e) for e in group.get(KEY_EXAMPLES, [])),
                agent_reply=str(evidence[0].get("agent_reply", "")) if evidence else "",
            )
        )
    return out


def place(data: dict[str, Any], group_id: str, intent: str) -> bool:
    """Move an unsorted group under ``learned`` as examples of ``intent``; False if gone."""
    group = _take(data, group_id)
    if group is None:
        return False
    data.setdefault(KEY_LEARNED, []).append(
        {
            KEY_INTENT: intent,
            KEY_REVIEWED: True,
            KEY_EXAMPLES: group.get(KEY_EXAMPLES, []),
            KEY_EVIDENCE: group.get(KEY_EVIDENCE, []),
        }
    )
    return True


def ignore(data: dict[str, Any], group_id: str) -> bool:
    """Drop an unsorted group and remember its phrasings, so no later run proposes them."""
    group = _take(data, group_id)
    if group is None:
        return False
    ignored = data.setdefault(KEY_IGNORED, [])
    ignored += [e for e in group.get(KEY_EXAMPLES, []) if e not in ignored]
    return True


def _take(data: dict[str, Any], group_id: str) -> dict[str, Any] | None:
    groups = data.get(KEY_UNSORTED, [])
    for n, group in enumerate(groups):
        if str(group.get(KEY_GROUP)) == group_id:
            return groups.pop(n)
    return None


def _item(group: Group) -> dict[str, Any]:
    item: dict[str, Any] = {KEY_INTENT: group.intent}
    if group.topic:
        item[KEY_TOPIC] = group.topic
    item[KEY_EXAMPLES] = [e.example for e in group.examples]
    item[KEY_EVIDENCE] = [evidence_record(e) for e in group.examples]
    return item


def _unsorted(group: Group) -> dict[str, Any]:
    return {
        KEY_GROUP: group.id,
        KEY_GUESS: group.guess,
        KEY_ASKED: group.asked,
        KEY_EXAMPLES: [e.example for e in group.examples],
        KEY_EVIDENCE: [evidence_record(e) for e in group.examples],
    }
