"""Practice mode: /practice plays a scripted customer and scores each timed answer, /stop ends
early; /progress shows a trainee their sessions, /trainees shows managers everyone's."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message, User

from bot.assistants import LibraryError
from bot.charts import skills_chart, trainees_chart
from bot.config import Config
from bot.practice.coach import Coach, Run, Trainee
from bot.practice.drill import Feedback, feedback_lines, product_brief, summary_lines
from bot.practice.progress import RECENT, Session, sessions_from, trainees, weakest_skill
from bot.practice.scenarios import Scenario
from bot.practice.scoring import SKILL_NAMES, TIPS
from bot.storage import Storage
from bot.telegram import texts
from bot.telegram.drill_state import Practising
from bot.telegram.formatting import split_message
from bot.telegram.keyboards import markup
from bot.telegram.middlewares import RoleFilter
from intents import split_long

SESSIONS_SHOWN = 10  # /progress lists the latest ones; the chart shows them all


class PickScenario(CallbackData, prefix="pr"):
    scenario: str


@dataclass(frozen=True, slots=True)
class _Chat:
    """Where one update's drill talks: the Coach keeps the drill, this sends its lines."""

    bot: Bot
    chat_id: int
    user: User
    state: FSMContext
    coach: Coach

    @property
    def key(self) -> tuple[int, int]:
        return (self.chat_id, self.user.id)

    @property
    def run(self) -> Run | None:
        return self.coach.run(self.key)

    async def say(self, text: str) -> None:
        await self.bot.send_message(self.chat_id, text)


# --- /practice, answers, /stop -----------------------------------------------------------------


async def practice(
    message: Message, command: CommandObject, bot: Bot, state: FSMContext, coach: Coach
) -> None:
    if message.from_user is None:
        return
    chat = _Chat(bot, message.chat.id, message.from_user, state, coach)
    scenarios = await _scenarios(chat)
    if scenarios is None:
        return
    wanted = (command.args or "").strip()
    scenario = coach.scenario(wanted) if wanted else None
    if wanted and scenario is None:
        ids = ", ".join(s.id for s in scenarios)
        await message.answer(texts.PRACTICE_UNKNOWN.format(scenario=escape(wanted), ids=ids))
        return
    if chat.run is not None:  # a new /practice ends the drill in progress, with its summary
        await _finish(chat, chat.run)
    if scenario is None:
        await message.answer(
            texts.PRACTICE_PICK.format(example=scenarios[0].id), reply_markup=_picker(scenarios)
        )
        return
    await _begin(chat, scenario)


async def pick(
    query: CallbackQuery, callback_data: PickScenario, bot: Bot, state: FSMContext, coach: Coach
) -> None:
    if query.message is None:
        await query.answer()
        return
    chat = _Chat(bot, query.message.chat.id, query.from_user, state, coach)
    scenarios = await _scenarios(chat)
    if scenarios is None:  # broken scenario files: already said so
        await query.answer()
        return
    scenario = next((s for s in scenarios if s.id == callback_data.scenario), None)
    if scenario is None:  # not one the picker offers (the scenario files changed since?)
        await query.answer(texts.BUTTON_STALE, show_alert=True)
        return
    await query.answer()
    if chat.run is not None:
        await _finish(chat, chat.run)
    await _begin(chat, scenario)


async def answer(message: Message, bot: Bot, state: FSMContext, coach: Coach) -> None:
    if message.from_user is None or message.text is None:
        return
    chat = _Chat(bot, message.chat.id, message.from_user, state, coach)
    run = chat.run
    if run is None:  # the state outlived its drill
        await state.clear()
        await message.answer(texts.PRACTICE_NOT_RUNNING)
        return
    if not run.drill.waiting:  # a second message while the first is being scored
        await message.answer(texts.PRACTICE_WAIT)
        return
    feedback = await coach.answer(run, message.text)
    await chat.say(feedback_html(feedback))
    if chat.run is not run:  # /stop or another /practice arrived meanwhile
        return
    if run.drill.done:
        await _finish(chat, run)
    else:
        await _ask(chat, run)


async def stop(message: Message, bot: Bot, state: FSMContext, coach: Coach) -> None:
    if message.from_user is None:
        return
    chat = _Chat(bot, message.chat.id, message.from_user, state, coach)
    if chat.run is None:
        await state.clear()
        await message.answer(texts.PRACTICE_NOT_RUNNING)
        return
    await _finish(chat, chat.run)


async def busy(message: Message, coach: Coach) -> None:
    """Other commands wait until the drill ends, so nothing else talks over the customer."""
    user_id = message.from_user.id if message.from_user else 0
    run = coach.run((message.chat.id, user_id))
    title = run.scenario.title if run else ""
    await message.answer(texts.PRACTICE_BUSY.format(title=escape(title)))


async def text_only(message: Message) -> None:
    await message.answer(texts.PRACTICE_TEXT_ONLY)


async def _scenarios(chat: _Chat) -> list[Scenario] | None:
    try:
        return chat.coach.scenarios()
    except LibraryError as exc:
        problems = "\n".join(escape(str(p)) for p in exc.problems[:5])
        await chat.say(texts.PRACTICE_BROKEN.format(problems=problems))
        return None


async def _begin(chat: _Chat, scenario: Scenario) -> None:
    trainee = Trainee(chat.user.id, chat.user.first_name, chat.user.full_name)
    run = await chat.coach.begin(chat.key, trainee, scenario)
    await chat.state.set_state(Practising.answering)
    targets = chat.coach.assistants.config.service_targets
    start = texts.PRACTICE_START.format(
        title=escape(scenario.title),
        level=scenario.level_name,
        turns=len(scenario.turns),
        first=targets.first_response_seconds,
        next=targets.next_response_seconds,
    )
    if scenario.product is not None:
        start += "\n" + escape(product_brief(scenario.product))
    await chat.say(start)
    await _ask(chat, run)


async def _ask(chat: _Chat, run: Run) -> None:
    """Send the customer's next line; its answer is timed from here."""
    line = chat.coach.ask(run)
    await chat.say(texts.PRACTICE_CUSTOMER.format(line=escape(line)))


async def _finish(chat: _Chat, run: Run) -> None:
    summary = await chat.coach.finish(chat.key, run)
    if summary is None:  # another update finished it already
        return
    await chat.state.clear()
    first, *rest = summary_lines(summary)
    lines = [f"<b>{escape(first)}</b>", *map(escape, rest), "", texts.PRACTICE_NEXT]
    await chat.say("\n".join(lines))


def feedback_html(feedback: Feedback) -> str:
    """The score breakdown, then the best reference reply in tap-to-copy <code> blocks."""
    first, *rest = feedback_lines(feedback)
    lines = [f"<b>{escape(first)}</b>", *map(escape, rest), texts.PRACTICE_REFERENCE]
    lines += [f"<code>{escape(part)}</code>" for part in split_long(feedback.reference)]
    return "\n".join(lines)


def _picker(scenarios: Sequence[Scenario]) -> InlineKeyboardMarkup:
    """One button per scenario, easiest first (load_scenarios sorts by level)."""
    rows = []
    for s in scenarios:
        label = texts.PRACTICE_BUTTON.format(
            mark=texts.LEVEL_MARKS.get(s.level, ""),
            level=s.level_name,
            title=s.title,
            turns=len(s.turns),
        )
        rows.append([(label, PickScenario(scenario=s.id))])
    return markup(*rows)


# --- /progress and /trainees -------------------------------------------------------------------


async def progress(message: Message, db: Storage, config: Config, coach: Coach) -> None:
    if message.from_user is None:
        return
    sessions = sessions_from(await db.practice_progress(message.from_user.id))
    if not sessions:
        await message.answer(texts.PROGRESS_EMPTY)
        return
    timezone = config.service_targets.timezone
    titles = coach.titles()
    shown = sessions[-SESSIONS_SHOWN:]
    lines = [texts.PROGRESS_HEADER.format(count=len(sessions), shown=len(shown), timezone=timezone)]
    for s in shown:
        skills = " · ".join(
            texts.PROGRESS_SKILL.format(name=SKILL_NAMES[k], share=v) for k, v in s.skills.items()
        )
        lines.append(
            texts.PROGRESS_LINE.format(
                time=_local(s.started_at, timezone),
                scenario=escape(titles.get(s.scenario, s.scenario)),
                total=s.total,
                answers=s.answers,
                skills=skills,
            )
        )
    recent = min(RECENT, len(sessions))
    weakest = weakest_skill(sessions[-RECENT:])
    if weakest is None:
        lines.append(texts.PROGRESS_ALL_FULL.format(recent=recent))
    else:
        skill, tip = SKILL_NAMES[weakest], escape(TIPS[weakest])
        lines.append(texts.PROGRESS_WEAKEST.format(recent=recent, skill=skill, tip=tip))
    for chunk in split_message("\n".join(lines)):
        await message.answer(chunk)
    png = await asyncio.to_thread(_png, skills_chart, sessions, timezone)
    await message.answer_photo(
        BufferedInputFile(png, filename="progress.png"), caption=texts.PROGRESS_CHART
    )


async def trainees_table(message: Message, db: Storage, config: Config) -> None:
    sessions = sessions_from(await db.practice_progress())
    if not sessions:
        await message.answer(texts.TRAINEES_EMPTY)
        return
    people = trainees(sessions)
    lines = [texts.TRAINEES_HEADER.format(count=len(people), recent=RECENT)]
    lines += [
        texts.TRAINEES_LINE.format(
            name=escape(t.name),
            sessions=len(t.sessions),
            latest=t.latest,
            mean=t.mean,
            weakest=SKILL_NAMES[t.weakest] if t.weakest else texts.TRAINEES_ALL_FULL,
        )
        for t in people
    ]
    for chunk in split_message("\n".join(lines)):
        await message.answer(chunk)
    png = await asyncio.to_thread(_png, trainees_chart, sessions, config.service_targets.timezone)
    await message.answer_photo(
        BufferedInputFile(png, filename="trainees.png"), caption=texts.TRAINEES_CHART
    )


async def managers_only(message: Message) -> None:
    await message.answer(texts.MANAGERS_ONLY)


def _local(ts: float, timezone: str) -> str:
    return datetime.fromtimestamp(ts, UTC).astimezone(ZoneInfo(timezone)).strftime("%m-%d %H:%M")


def _png(draw: Callable[..., None], sessions: Sequence[Session], timezone: str) -> bytes:
    buffer = io.BytesIO()
    draw(sessions, buffer, timezone=timezone)
    return buffer.getvalue()


def get_router() -> Router:
    router = Router(name=__name__)
    staff = RoleFilter("staff")
    router.callback_query.register(pick, PickScenario.filter(), staff)
    router.message.register(practice, Command("practice"), staff)
    router.message.register(stop, Command("stop"), staff)
    # During a drill only /stop and /practice work: any other command gets a reminder, so a
    # timed answer is never taken for a command or the other way round.
    router.message.register(busy, Practising.answering, F.text.startswith("/"))
    router.message.register(answer, Practising.answering, F.text)
    router.message.register(text_only, Practising.answering)
    router.message.register(progress, Command("progress"), staff)
    router.message.register(trainees_table, Command("trainees"), RoleFilter("manager"))
    router.message.register(managers_only, Command("trainees"))  # anyone else asking
    return router
