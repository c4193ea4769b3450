"""Callback data and inline keyboards.

Every button's data is signed on the way out (bot/telegram/callbacks.py); handlers still check
each value against what the bot offers now, since a signed button can outlive a reload.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import CopyTextButton, InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram import texts
from bot.telegram.callbacks import UNSIGNED_LIMIT
from intents.library import TONES

INTENTS_PER_PAGE = 8
COPY_LIMIT = 256  # characters a CopyTextButton holds (Bot API 7.11)
COPY_PER_ROW = 3


Action = Literal["next", "tone", "up", "down", "why"]


class Suggest(CallbackData, prefix="s"):
    action: Action
    exchange: int


class Browse(CallbackData, prefix="b"):
    library: str
    page: int = 0
    intent: int = -1  # the intent's place in the library (an id could be too long for 64 bytes)


class PickLibrary(CallbackData, prefix="l"):
    name: str


class PickTone(CallbackData, prefix="t"):
    tone: str


def other_tone(tone: str) -> str:
    return TONES[1] if tone == TONES[0] else TONES[0]


Row = list[tuple[str, CallbackData] | InlineKeyboardButton]


def markup(*rows: Row) -> InlineKeyboardMarkup:
    """Rows of (label, callback data) or ready buttons as a keyboard, built directly: this is on
    the hot path of every suggestion, and aiogram's builder deep-copies each button."""
    return InlineKeyboardMarkup(inline_keyboard=[[_button(b) for b in row] for row in rows if row])


def _button(item: tuple[str, CallbackData] | InlineKeyboardButton) -> InlineKeyboardButton:
    if isinstance(item, InlineKeyboardButton):
        return item
    text, data = item
    packed = data.pack()
    if len(packed.encode()) > UNSIGNED_LIMIT:
        raise ValueError(f"callback data {packed!r} leaves no room for its signature")
    return InlineKeyboardButton(text=text, callback_data=packed)


def copy_buttons(replies: Sequence[str]) -> list[Row]:
    """One-tap copy of each suggested reply; one longer than a button holds keeps only its
    tap-to-copy <code> block."""
    buttons: Row = [
        InlineKeyboardButton(
            text=texts.BUTTON_COPY.format(n=n), copy_text=CopyTextButton(text=reply)
        )
        for n, reply in enumerate(replies, 1)
        if 0 < len(reply) <= COPY_LIMIT
    ]
    return [buttons[i : i + COPY_PER_ROW] for i in range(0, len(buttons), COPY_PER_ROW)]


def suggestion_keyboard(
    exchange: int, tone: str, replies: Sequence[str] = ()
) -> InlineKeyboardMarkup:
    def button(label: str, action: Action) -> tuple[str, CallbackData]:
        return label, Suggest(action=action, exchange=exchange)

    return markup(
        *copy_buttons(replies),
        [
            button(texts.BUTTON_NEXT, "next"),
            button(texts.BUTTON_TONE.format(tone=other_tone(tone)), "tone"),
        ],
        [
            button(texts.BUTTON_UP, "up"),
            button(texts.BUTTON_DOWN, "down"),
            button(texts.BUTTON_WHY, "why"),
        ],
    )


def intents_keyboard(library: str, intent_ids: list[str], page: int) -> InlineKeyboardMarkup:
    start = page * INTENTS_PER_PAGE
    shown: Row = [
        (texts.INTENT_NAMES.get(i, i), Browse(library=library, page=page, intent=n))
        for n, i in enumerate(intent_ids[start : start + INTENTS_PER_PAGE], start)
    ]
    pager: Row = []
    if page > 0:
        pager.append((texts.PREV, Browse(library=library, page=page - 1)))
    if start + INTENTS_PER_PAGE < len(intent_ids):
        pager.append((texts.NEXT, Browse(library=library, page=page + 1)))
    return markup(*(shown[i : i + 2] for i in range(0, len(shown), 2)), pager)


def back_keyboard(library: str, page: int) -> InlineKeyboardMarkup:
    return markup([(texts.BACK, Browse(library=library, page=page))])


def library_keyboard(names: list[str], labels: dict[str, str]) -> InlineKeyboardMarkup:
    return markup(*([(labels.get(n, n), PickLibrary(name=n))] for n in names))


def tone_keyboard() -> InlineKeyboardMarkup:
    return markup([(texts.TONE_NAMES.get(t, t), PickTone(tone=t)) for t in TONES])


class PickProduct(CallbackData, prefix="p"):
    id: str


def product_keyboard(products: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """One button per (id, name) found by a /product search."""
    return markup(*([(name, PickProduct(id=product_id))] for product_id, name in products))
