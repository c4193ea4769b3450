"""Every command's exit code: a bad argument, a missing file, an unknown scenario, agent, intent
or product, a broken config: non-zero with one Chinese line (no usage box, no traceback);
success: 0."""

import re

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.conftest import ROOT

runner = CliRunner()
HISTORY = ROOT / "tests" / "data" / "history.csv"
SAMPLE = ROOT / "phrases" / "catalog" / "catalog.yaml"
CHINESE = r"[\u4e00-\u9fff]"


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A folder with a good config over an imported history, a broken config, a config whose
    database does not exist, and a TSV with a mistyped intent."""
    folder = tmp_path_factory.mktemp("shop")
    (folder / "good.yaml").write_text(f"storage:\n  database: {folder / 'csbot.db'}\n")
    (folder / "nodb.yaml").write_text(f"storage:\n  database: {folder / 'nope' / 'csbot.db'}\n")
    # port 1 on loopback: nothing listens, the connection is refused at once
    (folder / "nopg.yaml").write_text(
        "storage:\n  database: postgresql://csbot:Secret-pw-1@127.0.0.1:1/csbot\n"
    )
    (folder / "bad.yaml").write_text("replies:\n  tone: 可爱\nmatcher:\n  threshold: 3\n")
    (folder / "typo.tsv").write_text("text\tintents\n包邮吗\tpirce\n", encoding="utf-8")
    imported = runner.invoke(
        app, ["import", "csv", str(HISTORY), "--config", str(folder / "good.yaml")]
    )
    assert imported.exit_code == 0, imported.output
    return folder


def _args(args: list[str], shop) -> list[str]:
    return [a.format(shop=shop, missing=shop / "missing.file", sample=SAMPLE) for a in args]


def _run(args: list[str], shop, monkeypatch):
    monkeypatch.chdir(shop)  # no ./config.yaml: the defaults, unless --config says otherwise
    monkeypatch.delenv("CSBOT_TELEGRAM_TOKEN", raising=False)
    return runner.invoke(app, _args(args, shop), input="")


FAILURES = [
    # bad arguments
    (["nosuch"], 2, "没有 nosuch 这个命令"),
    (["evl"], 2, "没有 evl 这个命令（是不是 eval？）"),
    (["suggest"], 2, "缺少参数 text"),
    (["suggest", "包邮吗", "--bogus"], 2, "没有 --bogus 这个选项"),
    (["suggest", "包邮吗", "--ton", "正式"], 2, "是不是 --config、--tone"),
    (["suggest", "包邮吗", "--tone", "可爱"], 2, "亲切 或 正式"),
    (["suggest", "包", "邮吗"], 2, "多了参数 邮吗"),
    (["bench", "--report", "abc"], 2, "--report 的值不对：应该是整数"),
    (["report", "--format", "xml"], 2, "只能是 table、csv、json"),
    (["report", "--since", "notadate"], 2, "不是日期"),
    (["learn", "--out", "l.yaml", "--since", "bad", "--config", "{shop}/good.yaml"], 2, "看不懂"),
    (["import", "csv"], 2, "缺少参数 file"),
    # missing files
    (["match", "--library", "{missing}"], 1, "找不到这个话术库"),
    (["suggest", "包邮吗", "--library", "{missing}"], 1, "找不到这个话术库"),
    (["chat", "--library", "{missing}"], 1, "找不到这个话术库"),
    (["validate", "{missing}"], 1, "找不到这个话术库"),
    (["eval", "{missing}"], 2, "找不到这个文件"),
    (["catalog", "import", "{missing}"], 1, "找不到这个文件"),
    (["import", "csv", "{missing}"], 1, "找不到这个文件"),
    (["import", "telegram-export", "{missing}", "--agent", "小美"], 1, "找不到这个文件"),
    (["import", "quick-phrases", "{missing}"], 1, "找不到这个文件"),
    (["report", "--config", "{shop}/nodb.yaml"], 1, "找不到数据库"),
    (["suggest", "包邮吗", "--config", "{missing}"], 2, "找不到配置文件"),
    # a PostgreSQL server that is not there
    (["practice", "--scenario", "size_bargain", "--config", "{shop}/nopg.yaml"], 1, "连不上"),
    (["report", "--config", "{shop}/nopg.yaml"], 1, "连不上 PostgreSQL"),
    (["learn", "--out", "l.yaml", "--config", "{shop}/nopg.yaml"], 1, "连不上 PostgreSQL"),
    (["import", "csv", str(HISTORY), "--config", "{shop}/nopg.yaml"], 1, "连不上 PostgreSQL"),
    # unknown names
    (["practice", "--scenario", "foo"], 2, "没有场景「foo」"),
    (["report", "--agent", "不存在", "--config", "{shop}/good.yaml"], 1, "没有找到客服「不存在」"),
    (["report", "--conversation", "nope", "--config", "{shop}/good.yaml"], 1, "没有找到会话"),
    (["eval", "{shop}/typo.tsv", "--no-baseline"], 2, "没有意图 'pirce'"),
    (["suggest", "包邮吗", "--product", "999", "--catalog", "{sample}"], 2, "没有 id 为 999"),
    (["match", "--product", "999", "--catalog", "{sample}"], 2, "没有 id 为 999"),
    (["chat", "--product", "999", "--catalog", "{sample}"], 2, "没有 id 为 999"),
    # nothing to run with
    (["run"], 2, "没有 Telegram token"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "code", "words"), FAILURES, ids=lambda x: " ".join(x) if isinstance(x, list) else None
)
def test_a_failure_is_one_chinese_line_and_non_zero(shop, monkeypatch, args, code, words):
    result = _run(args, shop, monkeypatch)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == code, result.output
    assert words in lines[0], result.output
    # an import adds that nothing was imported
    assert len(lines) == 1 or (args[0] == "import" and len(lines) == 2), lines
    assert all(re.search(CHINESE, line) for line in lines), lines
    assert "Traceback" not in result.output and "Usage:" not in result.output
    assert "Secret-pw-1" not in result.output
    assert ":0:" not in result.output  # a missing file has no line to name


COMMANDS = [
    ["match"], ["suggest", "包邮吗"], ["chat"], ["start"], ["run"], ["validate"],
    ["eval", "{shop}/typo.tsv"], ["bench"], ["practice"], ["report"], ["learn", "--out", "l.yaml"],
    ["import", "csv", "x.csv"], ["import", "telegram-export", "x.json", "--agent", "a"],
    ["import", "quick-phrases", "x.csv"], ["catalog", "import", "x.csv"],
]  # fmt: skip


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_broken_config_stops_every_command_with_each_problem(shop, monkeypatch, args):
    result = _run([*args, "--config", "{shop}/bad.yaml"], shop, monkeypatch)
    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == [
        f"{shop / 'bad.yaml'}:2: replies.tone: 语气只能是 亲切 或 正式",
        f"{shop / 'bad.yaml'}:4: matcher.threshold: 应该是 0 到 1 之间的小数",
    ]


SUCCESSES = [
    ([], "客服话术助手"),  # a bare csbot shows what there is
    (["--help"], "客服话术助手"),
    (["suggest", "包邮吗"], "包邮"),
    (["match"], ""),
    (["chat"], ""),
    (["validate"], "全部通过"),
    (["report", "--config", "{shop}/good.yaml"], "小美"),
    (["report", "--agent", "小美", "--format", "json", "--config", "{shop}/good.yaml"], "小美"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "words"), SUCCESSES, ids=lambda x: " ".join(x) if isinstance(x, list) else None
)
def test_success_is_exit_0(shop, monkeypatch, args, words):
    result = _run(args, shop, monkeypatch)
    assert result.exit_code == 0, result.output
    assert words in result.output


def _commands(command, path=("csbot",)):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_every_help_page_is_in_chinese(monkeypatch, tmp_path):
    import typer

    every = list(_commands(typer.main.get_command(app)))
    assert len(every) > 15
    for path, _ in every:
        result = _run([*path[1:], "--help"], tmp_path, monkeypatch)
        assert result.exit_code == 0, (path, result.output)
        described = next(line for line in result.output.splitlines()[2:] if line.strip())
        assert re.search(CHINESE, described), (path, result.output)  # what the command does
        assert "显示这份说明后退出" in result.output, path
        assert "Show this message" not in result.output and "Options" not in result.output, path
        assert "用法：" in result.output and "Usage" not in result.output, path
