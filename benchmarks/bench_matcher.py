"""Matcher speed, as `csbot bench` prints it: python benchmarks/bench_matcher.py [options]."""

import sys

from bot.cli import app

if __name__ == "__main__":
    sys.exit(app(["bench", *sys.argv[1:]]))
