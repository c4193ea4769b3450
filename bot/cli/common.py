"""What every `csbot` command shares: the consoles, the --config option, one-line failures."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
import typer.rich_utils
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from bot.config import Config, ConfigError, load_config

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="配置文件（默认 ./config.yaml，没有则用默认值）")
]


def folding_table(*headers: str, **options: Any) -> Table:
    """A rich table whose cells wrap onto more lines, at any character as Chinese needs, where
    a narrow terminal would otherwise cut them to "…"."""
    table = Table(show_edge=False, **options)
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one clear message (no traceback) and exit with ``code``."""
    err.print(message, markup=False)
    raise typer.Exit(code)


def get_config(path: Path | None) -> Config:
    try:
        return load_config(path)
    except ConfigError as exc:
        fail(str(exc), 2)


#: What typer's (English) complaint about a value asks for, as staff are told.
_WANTED = {
    "valid integer": "应该是整数",
    "valid number": "应该是数字",
    "valid boolean": "应该是 true 或 false",
}
_CHOICES = re.compile(r"is not one of (.+?)\.?$")


# the headings of every --help page, in the language of the rest of it
typer.rich_utils.ARGUMENTS_PANEL_TITLE = "参数"
typer.rich_utils.OPTIONS_PANEL_TITLE = "选项"
typer.rich_utils.COMMANDS_PANEL_TITLE = "命令"
typer.rich_utils.REQUIRED_LONG_STRING = "[必填]"
typer.rich_utils.DEFAULT_STRING = "[默认：{}]"
HELP_OPTION = "显示这份说明后退出"


class _ChineseFormatter(TyperGroup.context_class.formatter_class):  # type: ignore[misc,name-defined]
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)


class _ChineseContext(TyperGroup.context_class):  # type: ignore[misc,name-defined]
    formatter_class = _ChineseFormatter


class ChineseHelp(TyperGroup):
    """A command group whose --help option and usage line, and its commands', are in Chinese."""

    context_class = _ChineseContext

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION
        return option

    def get_command(self, ctx: Any, name: str) -> Any:
        command = super().get_command(ctx, name)
        # the option is made once per command and kept, so describing it once holds
        if command is not None:
            command.context_class = _ChineseContext  # 用法：csbot eval …, not Usage:
        option = command.get_help_option(ctx) if command is not None else None
        if option is not None:
            option.help = HELP_OPTION
        return command


class CommandLine(ChineseHelp):
    """The `csbot` command group: a mistyped command line is one Chinese line and exit 2 (a
    file it cannot open: exit 1), not click's English usage box."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except typer.Abort:
            err.print("已取消。")
            sys.exit(1)
        except typer.TyperException as exc:  # click's usage and file errors
            if type(exc).__name__ == "NoArgsIsHelpError":
                err.print(exc.format_message(), markup=False, highlight=False)
                sys.exit(0)  # a bare `csbot` or `csbot import` asks what there is
            err.print(usage_problem(exc), markup=False)
            sys.exit(exc.exit_code)
        sys.exit(code if isinstance(code, int) else 0)


def usage_problem(exc: typer.TyperException) -> str:
    """One Chinese line for click's usage error ``exc``, with where to read the usage."""
    ctx = getattr(exc, "ctx", None)
    kind = type(exc).__name__
    param = getattr(exc, "param", None)
    hint = getattr(exc, "param_hint", None) or (param.get_error_hint() if param else "")
    hint = (hint if isinstance(hint, str) else " / ".join(hint)).replace("'", "")
    message = exc.message
    if kind == "NoSuchOption":
        what = f"没有 {exc.option_name} 这个选项"  # type: ignore[attr-defined]
        possible = getattr(exc, "possibilities", None)
        if possible:
            what += f"（是不是 {'、'.join(sorted(possible))}？）"
    elif kind == "MissingParameter":
        argument = param is not None and param.param_type_name == "argument"
        what = f"缺少{'参数' if argument else '选项'} {hint}"
    elif kind == "BadParameter":
        wanted = next((w for english, w in _WANTED.items() if english in message), message)
        if choices := _CHOICES.search(message):
            wanted = "只能是 " + "、".join(c.strip(" '") for c in choices[1].split(","))
        what = f"{hint} 的值不对：{wanted}" if hint else wanted  # our own parsers say which
    elif kind == "FileError":
        what = f"打不开文件 {getattr(exc, 'ui_filename', '')}（{message}）"
    elif found := re.match(r"No such command '([^']+)'\.?(?: Did you mean '([^']+)'\?)?", message):
        what = f"没有 {found[1]} 这个命令" + (f"（是不是 {found[2]}？）" if found[2] else "")
    elif found := re.match(r"Got unexpected extra argument\(s\) \((.+)\)", message):
        what = f"多了参数 {found[1]}（带空格的文字请加引号）"
    elif message.startswith("Missing command"):
        what = "缺少命令"
    else:
        what = f"命令行不对（{exc.format_message()}）"
    where = ctx.command_path if ctx is not None else "csbot"
    return f"{what}（用法：{where} --help）"
