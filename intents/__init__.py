"""The phrasing engine: normalise → segment → match → render. Pure Python, no bot, no storage."""

from intents.assistant import Assistant, Suggestion
from intents.library import (
    Intent,
    Library,
    LibraryError,
    Problem,
    Reply,
    Topic,
    check_replies,
    load_library,
)
from intents.matcher import Match, Matcher, split_clauses
from intents.normalize import normalize
from intents.phonetic import phonetic
from intents.render import TemplateError, placeholders, render, split_long
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
    "Topic",
    "check_replies",
    "load_library",
    "normalize",
    "phonetic",
    "placeholders",
    "render",
    "split_clauses",
    "split_long",
    "yaml_problem",
]
