"""The >>> examples in the docstrings of these modules run, so none of them can go stale."""

import doctest
import importlib

import pytest


@pytest.mark.parametrize("module", ["bot.privacy", "bot.library_names", "bot.telegram.decoding"])
def test_the_docstring_examples_hold(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
