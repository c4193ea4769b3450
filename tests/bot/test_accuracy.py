"""Floors under the matcher's accuracy on our own labelled sets, so a change that breaks real
phrasings fails here and not first in front of a shop. The sets are our own words: the
realistic held-out file and JD-style lines (orders, 价保, 白条, 京东快递, pasted cards).
The figures themselves are in the README, measured with ``csbot eval``."""

from pathlib import Path

import pytest

from bot.evaluation import evaluate, matcher_predict, read_tsv

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize(
    ("name", "top1", "abstain", "multi"),
    [("heldout.tsv", 0.99, 0.97, 0.97), ("jd_style.tsv", 0.98, 1.0, 0.75)],
)
def test_the_matcher_keeps_its_accuracy_on_our_labelled_sets(matcher, name, top1, abstain, multi):
    report = evaluate(name, read_tsv(DATA / name), matcher_predict(matcher))
    misses = "\n".join(f"{t}: {want} → {got}" for t, want, got in report.errors)
    assert report.top1 >= top1, misses
    assert report.abstain >= abstain, misses
    assert report.multi_exact_rate >= multi, misses
