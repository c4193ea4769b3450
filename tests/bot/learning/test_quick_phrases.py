"""csbot import quick-phrases: a 千牛 export into replies of the intents they answer."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app
from bot.learning import quick_phrases
from intents import Assistant, load_library

PHRASES = Path(__file__).resolve().parents[3] / "phrases"
runner = CliRunner()

HEADER = ("分组", "快捷编码", "短语内容")
ROWS = (
    ("欢迎语", "hy", "亲，欢迎光临小店～有什么可以帮您的吗？"),
    ("物流", "fh", "亲，下午4点前付款的订单当天发出，默认发韵达快递哦～"),
    ("物流", "kd", "您好，我们默认发韵达，需要顺丰的话请补运费差价。"),
    ("售后", "th", "亲，支持七天无理由退换，退货时请保持吊牌完好哦"),
    ("议价", "yj", "亲，已经是活动价了，再买一件可以用满减券哦"),
    ("发票", "fp", "亲，可以开电子发票的，下单后把抬头和税号发给我就行"),
    ("常用", "a1", "亲，这款是我们家卖得最好的爆款"),
    ("常用", "a2", "有问题加我微信 abc123 详聊"),
    ("常用", "a3", "亲，稍等一下，我帮您查一查"),
    ("", "", ""),
    ("催付", "cf", "亲，您拍下的宝贝还没付款哦，库存紧张，早付早发货～"),
)
EXPECTED = {  # (intent, topic): each phrase filed where the engine judges it answers
    ("greeting", None): ["亲，欢迎光临小店～有什么可以帮您的吗？"],
    ("shipping", "ship_time"): [ROWS[1][2]],
    ("shipping", "courier_choice"): [ROWS[2][2]],
    ("after_sales", "seven_day_return"): [ROWS[3][2]],
    ("price", "full_reduction"): [ROWS[4][2]],
    ("invoice", None): [ROWS[5][2]],
    ("payment", None): [ROWS[10][2]],
}


def topic_replies(library: Path, intent: str, topic: str) -> list[str]:
    """The topic's replies as the assistant renders them, from the library folder."""
    assistant = Assistant(load_library(library))
    (found,) = [t for t in assistant.library.intent(intent).topics if t.id == topic]
    return [assistant.render(r) for r in found.replies]


def write_csv(path: Path, encoding: str) -> Path:
    lines = [",".join(HEADER), *(",".join(row) for row in ROWS)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def write_xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append([cell or None for cell in row])
    book.save(path)
    return path


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "lib"
    folder.mkdir()
    for file in PHRASES.glob("*.yaml"):
        shutil.copy(file, folder)
    return folder


@pytest.mark.parametrize(
    "make",
    [
        lambda d: write_csv(d / "快捷短语.csv", "utf-8-sig"),
        lambda d: write_csv(d / "快捷短语.csv", "gbk"),
        lambda d: write_xlsx(d / "快捷短语.xlsx"),
    ],
    ids=["csv-utf8", "csv-gbk", "xlsx"],
)
def test_phrases_are_filed_under_the_intent_they_answer(tmp_path: Path, library: Path, make):
    export = make(tmp_path)
    out = library / "qianniu.yaml"
    result = runner.invoke(
        app, ["import", "quick-phrases", str(export), "--library", str(library), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "读取 10 条快捷短语" in result.output
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    filed = {
        (item["intent"], item.get("topic")): [r["text"] for r in item["replies"]]
        for item in data["learned"]
    }
    assert filed == EXPECTED
    # unsure ones are listed for a person, with where they came from
    assert [(u["source"], u["replies"][0]["text"]) for u in data["unsorted"]] == [
        (f"{export}:10", "亲，稍等一下，我帮您查一查")
    ]
    assert f"{export}:10" in result.output
    # rejected by the reply lint, reported in Chinese with file:line, and not written
    assert f"{export}:8: 回复用了广告法禁用的绝对化用语 '最'" in result.output
    assert f"{export}:9: 回复把顾客引到平台外 '微信'" in result.output
    assert "微信" not in out.read_text(encoding="utf-8")
    # in the library folder the shop's own wording is what the assistant suggests
    assert ROWS[5][2] in Assistant(load_library(library)).replies_for("invoice")


def test_tone_follows_the_wording(tmp_path: Path, library: Path):
    out = tmp_path / "q.yaml"
    export = write_csv(tmp_path / "q.csv", "utf-8")
    runner.invoke(
        app, ["import", "quick-phrases", str(export), "--library", str(library), "--out", str(out)]
    )
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    placed = [*data["learned"], *data["unsorted"]]
    tones = {r["text"]: r["tone"] for item in placed for r in item["replies"]}
    assert tones[ROWS[2][2]] == "正式"
    assert tones[ROWS[1][2]] == "亲切"
    assert "放进话术库文件夹" in out.read_text(encoding="utf-8").splitlines()[1]


def test_braces_in_a_phrase_stay_text(tmp_path: Path, library: Path):
    export = tmp_path / "q.csv"
    export.write_text(
        "分组,快捷编码,短语内容\n物流,x,亲，{包邮} 的订单当天发快递哦\n", encoding="utf-8"
    )
    out = library / "q.yaml"
    result = runner.invoke(
        app, ["import", "quick-phrases", str(export), "--library", str(library), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "亲，{包邮} 的订单当天发快递哦" in topic_replies(library, "shipping", "ship_time")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件是空的"),
        ("名称,内容说明\n物流,亲\n".encode(), ":1: 找不到 短语内容 列"),
        (b"\xff\xfe\x00\x00bad", "不是 UTF-8"),
    ],
)
def test_unreadable_exports_say_where_and_what_to_do(tmp_path: Path, content: bytes, message: str):
    export = tmp_path / "q.csv"
    export.write_bytes(content)
    result = runner.invoke(
        app, ["import", "quick-phrases", str(export), "--out", str(tmp_path / "o.yaml")]
    )
    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "o.yaml").exists()


def test_a_broken_workbook_is_reported_not_raised(tmp_path: Path):
    export = tmp_path / "q.xlsx"
    export.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(quick_phrases.QuickPhraseError, match="不是能读的 Excel 文件"):
        quick_phrases.read(export)


def test_title_row_and_repeated_phrases(tmp_path: Path, library: Path):
    shipped = Assistant(load_library(library)).replies_for("shipping")[0]
    export = tmp_path / "q.csv"
    export.write_text(
        "快捷短语导出 2024-06-01,,\n"
        "分组,快捷编码,短语内容\n"
        "物流,a,亲，下午4点前付款的订单当天发出，默认发韵达快递哦～\n"
        "常用,b,亲，下午4点前付款的订单当天发出，默认发韵达快递哦～\n"
        f'物流,c,"{shipped}"\n',
        encoding="utf-8",
    )
    phrases = quick_phrases.read(export)
    assert [p.line for p in phrases] == [3, 4, 5]
    filed = quick_phrases.file_phrases(load_library(library), phrases)
    assert filed.repeated == 2
    assert [p.line for ps in filed.placed.values() for p in ps] == [3]
