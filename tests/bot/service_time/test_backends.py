"""`csbot import` then `csbot report`: the same figures whether storage.database is a SQLite file
or a PostgreSQL server, through the command line as a manager runs it."""

import json

from typer.testing import CliRunner

from bot.cli import app
from bot.storage_url import PostgresUrl
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"
runner = CliRunner()


def import_and_report(tmp_path, name: str, database) -> tuple[list[str], dict]:
    folder = tmp_path / name
    folder.mkdir()
    config = folder / "config.yaml"
    config.write_text(f"storage:\n  database: {database}\n", encoding="utf-8")
    said = []
    for args in (
        ["telegram-export", str(DATA / "telegram_export.json"), "--agent", "小美",
         "--agent", "5550002", "--bot", "6660001"],
        ["csv", str(DATA / "history.csv")],
        ["csv", str(DATA / "history.csv")],  # again: nothing new
    ):  # fmt: skip
        done = runner.invoke(app, ["import", *args, "--config", str(config)])
        assert done.exit_code == 0, done.output
        said.append(next(line for line in done.output.splitlines() if "新增" in line))
    report = runner.invoke(app, ["report", "--config", str(config), "--format", "json"])
    assert report.exit_code == 0, report.output
    doc = json.loads(report.stdout)
    assert doc.pop("database") == str(PostgresUrl(database) if name == "pg" else database)
    password = PostgresUrl(database).password if name == "pg" else None
    assert password is None or password not in report.output + "".join(said)
    return said, doc


def test_import_then_report_gives_the_same_figures_on_postgres_as_on_sqlite(tmp_path, postgres_url):
    sqlite_said, sqlite_report = import_and_report(tmp_path, "sqlite", tmp_path / "csbot.db")
    pg_said, pg_report = import_and_report(tmp_path, "pg", postgres_url)
    assert sqlite_said == pg_said
    assert "新增 0 条，已有 37 条" in pg_said[-1]
    assert pg_report == sqlite_report
    assert pg_report["overall"]["replies"] > 0 and len(pg_report["breaches"]) > 0
