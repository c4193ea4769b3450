"""Response times in Telegram: /stats, /breaches and /export for managers, /mystats for staff."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message, User

from bot import charts
from bot.config import Config
from bot.service_time.metrics import Summary
from bot.service_time.report import BOM, Report, as_csv, breaches_csv, build_report
from bot.storage import Storage
from bot.telegram import texts
from bot.telegram.formatting import split_message
from bot.telegram.middlewares import RoleFilter

BREACHES_SHOWN = 10


async def stats(message: Message, command: CommandObject, db: Storage, config: Config) -> None:
    name = (command.args or "").strip() or None
    if name is not None:
        known = sorted(set((await db.agents()).values()))
        if not any(n == name or n.casefold() == name.casefold() for n in known):
            names = "、".join(escape(n) for n in known) or texts.STATS_NONE
            await message.answer(texts.STATS_NO_AGENT.format(name=escape(name), names=names))
            return
        name = next(n for n in known if n == name or n.casefold() == name.casefold())
    report = await build_report(db, config.service_targets, agent=name)
    if not report.overall.conversations:
        await message.answer(texts.STATS_EMPTY)
        return
    for chunk in split_message(summary_html(report, overall=name is None)):
        await message.answer(chunk)
    png = await asyncio.to_thread(_chart_png, report)  # a figure per call: threads may overlap
    await message.answer_photo(
        BufferedInputFile(png, filename="stats.png"), caption=texts.STATS_CHART
    )


async def breaches(message: Message, db: Storage, config: Config) -> None:
    report = await build_report(db, config.service_targets)
    if not report.breach_count:
        await message.answer(texts.BREACHES_NONE)
        return
    latest = report.breaches(latest=BREACHES_SHOWN)[::-1]  # newest first
    lines = [
        texts.BREACHES_HEADER.format(
            shown=len(latest), total=report.breach_count, timezone=report.timezone
        )
    ]
    for b in latest:
        lines.append(
            texts.BREACH_LINE.format(
                time=report.local(b.started_at).strftime("%m-%d %H:%M:%S"),
                agent=escape(b.agent),
                kind=texts.BREACH_KINDS[b.kind],
                result=texts.BREACH_UNANSWERED
                if b.seconds is None
                else texts.BREACH_LATE.format(seconds=b.seconds),
                target=b.target,
                conversation=escape(b.title or b.conversation_id),
            )
        )
    for chunk in split_message("\n".join(lines)):
        await message.answer(chunk)


async def export(message: Message, db: Storage, config: Config) -> None:
    report = await build_report(db, config.service_targets)
    # utf-8 with a BOM, so Excel shows the Chinese names instead of mojibake
    files = (
        ("response_times.csv", as_csv(report), texts.EXPORT_AGENTS),
        ("breaches.csv", breaches_csv(report), texts.EXPORT_BREACHES),
    )
    for filename, content, caption in files:
        await message.answer_document(
            BufferedInputFile((BOM + content).encode(), filename=filename), caption=caption
        )


async def mystats(message: Message, db: Storage, config: Config) -> None:
    user = message.from_user
    if user is None:
        return
    name = own_agent_name(user, (await db.agents()).values())
    if name is None:
        await message.answer(texts.MYSTATS_UNKNOWN.format(user_id=user.id))
        return
    report = await build_report(db, config.service_targets, agent=name)
    summary = report.agents.get(name)
    if summary is None:
        await message.answer(texts.MYSTATS_UNKNOWN.format(user_id=user.id))
        return
    header = texts.MYSTATS_HEADER.format(name=escape(name))
    await message.answer(f"{header}\n{_block(name, summary)}")


async def managers_only(message: Message) -> None:
    await message.answer(texts.MANAGERS_ONLY)


# --- formatting ----------------------------------------------------------------------------------


def own_agent_name(user: User, names: Iterable[str]) -> str | None:
    """The agent name that is this Telegram user: their id, @username, username, first name or
    full name, in that order (imports name agents either way)."""
    known = {n.casefold(): n for n in names}
    candidates = [str(user.id)]
    if user.username:
        candidates += [f"@{user.username}", user.username]
    candidates += [user.first_name, user.full_name]
    for candidate in candidates:
        if candidate.casefold() in known:
            return known[candidate.casefold()]
    return None


def summary_html(report: Report, *, overall: bool = True) -> str:
    lines = [texts.STATS_HEADER.format(first=report.targets.first, next=report.targets.next)]
    if overall and len(report.agents) != 1:
        lines.append(_block(texts.STATS_ALL, report.overall))
    lines += [_block(name, summary) for name, summary in report.agents.items()]
    return "\n\n".join(lines)


def _block(name: str, s: Summary) -> str:
    return texts.STATS_BLOCK.format(
        name=escape(name),
        replies=s.replies,
        conversations=s.conversations,
        first_p50=_seconds(s.first_p50),
        first_p90=_seconds(s.first_p90),
        first_max=_seconds(s.first_max),
        first_within=_percent(s.first_within),
        next_p50=_seconds(s.next_p50),
        next_p90=_seconds(s.next_p90),
        next_max=_seconds(s.next_max),
        next_within=_percent(s.next_within),
        breaches=s.breaches,
        unanswered=s.unanswered_conversations,
        average=_seconds(s.average_round),
        three=_percent(s.three_minute_rate),
    )


def _seconds(value: float | None) -> str:
    return texts.STATS_NONE if value is None else texts.STATS_SECONDS.format(value=value)


def _percent(value: float | None) -> str:
    return texts.STATS_NONE if value is None else texts.STATS_PERCENT.format(value=value)


def _chart_png(report: Report) -> bytes:
    return charts.png(charts.report_figure(report))


def get_router() -> Router:
    router = Router(name=__name__)
    manager = RoleFilter("manager")
    router.message.register(stats, Command("stats"), manager)
    router.message.register(breaches, Command("breaches"), manager)
    router.message.register(export, Command("export"), manager)
    router.message.register(managers_only, Command("stats", "breaches", "export"))  # anyone else
    router.message.register(mystats, Command("mystats"), RoleFilter("staff"))
    return router
