"""`csbot eval` on an answers file: does the first reply contain the facts the question needs?

The file is a TSV with the header ``text	product	conversation	facts``: ``product`` an item id
(optional), ``conversation`` an id whose rows are read in order as one chat (optional), and
``facts`` the pieces the first reply must contain, ``|`` between pieces that must all be there,
``/`` between alternatives, and ``首=M`` for "the first size the reply names is M".
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from intents import Assistant
from intents.context import Conversation

HEADER = ("text", "product", "conversation", "facts")
_FIRST_SIZE = re.compile(r"([A-Za-z0-9]+)码")


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    product: str | None
    conversation: str | None
    facts: tuple[str, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Answered:
    question: Question
    reply: str
    missing: tuple[str, ...]
    product: str | None = None  # the product the reply assumed (given, linked, named, carried)

    @property
    def ok(self) -> bool:
        return not self.missing


def is_answers_file(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as handle:
            first = handle.readline().rstrip("\r\n").split("\t")
    except (OSError, UnicodeDecodeError):
        return False
    return tuple(first[: len(HEADER)]) == HEADER


def read_answers(path: Path) -> list[Question]:
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        for n, row in enumerate(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if n == 1 or not row or not row[0].strip():
                continue
            if len(row) < len(HEADER):
                raise ValueError(f"{path}:{n}: 需要四列：文本<TAB>商品<TAB>对话<TAB>要点")
            text, product, conversation, facts = (cell.strip() for cell in row[:4])
            pieces = tuple(f.strip() for f in facts.split("|") if f.strip())
            rows.append(Question(text, product or None, conversation or None, pieces, n))
    return rows


def missing_facts(reply: str, facts: tuple[str, ...]) -> tuple[str, ...]:
    """The facts the reply lacks.

    >>> missing_facts("亲，建议拍M码，L码也行", ("首=M", "L码/XL码", "黑色"))
    ('黑色',)
    """
    missing = []
    for fact in facts:
        if fact.startswith("首="):
            first = _FIRST_SIZE.search(reply)
            if not first or first.group(1).lower() != fact[2:].lower():
                missing.append(fact)
        elif not any(alt and alt.lower() in reply.lower() for alt in fact.split("/")):
            missing.append(fact)
    return tuple(missing)


def answer_all(
    assistant: Assistant, questions: list[Question], *, idle_seconds: float = 1800
) -> list[Answered]:
    conversations: dict[str, Conversation] = {}
    out = []
    for q in questions:
        conversation = None
        if q.conversation is not None:
            conversation = conversations.setdefault(
                q.conversation, Conversation(idle_seconds=idle_seconds)
            )
        suggestion = assistant.suggest(q.text, product=q.product, conversation=conversation)
        reply = suggestion.replies[0] if suggestion.replies else ""
        product = suggestion.product.id if suggestion.product else None
        out.append(Answered(q, reply, missing_facts(reply, q.facts), product))
    return out
