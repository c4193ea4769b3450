"""What every `csbot` command shares: the consoles, the --config option, one-line failures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from bot.config import Config, ConfigError, load_config

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="配置文件（默认 ./config.yaml，没有则用默认值）")
]


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one clear message (no traceback) and exit with ``code``."""
    err.print(message, markup=False)
    raise typer.Exit(code)


def get_config(path: Path | None) -> Config:
    try:
        return load_config(path)
    except ConfigError as exc:
        fail(str(exc), 2)
