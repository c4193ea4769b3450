"""The phrasing engine: normalise → segment → match → render. Pure Python, no bot, no storage.

``__all__`` below is the engine's public API, what the bot builds on. Each module has its own
``__all__`` for the finer pieces (``intents.catalog``, ``intents.context``, ...); names with a
leading underscore are private to the engine and never imported from outside ``intents/``.
"""

from intents.assistant import Assistant, Suggestion
from intents.library import (
    Intent,
    Library,
    LibraryError,
    Problem,
    Reply,
    YamlReader,
    check_replies,
    load_library,
)
from intents.matcher import Match, Matcher, split_clauses
from intents.normalize import normalize
from intents.phonetic import phonetic
from intents.render import TemplateError, render, split_long
from intents.segment import Segmenter
from intents.yaml_errors import yaml_problem

__all__ = [
    "Assistant",
    "Intent",
    "Library",
    "LibraryError",
    "Match",
    "Matcher",
    "Problem",
    "Reply",
    "Segmenter",
    "Suggestion",
    "TemplateError",
    "YamlReader",
    "check_replies",
    "load_library",
    "normalize",
    "phonetic",
    "render",
    "split_clauses",
    "split_long",
    "yaml_problem",
]
