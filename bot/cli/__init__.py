"""The `csbot` command line, one module per command group; `app` is the entry point."""

from bot.cli.main import app, main

__all__ = ["app", "main"]
