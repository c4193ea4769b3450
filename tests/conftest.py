from pathlib import Path

import pytest

from intents import Assistant, Library, Matcher, load_library

ROOT = Path(__file__).resolve().parent.parent
PHRASES = ROOT / "phrases"


@pytest.fixture(scope="session")
def shop() -> Library:
    return load_library(PHRASES)


@pytest.fixture(scope="session")
def matcher(shop: Library) -> Matcher:
    return Matcher(shop)


@pytest.fixture(scope="session")
def assistant(shop: Library, matcher: Matcher) -> Assistant:
    return Assistant(shop, matcher=matcher)
