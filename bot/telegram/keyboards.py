"""Callback data and inline keyboards."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram import texts
from intents.library import TONES

INTENTS_PER_PAGE = 8


class Suggest(CallbackData, prefix="s"):
    action: str  # next | tone | up | down | why
    exchange: int


class Browse(CallbackData, prefix="b"):
    library: str
    page: int = 0
    intent: str = ""


class PickLibrary(CallbackData, prefix="l"):
    name: str


class PickTone(CallbackData, prefix="t"):
    tone: str


def other_tone(tone: str) -> str:
    return TONES[1] if tone == TONES[0] else TONES[0]


Row = list[tuple[str, CallbackData]]


def markup(*rows: Row) -> InlineKeyboardMarkup:
    """Rows of (label, callback data) as a keyboard, built directly: this is on the hot path of
    every suggestion, and aiogram's builder deep-copies each button."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data.pack()) for text, data in row]
            for row in rows
            if row
        ]
    )


def suggestion_keyboard(exchange: int, tone: str) -> InlineKeyboardMarkup:
    def button(label: str, action: str) -> tuple[str, CallbackData]:
        return label, Suggest(action=action, exchange=exchange)

    return markup(
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
    shown = [
        (texts.INTENT_NAMES.get(i, i), Browse(library=library, page=page, intent=i))
        for i in intent_ids[start : start + INTENTS_PER_PAGE]
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
