"""Suggestions as Telegram HTML: each reply in a tap-to-copy <code> block."""

from __future__ import annotations

from html import escape, unescape

from bot.telegram import texts
from intents import Library, Match, Suggestion, split_long

#: Telegram's limit for one message.
MESSAGE_LIMIT = 4096


def intent_label(intent: str) -> str:
    return texts.INTENT_NAMES.get(intent, intent)


def need_label(match: Match, library: Library | None) -> str:
    """价格 · 运费险: the intent, and the specific question when one was chosen."""
    if match.topic is None or library is None:
        return intent_label(match.intent)
    try:
        topic = library.topic(match.topic).description or match.topic
    except KeyError:
        return intent_label(match.intent)
    return texts.TOPIC_OF.format(intent=intent_label(match.intent), topic=topic)


def product_line(suggestion: Suggestion, template: str = texts.PRODUCT_ASSUMED) -> str:
    p = suggestion.product
    if p is None:
        return ""
    return template.format(
        name=escape(p.name), id=escape(p.id), source=escape(suggestion.product_source)
    )


def suggestion_html(suggestion: Suggestion, tone: str, library: Library | None = None) -> str:
    lines = []
    if suggestion.product is not None:
        lines.append(product_line(suggestion))  # so a wrong guess is seen before sending
    if suggestion.follow_up:
        lines.append(texts.FOLLOW_UP)
    if suggestion.matches:
        found = " · ".join(
            f"{escape(need_label(m, library))} （{m.score:.2f}）" for m in suggestion.matches
        )
        lines.append(texts.DETECTED.format(intents=found))
    else:
        lines.append(texts.ACKNOWLEDGED if suggestion.acknowledgement else texts.NO_MATCH)
    lines.append(texts.REPLY_HEADER.format(tone=escape(tone)))
    stitched = len(suggestion.matches) > 1
    for n, reply in enumerate(suggestion.replies, 1):
        label = f"{n}."
        if stitched and n == 1:
            label += f" {texts.DRAFT}"
        parts = split_long(reply)
        if len(parts) > 1:
            label += " " + texts.SEND_IN_PARTS.format(n=len(parts))
        lines.append(label)
        lines += [f"<code>{escape(part)}</code>" for part in parts]
    if not suggestion.matches and not suggestion.acknowledgement:
        lines.append(texts.NO_MATCH_HINT)
    return "\n".join(lines)


def why_html(suggestion: Suggestion, library: Library | None = None) -> str:
    if not suggestion.matches:
        why = texts.WHY_ACKNOWLEDGED if suggestion.acknowledgement else texts.WHY_NONE
        return f"{texts.WHY_HEADER}\n{why}"
    lines = [texts.WHY_HEADER]
    if suggestion.product is not None:
        lines.append(product_line(suggestion, texts.WHY_PRODUCT))
    for m in suggestion.matches:
        lines.append(
            texts.WHY_LINE.format(
                intent=escape(intent_label(m.intent)),
                score=m.score,
                clause=escape(m.clause),
                example=escape(m.example),
                shared=f"，相同的词：{escape(' '.join(m.shared))}" if m.shared else "",
                keywords=f"，关键词：{escape(' '.join(m.keywords))}" if m.keywords else "",
                runner_up=escape(intent_label(m.runner_up or "-")),
                runner_up_score=m.runner_up_score,
            )
        )
        if m.topic is not None:
            lines.append(
                texts.WHY_TOPIC.format(
                    topic=escape(need_label(m, library)),
                    score=m.topic_score,
                    example=escape(m.topic_example),
                )
            )
        elif library is not None and any(i.topics for i in library.intents if i.id == m.intent):
            lines.append(texts.WHY_NO_TOPIC)
    return "\n".join(lines)


def split_message(html: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split at line ends into messages Telegram accepts; a line never spans two messages
    unless it alone is over the limit (then it is cut, tags closed per piece)."""
    chunks: list[str] = []
    current = ""
    for line in html.split("\n"):
        pieces = [line] if len(line) <= limit else _cut(line, limit)
        for piece in pieces:
            if current and len(current) + 1 + len(piece) > limit:
                chunks.append(current)
                current = piece
            else:
                current = f"{current}\n{piece}" if current else piece
    if current:
        chunks.append(current)
    return chunks or [""]


def _cut(line: str, limit: int) -> list[str]:
    """Cut one over-long line; the text is cut before escaping, so no entity is split."""
    wrapped = line.startswith("<code>") and line.endswith("</code>")
    raw = unescape(line[6:-7] if wrapped else line)
    size = (limit - 13) // 6  # escaping grows a character to at most 6 (&quot;)
    pieces = [escape(raw[i : i + size]) for i in range(0, len(raw), size)]
    return [f"<code>{p}</code>" for p in pieces] if wrapped else pieces
