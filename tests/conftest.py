import os
import tempfile
from pathlib import Path

import pytest

from intents import Assistant, Library, Matcher, load_library

# the matcher's trained vote is cached per test run, never in the user's cache folder; set at
# import, so subprocesses and the doctests in intents/ and bot/ (collected after tests/) see it
os.environ["CSBOT_CACHE_DIR"] = tempfile.mkdtemp(prefix="csbot-test-cache-")

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
