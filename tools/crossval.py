"""K-fold cross-validation of the matcher on a library's own examples: how its knobs are tuned.

Each fold holds back every k-th example of each intent (and of the out-of-scope messages),
builds the matcher on the rest, and asks it about the held-back ones:

    .venv/bin/python tools/crossval.py [--library phrases] [--folds 5] [--set vote=0.3 ...]

Prints the in-scope share matched right and the share of out-of-scope messages it abstains on.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
from pathlib import Path

from intents import Library, Matcher, load_library


def folds(library: Library, k: int, fold: int) -> tuple[Library, list[tuple[str, str | None]]]:
    held: list[tuple[str, str | None]] = []
    intents = []
    for intent in library.intents:
        keep = [e for n, e in enumerate(intent.examples) if n % k != fold]
        held += [(e, intent.id) for n, e in enumerate(intent.examples) if n % k == fold]
        topics = tuple(
            dataclasses.replace(t, examples=tuple(e for e in t.examples if e in keep))
            for t in getattr(intent, "topics", ())
        )
        changes = {"examples": tuple(keep)}
        if topics:
            changes["topics"] = topics
        intents.append(dataclasses.replace(intent, **changes))
    out = [e for n, e in enumerate(library.out_of_scope) if n % k != fold]
    held += [(e, None) for n, e in enumerate(library.out_of_scope) if n % k == fold]
    return dataclasses.replace(library, intents=tuple(intents), out_of_scope=tuple(out)), held


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", default="phrases")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--set", nargs="*", default=[], help="Matcher keyword=value")
    args = parser.parse_args()
    knobs = {k: float(v) for k, v in (s.split("=") for s in args.set)}
    library = load_library(Path(args.library))
    right = in_scope = abstained = none = 0
    with tempfile.TemporaryDirectory() as cache:
        for fold in range(args.folds):
            train, held = folds(library, args.folds, fold)
            matcher = Matcher(train, cache_size=0, cache_dir=Path(cache), **knobs)
            for text, intent in held:
                found = [m.intent for m in matcher.match(text, limit=5)]
                if intent is None:
                    none += 1
                    abstained += not found
                else:
                    in_scope += 1
                    right += bool(found) and found[0] == intent
    print(
        f"in-scope right {right / in_scope:.1%} ({right}/{in_scope})  "
        f"abstain {abstained / none:.1%} ({abstained}/{none})"
    )


if __name__ == "__main__":
    main()
