"""The >>> examples of the learning modules run."""

import doctest

import pytest

from bot.learning import judge, propose, quick_phrases


@pytest.mark.parametrize("module", [judge, propose, quick_phrases])
def test_examples_run(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
