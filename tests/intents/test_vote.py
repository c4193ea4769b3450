"""The linear vote: trained from feature sets, cached by the data's hash, read back unchanged."""

import logging

import numpy as np
import pytest

from intents import vote as vote_module
from intents.vote import LinearVote

ROWS = [{"a", "b"}, {"a", "c"}, {"x", "y"}, {"x", "z"}, {"m"}, {"m", "n"}]
LABELS = [0, 0, 1, 1, 2, 2]


def test_it_learns_which_features_tell_the_classes_apart(tmp_path):
    vote = LinearVote.train(ROWS, LABELS, 3, cache=tmp_path)
    for features, label in [({"a"}, 0), ({"y"}, 1), ({"n", "m"}, 2)]:
        p = vote.probabilities(features)
        assert p.argmax() == label and p.sum() == pytest.approx(1.0)
    assert vote.probabilities({"never seen"}).max() < 0.5  # unknown features say nothing


def test_weights_are_cached_and_read_back_without_training(tmp_path, monkeypatch):
    trained = LinearVote.train(ROWS, LABELS, 3, cache=tmp_path)
    (cached,) = tmp_path.glob("vote-*.npz")

    def no_training(*args, **kwargs):
        raise AssertionError("trained again although the cache holds these weights")

    monkeypatch.setattr(LinearVote, "_fit", no_training)
    again = LinearVote.train(ROWS, LABELS, 3, cache=tmp_path)
    assert again.vocabulary == trained.vocabulary
    assert np.array_equal(again.weights, trained.weights)
    # other data, other key: nothing stale is read
    monkeypatch.undo()
    LinearVote.train([*ROWS, {"q"}], [*LABELS, 1], 3, cache=tmp_path)
    assert len(list(tmp_path.glob("vote-*.npz"))) == 2 and cached.exists()


def test_a_broken_cache_file_is_trained_again_with_a_warning(tmp_path, caplog):
    LinearVote.train(ROWS, LABELS, 3, cache=tmp_path)
    (cached,) = tmp_path.glob("vote-*.npz")
    cached.write_bytes(b"half a file")
    with caplog.at_level(logging.WARNING):
        vote = LinearVote.train(ROWS, LABELS, 3, cache=tmp_path)
    assert vote.probabilities({"a"}).argmax() == 0
    assert "重新训练" in caplog.text


def test_an_unwritable_cache_still_gives_a_vote(tmp_path, caplog):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with caplog.at_level(logging.WARNING):
        vote = LinearVote.train(ROWS, LABELS, 3, cache=blocked / "cache")
    assert vote.probabilities({"x"}).argmax() == 1 and "写不进" in caplog.text


def test_two_classes_and_a_class_without_examples(tmp_path):
    vote = LinearVote.train(ROWS[:4], LABELS[:4], 3, cache=tmp_path)
    assert vote.probabilities({"a"}).argmax() == 0 and vote.probabilities({"z"}).argmax() == 1
    assert vote.probabilities({"a"})[2] < 1e-6


def test_the_cache_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(vote_module.CACHE_ENV, str(tmp_path / "here"))
    assert vote_module.cache_dir() == tmp_path / "here"
    monkeypatch.delenv(vote_module.CACHE_ENV)
    assert vote_module.cache_dir().name == "csbot"


def test_without_scikit_learn_there_is_no_vote_and_a_warning(tmp_path, monkeypatch, caplog):
    import builtins

    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    with caplog.at_level(logging.WARNING):
        assert LinearVote.train(ROWS, LABELS, 3, cache=tmp_path) is None
    assert "scikit-learn" in caplog.text and not list(tmp_path.glob("*.npz"))
