import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.evaluation import evaluate, read_tsv
from tests.conftest import PHRASES, ROOT

CSBOT = [sys.executable, "-m", "bot"]
runner = CliRunner()


def run_match(lines: bytes, *args: str) -> list[dict]:
    done = subprocess.run(
        [*CSBOT, "match", *args], input=lines, capture_output=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr.decode()
    return [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]


def test_match_follows_the_contract_line_for_line():
    odd = [
        "包邮吗?几天能到",
        "",
        "   ",
        "x" * 100_000,
        "\x01\x02控制字符\x1b[31m",
        "🙏🙏🙏",
        "what is the weather",
        "在庫はありますか",
        "'; DROP TABLE x;--",
        "<b>包邮</b>",
        "\u2028分隔\x0b符\x1c",
    ]
    records = run_match(("\n".join(odd) + "\n").encode() + b"\xff\xfe bad utf-8\n")
    assert len(records) == len(odd) + 1
    for record, text in zip(records, odd, strict=False):
        assert record["text"] == text
        assert set(record) == {"text", "intents", "replies"}
        assert all(
            set(i) == {"intent", "score", "topic"} and 0 <= i["score"] <= 1
            for i in record["intents"]
        )
        assert record["replies"] and all(isinstance(r, str) for r in record["replies"])
    first = records[0]
    assert {i["intent"] for i in first["intents"]} == {"price", "shipping"}
    assert first["intents"][0]["score"] >= first["intents"][1]["score"]  # best first
    assert records[1]["intents"] == [] and records[6]["intents"] == []


def test_match_flushes_each_line_before_reading_the_next():
    proc = subprocess.Popen(
        [*CSBOT, "match"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT
    )
    assert proc.stdin and proc.stdout
    try:
        for message, intent in [("在吗", "greeting"), ("可以开发票吗", "invoice")]:
            proc.stdin.write(message.encode() + b"\n")
            proc.stdin.flush()
            record = json.loads(proc.stdout.readline())
            assert record["intents"][0]["intent"] == intent
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    assert proc.returncode == 0


def test_match_with_another_library():
    [record] = run_match("伤口还有点疼,正常吗\n".encode(), "--library", str(PHRASES / "clinic"))
    assert record["intents"][0]["intent"] == "recovery"


def test_match_renders_placeholders_from_config(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("library:\n  values:\n    free_shipping_threshold: 59\n", encoding="utf-8")
    [record] = run_match("包邮吗\n".encode(), "--config", str(config))
    assert any("59" in reply for reply in record["replies"])


def test_suggest_explains_with_the_intents_chinese_names(monkeypatch):
    result = runner.invoke(app, ["suggest", "有色差吗"])
    assert result.exit_code == 0, result.output
    assert "颜色" in result.output and "匹配的例句" in result.output
    assert "color" not in result.output  # staff read 颜色, not the id


def test_chat_reads_piped_stdin_until_eof():
    result = runner.invoke(app, ["chat"], input="包邮吗\n\n今天几号\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("顾客> ") == 2
    assert "价格" in result.output and "price" not in result.output
    assert "没有把握的意图" in result.output


def test_validate_shipped_libraries_pass():
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    assert "全部通过" in result.output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("version: 1\nlibrary: x: y\nintents: []\n", ":2: YAML 语法错误"),
        (
            "version: 1\nintents:\n  - intent: a\n    examples: []\n    replies: []\n",
            ":4: 意图 a 没有",
        ),
    ],
)
def test_validate_bad_file_prints_path_line_and_exits_1(tmp_path, content, expected):
    bad = tmp_path / "bad.yaml"
    bad.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}{expected}" in result.output
    assert "Traceback" not in result.output


def test_bad_config_is_one_clear_line(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("replies:\n  tone: 可爱\n", encoding="utf-8")
    result = runner.invoke(app, ["suggest", "包邮吗", "--config", str(config)])
    assert result.exit_code == 2
    assert f"{config}:2: replies.tone" in result.output


def test_eval_prints_ours_beside_the_baseline(tmp_path):
    tsv = tmp_path / "mini.tsv"
    tsv.write_text(
        "text\tintents\ttags\n包邮吗\tprice\t\n在吗\tgreeting\t\n今天几号\tnone\toos\n"
        "包邮吗,几天到\tprice,shipping\tmulti\n",
        encoding="utf-8",
    )
    library = tmp_path / "mini.yaml"
    library.write_text(
        "version: 1\nlibrary: mini\nintents:\n"
        + "".join(
            f"  - intent: {name}\n    examples: [{examples}]\n    replies: [{{text: 好的}}]\n"
            for name, examples in [
                ("price", "包邮吗, 能便宜点吗, 有优惠吗"),
                ("greeting", "在吗, 你好, 有人吗"),
                ("shipping", "几天到, 什么时候发货, 发什么快递"),
            ]
        )
        + "out_of_scope: [今天天气怎么样, 讲个笑话]\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["eval", str(tsv), "--library", str(library)])
    assert result.exit_code == 0, result.output
    assert "TF-IDF+LR" in result.output
    assert "有意图：第一名对" in result.output and "100.0%（2/2）" in result.output
    assert "有意图：需要全对不多" in result.output and "100.0%（3/3）" in result.output


def test_every_need_exact_counts_a_spurious_companion_against_a_one_need_line(tmp_path):
    tsv = tmp_path / "x.tsv"
    tsv.write_text("text\tintents\n包邮吗\tprice\n在吗 包邮吗\tprice\n几天到\tshipping\n")
    rows = read_tsv(tsv)
    answers = {"包邮吗": ["price"], "在吗 包邮吗": ["price", "greeting"], "几天到": []}
    report = evaluate("x", rows, answers.__getitem__)
    assert (report.top1_correct, report.needs_exact, report.asked) == (2, 1, 3)


def test_module_entry_point_exists():
    assert Path(ROOT / "bot" / "__main__.py").exists()
