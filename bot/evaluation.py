"""`csbot eval`: the matcher's accuracy on a labelled TSV, beside a TF-IDF baseline."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from intents import Library, Matcher, normalize, split_clauses

NONE = "none"
Predict = Callable[[str], list[str]]


@dataclass(frozen=True, slots=True)
class Labelled:
    text: str
    intents: tuple[str, ...]  # () for none


@dataclass(frozen=True)
class Report:
    name: str
    in_scope: int
    top1_correct: int
    out_of_scope: int
    abstained: int
    multi: int
    multi_exact: int
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: tuple[tuple[str, str, str], ...] = ()

    @property
    def top1(self) -> float:
        return self.top1_correct / self.in_scope if self.in_scope else 0.0

    @property
    def abstain(self) -> float:
        return self.abstained / self.out_of_scope if self.out_of_scope else 0.0

    @property
    def multi_exact_rate(self) -> float:
        return self.multi_exact / self.multi if self.multi else 0.0


def read_tsv(path: Path) -> list[Labelled]:
    """Rows of ``text<TAB>intents[<TAB>tags]``; intents comma-separated or ``none``."""
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        for n, row in enumerate(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if not row or (n == 1 and row[0] == "text"):
                continue
            if len(row) < 2:
                raise ValueError(f"{path}:{n}: 需要两列: 文本<TAB>意图")
            labels = tuple(x.strip() for x in row[1].split(",") if x.strip() and x.strip() != NONE)
            rows.append(Labelled(row[0], labels))
    return rows


def evaluate(name: str, rows: Sequence[Labelled], predict: Predict) -> Report:
    in_scope = top1 = oos = abstained = multi = exact = 0
    confusion: Counter[tuple[str, str]] = Counter()
    errors = []
    for row in rows:
        predicted = predict(row.text)
        first = predicted[0] if predicted else NONE
        if not row.intents:
            oos += 1
            abstained += not predicted
            confusion[(NONE, first)] += 1
            if predicted:
                errors.append((row.text, NONE, ",".join(predicted)))
            continue
        if len(row.intents) == 1:
            in_scope += 1
            top1 += first == row.intents[0]
            confusion[(row.intents[0], first)] += 1
            if first != row.intents[0]:
                errors.append((row.text, row.intents[0], ",".join(predicted) or NONE))
        else:
            multi += 1
            hit = set(predicted) == set(row.intents)
            exact += hit
            if not hit:
                errors.append((row.text, ",".join(row.intents), ",".join(predicted) or NONE))
    return Report(name, in_scope, top1, oos, abstained, multi, exact, confusion, tuple(errors))


def matcher_predict(matcher: Matcher) -> Predict:
    return lambda text: [m.intent for m in matcher.match(text, limit=5)]


class Baseline:
    """TF-IDF character 1–3-grams + logistic regression, trained on the same library examples.

    It gets the same normalisation and clause splitting as the matcher, and abstains when its
    top probability is low, so the comparison isolates how each scores a clause.
    """

    def __init__(self, library: Library, *, min_probability: float = 0.45) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        texts, labels = [], []
        for intent in library.intents:
            for example in intent.examples:
                texts.append(normalize(example))
                labels.append(intent.id)
        for example in library.out_of_scope:
            texts.append(normalize(example))
            labels.append(NONE)
        self.model = make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True),
            LogisticRegression(max_iter=2000, C=10.0),
        )
        self.model.fit(texts, labels)
        self.min_probability = min_probability

    def predict(self, text: str) -> list[str]:
        clauses = split_clauses(normalize(text))
        if not clauses:
            return []
        found: dict[str, float] = {}
        for clause, probabilities in zip(clauses, self.model.predict_proba(clauses), strict=True):
            best = int(probabilities.argmax())
            label = self.model.classes_[best]
            if label != NONE and probabilities[best] >= self.min_probability:
                found[label] = max(found.get(label, 0.0), float(probabilities[best]))
        return sorted(found, key=lambda label: -found[label])
