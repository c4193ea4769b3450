"""/learn: admins name the groups csbot learn could not place; the library reloads at once."""

from __future__ import annotations

import asyncio
import threading
from html import escape
from pathlib import Path

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message

from bot.assistants import Assistants, LibraryError
from bot.learning import learned_file
from bot.storage import Storage
from bot.telegram import keyboards, texts
from bot.telegram.formatting import intent_label
from bot.telegram.middlewares import RoleFilter
from bot.telegram.routers.prefs import chat_prefs

#: The file csbot learn writes into a library folder, by convention.
LEARNED_FILE = "learned.yaml"
TOP = 5  # groups shown per /learn
SHOWN_EXAMPLES = 6

NOT_A_FOLDER = "话术库 {library} 是单个文件，学习结果要放在话术库文件夹里才生效。"
NOTHING = (
    "没有待归类的说法。先在电脑上运行：\n<code>csbot learn --out {path}</code>\n然后再发 /learn。"
)
HEADER = "待归类的顾客说法（共 {total} 组，先看问得最多的 {shown} 组）："
GROUP = "<b>第 {n} 组</b> · 问过 {asked} 次\n{examples}\n客服当时回：{reply}\n我猜是：{guess}"
UNKNOWN = "看不出"
ADD_TO = "加到「{intent}」"
OTHER = "加到其他意图…"
IGNORE = "忽略"
PICK = "这一组加到哪个意图？"
ADDED = "已把这 {count} 个说法加到「{intent}」，话术库已重新加载。"
IGNORED = "已忽略这一组，以后的学习也不再提它。"
GONE = "这一组已经处理过了。"
FAILED = "改好了学习结果，但话术库重新加载失败，已撤回这次修改。问题：\n{problems}"

_edits = threading.Lock()  # one learned file per library: edits go one at a time


class Learn(CallbackData, prefix="lr"):
    action: str  # add | pick | ignore
    library: str
    group: str
    intent: str = ""


def learned_path(assistants: Assistants, library: str) -> Path | None:
    if library not in assistants.names:
        return None  # a button from before the library was taken out of the config
    folder = assistants.config.library_path(library)
    return folder / LEARNED_FILE if folder.is_dir() else None


async def learn(message: Message, db: Storage, assistants: Assistants) -> None:
    library, _ = await chat_prefs(db, assistants, message.chat.id)
    path = learned_path(assistants, library)
    if path is None:
        await message.answer(NOT_A_FOLDER.format(library=escape(library)))
        return
    try:
        groups = learned_file.pending(await asyncio.to_thread(learned_file.read, path))
    except learned_file.LearnedFileError as exc:
        await message.answer(str(exc), parse_mode=None)
        return
    if not groups:
        await message.answer(NOTHING.format(path=escape(str(path))))
        return
    shown = groups[:TOP]
    await message.answer(HEADER.format(total=len(groups), shown=len(shown)))
    for n, group in enumerate(shown, 1):
        examples = " / ".join(group.examples[:SHOWN_EXAMPLES])
        text = GROUP.format(
            n=n,
            asked=group.asked,
            examples=escape(examples),
            reply=escape(group.agent_reply or "无"),
            guess=escape(intent_label(group.guess) if group.guess else UNKNOWN),
        )
        await message.answer(text, reply_markup=_group_keyboard(library, group))


async def choose(query: CallbackQuery, callback_data: Learn, assistants: Assistants) -> None:
    await query.answer()
    message = query.message
    if message is None or not hasattr(message, "edit_text"):
        return
    library, group = callback_data.library, callback_data.group
    path = learned_path(assistants, library)
    if path is None:
        await message.edit_text(NOT_A_FOLDER.format(library=escape(library)))
        return
    if callback_data.action == "pick":
        ids = list(assistants.get(library).library.intent_ids)
        await message.edit_text(PICK, reply_markup=_intents_keyboard(library, group, ids))
        return
    intent = callback_data.intent if callback_data.action == "add" else None
    try:
        done = await asyncio.to_thread(_apply, assistants, path, group, intent)
    except (LibraryError, learned_file.LearnedFileError) as exc:
        problems = "\n".join(str(p) for p in getattr(exc, "problems", [exc])[:10])
        await message.edit_text(FAILED.format(problems=escape(problems)))
        return
    if done is None:
        await message.edit_text(GONE)
    elif intent is None:
        await message.edit_text(IGNORED)
    else:
        await message.edit_text(ADDED.format(count=done, intent=escape(intent_label(intent))))


def _apply(assistants: Assistants, path: Path, group: str, intent: str | None) -> int | None:
    """Place or ignore one group, write the file and reload; on a failed reload put it back.
    Returns how many phrasings moved, or None when the group is no longer there."""
    with _edits:
        before = path.read_text(encoding="utf-8")
        data = learned_file.read(path)
        count = next((len(g.examples) for g in learned_file.pending(data) if g.id == group), 0)
        moved = (
            learned_file.place(data, group, intent) if intent else learned_file.ignore(data, group)
        )
        if not moved:
            return None
        learned_file.write(path, data)
        if intent:
            try:
                assistants.reload()
            except LibraryError:
                path.write_text(before, encoding="utf-8")
                raise
        return count


def _group_keyboard(library: str, group: learned_file.Pending):
    rows: list[keyboards.Row] = []
    if group.guess:
        add = Learn(action="add", library=library, group=group.id, intent=group.guess)
        rows.append([(ADD_TO.format(intent=intent_label(group.guess)), add)])
    rows.append(
        [
            (OTHER, Learn(action="pick", library=library, group=group.id)),
            (IGNORE, Learn(action="ignore", library=library, group=group.id)),
        ]
    )
    return keyboards.markup(*rows)


def _intents_keyboard(library: str, group: str, intent_ids: list[str]):
    buttons = [
        (intent_label(i), Learn(action="add", library=library, group=group, intent=i))
        for i in intent_ids
    ]
    buttons.append((IGNORE, Learn(action="ignore", library=library, group=group)))
    return keyboards.markup(*(buttons[i : i + 2] for i in range(0, len(buttons), 2)))


async def admins_only(event: Message | CallbackQuery) -> None:
    if isinstance(event, CallbackQuery):
        await event.answer(texts.ADMINS_ONLY, show_alert=True)
    else:
        await event.answer(texts.ADMINS_ONLY)


def get_router() -> Router:
    router = Router(name=__name__)
    router.message.register(learn, Command("learn"), RoleFilter("admin"))
    router.message.register(admins_only, Command("learn"))
    router.callback_query.register(choose, Learn.filter(), RoleFilter("admin"))
    router.callback_query.register(admins_only, Learn.filter())
    return router
