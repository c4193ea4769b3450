"""Long runs say what they are doing, and every command works with `make run`'s dependencies
only (no scikit-learn), or says in one line what to install."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.bench import bench, bench_steps
from bot.evaluation import BASELINE_INSTALL, evaluate, read_tsv
from bot.service_time.imports import read_csv
from tests.conftest import PHRASES, ROOT

HELDOUT = ROOT / "tests" / "data" / "heldout.tsv"
# Imported first by any interpreter that has this folder on its path: scikit-learn disappears,
# as on a machine where only `make run` installed the project.
NO_SKLEARN = """
import sys

class _NoSklearn:
    def find_spec(self, name, path=None, target=None):
        if name == "sklearn" or name.startswith("sklearn."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NoSklearn())
"""


@pytest.fixture
def plain_env(tmp_path) -> dict[str, str]:
    site = tmp_path / "plain"
    site.mkdir()
    (site / "sitecustomize.py").write_text(NO_SKLEARN, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(site), "COLUMNS": "120"}
    check = subprocess.run([sys.executable, "-c", "import sklearn"], env=env, capture_output=True)
    assert check.returncode != 0  # the guard itself works
    return env


def _csbot(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_eval_without_scikit_learn_says_what_to_install(tmp_path, plain_env):
    sample = tmp_path / "sample.tsv"
    sample.write_text("".join(HELDOUT.read_text(encoding="utf-8").splitlines(True)[:40]))
    done = _csbot("eval", str(sample), env=plain_env)
    assert done.returncode == 0, done.stderr
    assert BASELINE_INSTALL in done.stderr and "pip install -e '.[dev]'" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout and "csbot" in done.stdout


def test_bench_without_scikit_learn_runs_and_shows_its_progress(plain_env):
    env = {**plain_env, "FORCE_COLOR": "1"}  # rich draws its progress as on a terminal
    done = _csbot("bench", "--count", "20", "--sizes", "", env=env)
    assert done.returncode == 0, done.stderr
    assert "ModuleNotFoundError" not in done.stderr and "Traceback" not in done.stderr
    assert BASELINE_INSTALL in done.stderr
    assert "冷启动（3 个新进程）" in done.stderr  # the slowest phase is on screen while it runs
    assert "csbot + cache" in done.stdout and "TF-IDF" not in done.stdout


def test_bench_names_each_phase_as_it_starts():
    phases: list[str] = []
    rows, _ = bench(PHRASES, [1000], count=10, baseline=False, step=phases.append)
    assert phases == [
        "shipped: csbot",
        "shipped: csbot + 缓存",
        "shipped: 整条回复",
        "生成 1k 合成话术库",
        "1k: csbot",
        "1k: csbot + 缓存",
        "1k: 整条回复",
        "冷启动（3 个新进程）",
    ]
    assert len(phases) == bench_steps([1000], baseline=False) and len(rows) == 6


def test_eval_reports_rows_done():
    rows = read_tsv(HELDOUT)[:120]
    seen: list[int] = []
    evaluate("always none", rows, lambda text: [], progress=seen.append)
    assert seen == [50, 100, 120]


def test_the_csv_check_reports_bytes_read(tmp_path: Path):
    big = tmp_path / "h.csv"
    lines = ["timestamp,conversation,role,sender,text"]
    lines += [f"{1717200000 + i},c{i // 4},顾客,tb,第{i}条" for i in range(45_000)]
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seen: list[tuple[int, int]] = []
    history = read_csv(big, progress=lambda done, size: seen.append((done, size)))
    size = big.stat().st_size
    assert history.total == 45_000 and len(seen) >= 3
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1] == (size, size) and {s for _, s in seen} == {size}
