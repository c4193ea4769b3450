"""`csbot validate` reports every problem of a library in one run: schema, lint, punctuation."""

import textwrap

from typer.testing import CliRunner

from bot.cli import app
from intents import load_library

runner = CliRunner()

BROKEN = """\
version: 1
library: mine
intents:
  - intent: price
    examples: [能便宜点吗]
    replies:
      - text: "亲，加微信给您优惠哦"
      - text: "全网最低价哦"
      - text: "亲,满99包邮哦~"
  - intent: size
    exmples: [穿几码]
    replies:
      - text: "亲，方便说下身高体重吗？"
"""


def test_schema_and_lint_problems_come_together_in_one_run(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    expected = [
        (7, "平台外 '微信'"),
        (8, "绝对化用语 '全网'、'最'"),
        (9, "半角标点（, → ，、~ → ～）"),
        (10, "意图 size 没有 examples"),
        (11, "不认识的键 'exmples'"),
    ]
    for line, words in expected:
        assert any(x.startswith(f"{path}:{line}: ") and words in x for x in lines), (line, lines)
    assert "全部通过" not in result.output and "Traceback" not in result.output


def test_ascii_punctuation_fails_validate_but_not_the_library_loading(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(
        textwrap.dedent("""\
            version: 1
            library: mine
            intents:
              - intent: price
                examples: [包邮吗]
                replies:
                  - text: "亲,满{n}元包邮哦!"
            defaults:
              n: 99
        """),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert (
        f"{path}:7: 回复里中文旁边用了半角标点（, → ，、! → ！）：亲,满99元包邮哦!" in result.output
    )
    assert load_library(path).intent("price").replies  # the bot still serves it
