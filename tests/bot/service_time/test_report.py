"""Reports from stored timelines: figures, filters, formats and the chart."""

import asyncio
import json

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import ServiceTargets
from bot.service_time.report import as_csv, as_json, build_report
from bot.storage import Storage, TimelineMessage

T0 = 1_764_374_400.0  # 2025-11-29 08:00 Asia/Shanghai
runner = CliRunner()


def history() -> list[TimelineMessage]:
    def m(conv, n, dt, role, agent=None):
        return TimelineMessage(f"c{conv}", f"c{conv}:{n}", T0 + dt, role, agent=agent, text="…")

    return [
        m(1, 1, 0, "customer"), m(1, 2, 8, "agent", "小美"),  # first 8
        m(1, 3, 60, "customer"), m(1, 4, 61, "bot"), m(1, 5, 90, "agent", "小美"),  # next 30
        m(2, 1, 100, "customer"), m(2, 2, 125, "agent", "阿杰"),  # first 25
        m(2, 3, 200, "customer"), m(2, 4, 210, "agent", "阿杰"),  # next 10
        m(3, 1, 86_400, "customer"), m(3, 2, 86_405, "agent", "小美"),  # next day: first 5
        m(3, 3, 86_500, "customer"),  # unanswered
    ]  # fmt: skip


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "r.db"

    async def fill():
        async with Storage(path) as storage:
            assert await storage.add_timeline("test", history()) == 12
            assert await storage.add_timeline("test", history()) == 0  # idempotent

    asyncio.run(fill())
    return path


async def report(path, **filters):
    async with Storage(path) as storage:
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
    assert set(doc) == {"timezone", "since", "until", "targets", "overall", "agents", "breaches"}
    assert set(doc["overall"]) >= {
        "replies", "first_p50", "first_p90", "first_max", "first_within", "next_p50", "next_p90",
        "next_max", "next_within", "breaches", "unanswered_conversations", "average_round",
        "three_minute_rate",
    }  # fmt: skip
    assert json.dumps(doc, ensure_ascii=False)
    assert as_csv(await report(database)).splitlines()[0].startswith("agent,replies,")


def test_csbot_report_formats_and_chart(database, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  database: {database}\n", encoding="utf-8")
    table = runner.invoke(app, ["report", "--config", str(config)])
    assert table.exit_code == 0, table.output
    assert "小美" in table.output and "阿杰" in table.output and "未回复" in table.output
    as_json_out = runner.invoke(app, ["report", "--config", str(config), "--format", "json"])
    assert json.loads(as_json_out.output)["overall"]["breaches"] == 3
    png = tmp_path / "out" / "chart.png"
    charted = runner.invoke(
        app, ["report", "--config", str(config), "--format", "csv", "--chart", str(png)]
    )
    assert charted.exit_code == 0, charted.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    bad = runner.invoke(app, ["report", "--config", str(config), "--since", "昨天"])
    assert bad.exit_code != 0 and "不是日期" in bad.output
