"""Reports from stored timelines: figures, filters, formats and the chart."""

import asyncio
import csv
import io
import json
import os
import subprocess
import sys

import pytest
from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from bot.cli import app
from bot.cli.report import print_report
from bot.config import ServiceTargets
from bot.service_time.report import ReportError, as_csv, as_json, breaches_csv, build_report
from bot.storage import TimelineMessage, open_storage
from bot.storage_url import parse_database

T0 = 1_764_374_400.0  # 2025-11-29 08:00 Asia/Shanghai
runner = CliRunner()


def history() -> list[TimelineMessage]:
    def m(conv, n, dt, role, agent=None):
        title = {1: "顾客甲", 2: "顾客乙"}.get(conv)  # c3 has no title of its own
        return TimelineMessage(
            f"c{conv}", f"c{conv}:{n}", T0 + dt, role, agent=agent, text="…", title=title
        )

    return [
        m(1, 1, 0, "customer"), m(1, 2, 8, "agent", "小美"),  # first 8
        m(1, 3, 60, "customer"), m(1, 4, 61, "bot"), m(1, 5, 90, "agent", "小美"),  # next 30
        m(2, 1, 100, "customer"), m(2, 2, 125, "agent", "阿杰"),  # first 25
        m(2, 3, 200, "customer"), m(2, 4, 210, "agent", "阿杰"),  # next 10
        m(3, 1, 86_400, "customer"), m(3, 2, 86_405, "agent", "小美"),  # next day: first 5
        m(3, 3, 86_500, "customer"),  # unanswered
    ]  # fmt: skip


def filled(url):
    async def fill():
        async with open_storage(url) as storage:
            assert await storage.add_timeline("test", history()) == 12
            assert await storage.add_timeline("test", history()) == 0  # idempotent

    asyncio.run(fill())
    return url


@pytest.fixture
def database(storage_url):
    """The history in each backend: these tests run on SQLite and on PostgreSQL."""
    return filled(storage_url)


async def report(path, **filters):
    async with open_storage(path) as storage:
        return await build_report(storage, ServiceTargets(), **filters)


async def test_per_agent_and_overall_figures(database):
    r = await report(database)
    xiaomei, ajie = r.agents["小美"], r.agents["阿杰"]
    assert (xiaomei.replies, xiaomei.first_p50, xiaomei.first_max) == (3, 6.5, 8.0)
    assert (xiaomei.next_max, xiaomei.breaches, xiaomei.unanswered_conversations) == (30.0, 2, 1)
    assert (ajie.first_max, ajie.next_max, ajie.breaches) == (25.0, 10.0, 1)
    assert r.overall.replies == 5 and r.overall.breaches == 3
    assert r.overall.average_round == pytest.approx((8 + 30 + 25 + 10 + 5 + 600) / 6)
    assert [b.kind for b in r.breaches()] == ["next", "first", "next"]
    assert r.breaches(latest=1)[0].seconds is None  # the unanswered one


async def test_filters_by_time_agent_and_conversation(database):
    assert (await report(database, since=T0 + 80_000)).overall.replies == 1
    assert list((await report(database, agent="阿杰")).agents) == ["阿杰"]
    assert (await report(database, conversation="c2")).overall.conversations == 1


async def test_json_keys_are_stable(database):
    doc = as_json(await report(database))
    old = {"timezone", "since", "until", "targets", "overall", "agents", "breaches"}
    assert set(doc) == old | {"database", "first_round", "last_round"}
    assert doc["database"] == shown(database) and doc["first_round"] == T0
    assert doc["last_round"] == T0 + 86_500
    assert set(doc["overall"]) >= {
        "replies", "first_p50", "first_p90", "first_max", "first_within", "next_p50", "next_p90",
        "next_max", "next_within", "breaches", "unanswered_conversations", "average_round",
        "three_minute_rate",
    }  # fmt: skip
    assert json.dumps(doc, ensure_ascii=False)
    assert as_csv(await report(database)).splitlines()[0].startswith("agent,replies,")


async def test_breaches_carry_the_conversations_own_id_and_title(database):
    r = await report(database)
    assert [(b.conversation_id, b.title) for b in r.breaches()] == [
        ("c1", "顾客甲"),
        ("c2", "顾客乙"),
        ("c3", None),
    ]
    [first, *_] = as_json(r)["breaches"]
    assert first["conversation_id"] == "c1" and first["title"] == "顾客甲"
    assert isinstance(first["conversation"], int)  # the old key stays
    rows = list(csv.DictReader(io.StringIO(breaches_csv(r))))
    assert [(row["conversation_id"], row["title"]) for row in rows][:2] == [
        ("c1", "顾客甲"),
        ("c2", "顾客乙"),
    ]


async def test_an_unknown_agent_or_conversation_is_an_error_in_words(database):
    with pytest.raises(ReportError, match=r"没有找到客服「小丽」.*小美"):
        await report(database, agent="小丽")
    with pytest.raises(ReportError, match="没有找到会话「qn-404」"):
        await report(database, conversation="qn-404")


def shown(database):
    """How reports name the database: a PostgreSQL URL without its password."""
    shown = str(parse_database(database))
    assert "***" in shown or not str(database).startswith("postgresql")
    return shown


def _config(tmp_path, database):
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  database: {database}\n", encoding="utf-8")
    return str(config)


def test_report_never_creates_a_database(tmp_path):
    missing = tmp_path / "nested" / "csbot.db"
    result = runner.invoke(app, ["report", "--config", _config(tmp_path, missing)])
    assert result.exit_code == 1
    assert f"找不到数据库 {missing}" in result.output and "storage.database" in result.output
    assert not missing.exists() and not missing.parent.exists()


def test_report_says_unknown_agent_and_empty_results_in_words(database, tmp_path):
    config = _config(tmp_path, database)
    unknown = runner.invoke(app, ["report", "--config", config, "--agent", "小丽"])
    assert unknown.exit_code == 1 and "没有找到客服「小丽」" in unknown.output
    empty_period = runner.invoke(app, ["report", "--config", config, "--since", "2030-01-01"])
    assert empty_period.exit_code == 0
    assert "2030-01-01 00:00 至 现在（Asia/Shanghai）：没有任何会话记录" in empty_period.output
    assert "━" not in empty_period.output  # no table of dashes
    empty = tmp_path / "empty.db"
    asyncio.run(open_storage(empty).open()).close  # noqa: B018 - a real, empty database
    nothing = runner.invoke(app, ["report", "--config", _config(tmp_path / "..", empty)])
    assert nothing.exit_code == 1 and "还没有聊天记录" in nothing.output


def test_report_says_which_database_and_period_it_read(database, tmp_path):
    config = _config(tmp_path, database)
    table = runner.invoke(app, ["report", "--config", config, "--until", "2025-11-30"])
    assert table.exit_code == 0, table.output
    assert f"数据库：{shown(database)}" in table.output
    assert "期间：最早 至 2025-11-30 00:00 之前（Asia/Shanghai）" in table.output
    whole = runner.invoke(app, ["report", "--config", config, "--format", "json"])
    assert "期间：全部记录：2025-11-29 至 2025-11-30（Asia/Shanghai）" in whole.stderr
    assert json.loads(whole.stdout)["database"] == shown(database)
    password = getattr(parse_database(database), "password", None)
    assert not password or password not in table.output + whole.stdout + whole.stderr


def test_csv_starts_with_a_bom_for_excel(database, tmp_path):
    config = _config(tmp_path, database)
    details = tmp_path / "breaches.csv"
    result = runner.invoke(
        app, ["report", "--config", config, "--format", "csv", "--breaches-csv", str(details)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbfagent,replies,")
    raw = details.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfconversation,conversation_id,title,")
    assert "c1,顾客甲,小美" in raw.decode("utf-8-sig")


async def test_the_table_fits_100_columns_and_wraps_rather_than_cuts(tmp_path):
    long_name, title = "售前组长王小美美（早班）", "老顾客淘宝用户8812号的会话"
    path = tmp_path / "wide.db"
    async with open_storage(path) as storage:
        await storage.add_timeline(
            "csv",
            [
                TimelineMessage("qn-001", "1", T0, "customer", title=title),
                TimelineMessage("qn-001", "2", T0 + 123.4, "agent", agent=long_name, title=title),
            ],
        )
        r = await build_report(storage, ServiceTargets())
    console = Console(width=100, record=True, highlight=False)
    print_report(r, breaches=10, console=console)
    text = console.export_text()
    assert max(cell_len(line) for line in text.splitlines()) <= 100
    assert "…" not in text.replace("九成在…秒内", "")  # nothing cut off
    for header in ("中位数", "九成在…秒内", "达标率", "平响", "3分钟回复率", "没回复的会话"):
        assert header in text
    assert "123.4" in text and "qn-001" in text
    assert long_name in text  # the summary tables keep the whole name on one line
    wrapped = [line for line in text.splitlines() if "老顾客" in line or "（qn-001）" in line]
    assert len(wrapped) == 2  # the breach's long title wraps onto a second line, whole


def test_csbot_report_at_columns_100(tmp_path):
    database = filled(tmp_path / "r.db")  # a file, found relative to the config's folder
    shop = database.parent
    (shop / "data").mkdir()
    database.rename(shop / "data" / "csbot.db")
    (shop / "config.yaml").write_text("storage:\n  database: data/csbot.db\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    def csbot_report(*args, cwd):
        env = {**os.environ, "COLUMNS": "100"}
        command = [sys.executable, "-m", "bot", "report", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd)

    lost = csbot_report(cwd=elsewhere)  # run from another folder: no config.yaml there
    assert lost.returncode == 1 and f"找不到数据库 {elsewhere / 'data' / 'csbot.db'}" in lost.stderr
    assert "当前文件夹没有 config.yaml" in lost.stderr and not (elsewhere / "data").exists()
    done = csbot_report("--config", str(shop / "config.yaml"), cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 100 and len(lines) > 20
    assert "首次响应" in done.stdout and "后续响应" in done.stdout


def test_csbot_report_formats_and_chart(database, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  database: {database}\n", encoding="utf-8")
    table = runner.invoke(app, ["report", "--config", str(config)])
    assert table.exit_code == 0, table.output
    assert "小美" in table.output and "阿杰" in table.output and "没有回复" in table.output
    as_json_out = runner.invoke(app, ["report", "--config", str(config), "--format", "json"])
    assert json.loads(as_json_out.stdout)["overall"]["breaches"] == 3
    png = tmp_path / "out" / "chart.png"
    charted = runner.invoke(
        app, ["report", "--config", str(config), "--format", "csv", "--chart", str(png)]
    )
    assert charted.exit_code == 0, charted.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    bad = runner.invoke(app, ["report", "--config", str(config), "--since", "昨天"])
    assert bad.exit_code != 0 and "不是日期" in bad.output
