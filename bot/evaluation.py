"""`csbot eval`: the matcher's accuracy on a labelled TSV, beside a TF-IDF baseline."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from intents import Library, Matcher

NONE = "none"
Predict = Callable[[str], list[str]]
#: What to install for the TF-IDF baseline: scikit-learn comes with the dev extras only.
BASELINE_INSTALL = (
    "没有安装 scikit-learn，跳过 TF-IDF+LR 基线；需要基线请安装开发依赖：pip install -e '.[dev]'"
)


def baseline_missing() -> str | None:
    """None when the baseline can run, else the one line that says what to install."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return BASELINE_INSTALL
    return None


@dataclass(frozen=True, slots=True)
class Labelled:
    text: str
    intents: tuple[str, ...]  # () for none
    tags: tuple[str, ...] = ()
    line: int = field(default=0, compare=False)  # in the TSV, for errors


@dataclass(frozen=True)
class Report:
    name: str
    in_scope: int
    top1_correct: int
    out_of_scope: int
    abstained: int
    multi: int
    multi_exact: int
    needs_exact: int = 0  # in-scope lines (one need or several) whose set of needs is exact
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: tuple[tuple[str, str, str], ...] = ()
    by_tag: dict[str, tuple[int, int]] = field(default_factory=dict)  # tag → (right, lines)

    @property
    def top1(self) -> float:
        return self.top1_correct / self.in_scope if self.in_scope else 0.0

    @property
    def abstain(self) -> float:
        return self.abstained / self.out_of_scope if self.out_of_scope else 0.0

    @property
    def overall(self) -> float:
        """Every line judged by its kind: top-1, abstention, or the exact set of needs."""
        lines = self.in_scope + self.out_of_scope + self.multi
        right = self.top1_correct + self.abstained + self.multi_exact
        return right / lines if lines else 0.0

    @property
    def multi_exact_rate(self) -> float:
        return self.multi_exact / self.multi if self.multi else 0.0

    @property
    def asked(self) -> int:
        """Lines with at least one need."""
        return self.in_scope + self.multi

    @property
    def needs_exact_rate(self) -> float:
        """Of the lines with needs, the share answered with exactly their needs, no more."""
        return self.needs_exact / self.asked if self.asked else 0.0


def read_tsv(path: Path) -> list[Labelled]:
    """Rows of ``text<TAB>intents[<TAB>tags]``; intents comma-separated or ``none``."""
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        for n, row in enumerate(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if not row or (n == 1 and row[0] == "text"):
                continue
            if len(row) < 2:
                raise ValueError(f"{path}:{n}: 需要两列：文本<TAB>意图")
            labels = tuple(x.strip() for x in row[1].split(",") if x.strip() and x.strip() != NONE)
            tags = tuple(t.strip() for t in row[2].split(",") if t.strip()) if len(row) > 2 else ()
            rows.append(Labelled(row[0], labels, tags, n))
    return rows


def evaluate(
    name: str,
    rows: Sequence[Labelled],
    predict: Predict,
    *,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Each row judged by its kind; ``progress`` hears how many rows are done, now and then."""
    in_scope = top1 = oos = abstained = multi = exact = needs_exact = 0
    confusion: Counter[tuple[str, str]] = Counter()
    errors = []
    by_tag: dict[str, list[int]] = {}
    for n, row in enumerate(rows, start=1):
        if progress is not None and n % 50 == 0:
            progress(n)
        predicted = predict(row.text)
        first = predicted[0] if predicted else NONE
        right = (
            set(predicted) == set(row.intents) if len(row.intents) != 1 else first == row.intents[0]
        )
        for tag in row.tags:
            counts = by_tag.setdefault(tag, [0, 0])
            counts[0] += right
            counts[1] += 1
        if not row.intents:
            oos += 1
            abstained += not predicted
            confusion[(NONE, first)] += 1
            if predicted:
                errors.append((row.text, NONE, ",".join(predicted)))
            continue
        needs_exact += set(predicted) == set(row.intents)
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
    if progress is not None:
        progress(len(rows))
    tags = {tag: (right, total) for tag, (right, total) in sorted(by_tag.items())}
    return Report(
        name,
        in_scope,
        top1,
        oos,
        abstained,
        multi,
        exact,
        needs_exact,
        confusion,
        tuple(errors),
        tags,
    )


def matcher_predict(matcher: Matcher) -> Predict:
    return lambda text: [m.intent for m in matcher.match(text, limit=5)]


class Baseline:
    """TF-IDF character 1–3-grams + logistic regression, trained on the same library examples.

    The textbook set-up: the raw message in, one intent out (the top class), abstaining when
    the top probability is low or the top class is the library's out-of-scope examples.
    """

    def __init__(self, library: Library, *, min_probability: float = 0.4) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        texts, labels = [], []
        for intent in library.intents:
            texts += intent.examples
            labels += [intent.id] * len(intent.examples)
        texts += library.out_of_scope
        labels += [NONE] * len(library.out_of_scope)
        self.model = make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True),
            LogisticRegression(max_iter=2000, C=10.0),
        )
        self.model.fit(texts, labels)
        self.min_probability = min_probability

    def predict(self, text: str) -> list[str]:
        probabilities = self.model.predict_proba([text])[0]
        best = int(probabilities.argmax())
        label = str(self.model.classes_[best])
        return [] if label == NONE or probabilities[best] < self.min_probability else [label]
