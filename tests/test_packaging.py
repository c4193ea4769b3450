"""A plain wheel ships the phrase libraries: `csbot` works from any folder without the repo."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_the_wheel_carries_the_libraries_and_answers_from_another_folder(tmp_path):
    # built from a copy: setuptools leaves build/ and *.egg-info beside the sources
    source = tmp_path / "source"
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in ("bot", "intents", "phrases"):
        shutil.copytree(ROOT / name, source / name, ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", tmp_path / "dist", source],
        check=True,
    )
    (wheel,) = (tmp_path / "dist").glob("csbot-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {"phrases/shop_presale.yaml", "phrases/clinic/followup.yaml"} <= set(names)
    assert not [n for n in names if n.startswith(("tests/", "tools/", "benchmarks/"))]

    target = tmp_path / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", target, wheel], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = "import bot, sys; print(bot.__file__, file=sys.stderr); from bot.cli import app; app()"
    done = subprocess.run(
        [sys.executable, "-c", code, "match"],
        input="包邮吗\n",
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
        check=True,
    )
    assert Path(done.stderr.strip().splitlines()[0]).is_relative_to(target)  # not the checkout
    record = json.loads(done.stdout)
    assert record["intents"][0]["intent"] == "price" and record["replies"]
