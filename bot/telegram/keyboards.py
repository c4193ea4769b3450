"""Callback data and inline keyboards."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

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


def suggestion_keyboard(exchange: int, tone: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=texts.BUTTON_NEXT, callback_data=Suggest(action="next", exchange=exchange))
    kb.button(
        text=texts.BUTTON_TONE.format(tone=other_tone(tone)),
        callback_data=Suggest(action="tone", exchange=exchange),
    )
    kb.button(text=texts.BUTTON_UP, callback_data=Suggest(action="up", exchange=exchange))
    kb.button(text=texts.BUTTON_DOWN, callback_data=Suggest(action="down", exchange=exchange))
    kb.button(text=texts.BUTTON_WHY, callback_data=Suggest(action="why", exchange=exchange))
    kb.adjust(2, 3)
    return kb.as_markup()


def intents_keyboard(library: str, intent_ids: list[str], page: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    start = page * INTENTS_PER_PAGE
    for intent in intent_ids[start : start + INTENTS_PER_PAGE]:
        name = texts.INTENT_NAMES.get(intent, intent)
        kb.button(text=name, callback_data=Browse(library=library, page=page, intent=intent))
    kb.adjust(2)
    pager = InlineKeyboardBuilder()
    if page > 0:
        pager.button(text=texts.PREV, callback_data=Browse(library=library, page=page - 1))
    if start + INTENTS_PER_PAGE < len(intent_ids):
        pager.button(text=texts.NEXT, callback_data=Browse(library=library, page=page + 1))
    kb.attach(pager)
    return kb.as_markup()


def back_keyboard(library: str, page: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=texts.BACK, callback_data=Browse(library=library, page=page))
    return kb.as_markup()


def library_keyboard(names: list[str], labels: dict[str, str]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for name in names:
        kb.button(text=labels.get(name, name), callback_data=PickLibrary(name=name))
    kb.adjust(1)
    return kb.as_markup()


def tone_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for tone in TONES:
        kb.button(text=texts.TONE_NAMES.get(tone, tone), callback_data=PickTone(tone=tone))
    return kb.as_markup()
