"""A discriminative vote: a linear model over the matcher's features, trained from the library.

Nearest examples and intent profiles say how much a clause looks like what the library holds;
a linear model learns which features tell the intents apart, so it weighs 送 in 买二送一 by how
well it separates price from the rest, not by how often it appears. It is a linear SVM
(scikit-learn's liblinear: a fraction of a second for the shipped library, where logistic
regression took several) trained when a library is first loaded; its weights are cached on
disk under the library's hash, so a later start reads a small file and never imports sklearn.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "CACHE_ENV",
    "DEFAULT_C",
    "SHARPNESS",
    "VERSION",
    "LinearVote",
    "cache_dir",
]

log = logging.getLogger(__name__)

#: Bump when the features or the model change, so old caches are not read.
VERSION = 1
#: Inverse regularisation: how closely the model may fit the library's examples.
DEFAULT_C = 0.5
#: The margins (about -1.5…1.5) times this, through a softmax, give the vote's probabilities.
SHARPNESS = 4.0
CACHE_ENV = "CSBOT_CACHE_DIR"
_SEPARATOR = "\x1e"


def cache_dir() -> Path:
    """Where trained weights are kept: ``$CSBOT_CACHE_DIR``, else the user's cache folder."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("csbot", appauthor=False))


@dataclass(frozen=True)
class LinearVote:
    """Per-class probabilities of a clause, from the features the matcher computes."""

    vocabulary: dict[str, int]
    weights: np.ndarray  # (features, classes)
    bias: np.ndarray  # (classes,)

    @classmethod
    def train(
        cls,
        rows: Sequence[Iterable[str]],
        labels: Sequence[int],
        classes: int,
        *,
        c: float = DEFAULT_C,
        cache: Path | None = None,
    ) -> LinearVote | None:
        """Fit on feature sets and class numbers, or read the weights cached for this data;
        None when scikit-learn cannot be imported to fit them."""
        rows = [sorted(set(r)) for r in rows]
        key = _key(rows, labels, classes, c)
        path = (cache or cache_dir()) / f"vote-{key}.npz"
        cached = _read(path)
        if cached is not None:
            return cached
        try:
            vote = cls._fit(rows, labels, classes, c)
        except ImportError as exc:  # a broken install: match without the vote, and say so
            log.warning(
                "没有 scikit-learn（%s），这次匹配不用线性投票；请重新安装：pip install -e .", exc
            )
            return None
        _write(path, vote)
        return vote

    @classmethod
    def _fit(
        cls, rows: list[list[str]], labels: Sequence[int], classes: int, c: float
    ) -> LinearVote:
        from scipy.sparse import csr_matrix
        from sklearn.svm import LinearSVC

        vocabulary: dict[str, int] = {}
        indices: list[int] = []
        pointers = [0]
        for row in rows:
            indices += [vocabulary.setdefault(f, len(vocabulary)) for f in row]
            pointers.append(len(indices))
        x = csr_matrix(
            (np.ones(len(indices)), indices, pointers), shape=(len(rows), len(vocabulary))
        )
        model = LinearSVC(C=c).fit(x, labels)
        weights = np.zeros((len(vocabulary), classes), dtype=np.float32)
        bias = np.full(classes, -1e4, dtype=np.float32)  # a class with no examples never wins
        seen = model.classes_.tolist()
        if len(seen) == 2:  # scikit-learn keeps one row for two classes: the second's margin
            weights[:, seen[1]] = model.coef_[0] * SHARPNESS
            bias[seen[0]], bias[seen[1]] = 0.0, model.intercept_[0] * SHARPNESS
        else:
            weights[:, seen] = model.coef_.T * SHARPNESS
            bias[seen] = model.intercept_ * SHARPNESS
        return cls(vocabulary, weights, bias)

    def probabilities(self, features: Iterable[str]) -> np.ndarray:
        """Softmax over the classes; features the library never had say nothing."""
        known = [i for i in map(self.vocabulary.get, features) if i is not None]
        z = self.weights[known].sum(axis=0) + self.bias
        z = np.exp(z - z.max())
        return z / z.sum()


def _key(rows: list[list[str]], labels: Sequence[int], classes: int, c: float) -> str:
    digest = hashlib.sha1(f"{VERSION}|{classes}|{c}".encode())
    for row, label in zip(rows, labels, strict=True):
        digest.update(f"{label}\x1f{_SEPARATOR.join(row)}\n".encode())
    return digest.hexdigest()[:20]


def _read(path: Path) -> LinearVote | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            names = data["vocabulary"].tolist()
            return LinearVote({n: i for i, n in enumerate(names)}, data["weights"], data["bias"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError) as exc:  # a half-written or foreign file: retrain
        log.warning("模型缓存 %s 读不了（%s），重新训练", path, exc)
        return None


def _write(path: Path, vote: LinearVote) -> None:
    names = np.array(sorted(vote.vocabulary, key=vote.vocabulary.__getitem__))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
        np.savez_compressed(partial, vocabulary=names, weights=vote.weights, bias=vote.bias)
        partial.replace(path)  # atomic: a reader never sees half a file
    except OSError as exc:  # a read-only home still answers, it only trains again next time
        log.warning("模型缓存写不进 %s（%s），下次启动会重新训练", path.parent, exc)
