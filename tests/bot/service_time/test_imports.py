"""Imports of history: a realistic Telegram Desktop export and the documented CSV, exact figures
after importing them, loud errors, idempotent re-imports, and a load killed half-way."""

import csv
import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import ServiceTargets
from bot.service_time.imports import (
    BATCH_ROWS,
    History,
    ImportFileError,
    parse_csv,
    parse_telegram_export,
    read_csv,
    read_telegram_export,
    store,
)
from bot.service_time.report import build_report
from bot.storage import open_storage
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"
EXPORT = DATA / "telegram_export.json"
HISTORY = DATA / "history.csv"
CHAT = 1876543210
# 小美 by her numeric id, 阿杰 by name, the shop's greeting bot by id (as a manager would type)
AGENTS = ["5550001", "阿杰"]
BOTS = ["6660001"]
runner = CliRunner()


def export_data() -> dict:
    return json.loads(EXPORT.read_text(encoding="utf-8"))


def sample(**options) -> History:
    return read_telegram_export(EXPORT, agents=AGENTS, bots=BOTS, **options)


def by_text(history: History, text: str):
    [message] = [m for m in history.messages if m.text == text]
    return message


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text("storage:\n  database: csbot.db\n", encoding="utf-8")
    return path


def count_rows(database: Path) -> int:
    # Read the file the way any other SQLite client would, independent of Storage.
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            return db.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
    except sqlite3.OperationalError:  # created but not migrated yet, or busy
        return 0


# --- Telegram Desktop export: parsing --------------------------------------------------------


def test_entity_lists_are_joined_and_media_get_a_placeholder():
    history = sample()
    assert by_text(history, "我身高158,体重90斤,穿S码可以吗").role == "customer"
    link = by_text(history, "有运费险的,详情看 运费险说明")
    assert (link.role, link.agent) == ("agent", "小美")
    assert by_text(history, "赵先生 面料是95%棉5%氨纶").agent == "阿杰"  # mention_name entity
    sticker = by_text(history, "[贴纸 👍]")
    assert (sticker.sender, sticker.role) == ("陈女士", "customer")
    assert len([m for m in history.messages if m.text == "[图片]"]) == 2


def test_service_messages_are_skipped_and_ids_name_chat_and_message():
    history = sample()
    assert history.skipped == 2
    assert len(history.messages) == 77
    assert all(m.external_id.startswith(f"{CHAT}:") for m in history.messages)
    assert len({m.external_id for m in history.messages}) == 77
    first = history.messages[0]
    assert (first.external_id, first.conversation, first.title) == (
        f"{CHAT}:42",
        f"{CHAT}:42",
        "布丁小铺 · 客服群",
    )


@pytest.mark.parametrize(
    "agents",
    [["小美", "阿杰"], ["5550001", "5550002"], ["user5550001", "阿杰"]],
    ids=["names", "bare ids", "from_id and name"],
)
def test_agents_by_name_or_id_are_named_by_their_display_name(agents):
    history = read_telegram_export(EXPORT, agents=agents, bots=BOTS)
    assert dict(history.agents) == {"小美": 15, "阿杰": 14}
    assert history.roles == {"customer": 42, "agent": 29, "bot": 6}
    assert history.unmatched == ()


def test_bot_replies_via_an_inline_bot_or_from_a_listed_bot_are_role_bot():
    history = sample()
    via = by_text(history, "尺寸: 25×18×8cm,容量约2L")  # 阿杰 pasted it through @PuddingFAQBot
    assert (via.role, via.agent, via.sender) == ("bot", None, "阿杰")
    assert by_text(history, "客服已下班,明早9点回复您").role == "bot"
    unlisted = read_telegram_export(EXPORT, agents=AGENTS)  # without --bot it is a customer
    assert by_text(unlisted, "客服已下班,明早9点回复您").role == "customer"
    assert by_text(unlisted, "尺寸: 25×18×8cm,容量约2L").role == "bot"


def test_an_idle_gap_splits_a_conversation():
    history = sample()
    assert history.conversations == 11
    before = by_text(history, "不客气亲😊")
    after = by_text(history, "刚拍了,订单号 240520123456 麻烦备注一下白色M码")  # 37 min later
    assert before.conversation != after.conversation
    assert after.conversation == after.external_id  # chat id : first message id
    longer = sample(idle_gap=60 * 60)  # the 42 and 38 minute silences no longer split
    assert longer.conversations == 9
    assert by_text(longer, "不客气亲😊").conversation == f"{CHAT}:42"


def test_a_full_account_export_reads_every_chat():
    shop = export_data()
    personal = {
        "name": "Lily",
        "type": "personal_chat",
        "id": 7770002,
        "messages": [
            {"id": 9, "type": "message", "date_unixtime": "1716200000", "from": "Lily",
             "from_id": "user7770002", "text": "小美姐姐在吗"},
            {"id": 10, "type": "message", "date_unixtime": "1716200011", "from": "小美",
             "from_id": "user5550001", "text": [{"type": "italic", "text": "在的"}, "~"]},
        ],
    }  # fmt: skip
    saved = {"name": "", "type": "saved_messages", "id": 5550001, "messages": personal["messages"]}
    account = {"about": "...", "chats": {"about": "...", "list": [shop, personal, saved]}}
    history = parse_telegram_export(account, agents=AGENTS, bots=BOTS)
    assert len(history.messages) == 79 and history.conversations == 12
    reply = by_text(history, "在的~")
    assert (reply.external_id, reply.conversation, reply.agent) == (
        "7770002:10",
        "7770002:9",
        "小美",
    )


def test_no_listed_agent_in_the_file_is_an_error_that_lists_the_senders():
    with pytest.raises(ImportFileError) as caught:
        read_telegram_export(EXPORT, agents=["小梅"])
    message = str(caught.value)
    assert str(EXPORT) in message and "--agent 小梅" in message
    assert "小美（5550001）15 条" in message


def test_a_broken_message_is_named_by_its_id():
    data = export_data()
    data["messages"][5]["date_unixtime"] = "昨天"
    with pytest.raises(ImportFileError, match=r"消息 id 46: date_unixtime '昨天' 不是 unix 秒"):
        parse_telegram_export(data, agents=AGENTS, name="result.json")


def test_an_older_export_without_unix_times_uses_the_local_date():
    data = export_data()
    for message in data["messages"]:
        del message["date_unixtime"]
    old = parse_telegram_export(data, agents=AGENTS, bots=BOTS, timezone="Asia/Shanghai")
    assert [m.ts for m in old.messages] == [m.ts for m in sample().messages]


def test_invalid_json_and_other_files_say_how_to_export(tmp_path, config):
    broken = tmp_path / "result.json"
    broken.write_text('{"name": "店",\n "messages": [\n  {"id": 1,}\n ]}', encoding="utf-8")
    result = runner.invoke(app, ["import", "telegram-export", str(broken), "--agent", "小美",
                                 "--config", str(config)])  # fmt: skip
    assert result.exit_code == 1
    assert f"{broken}:3:" in result.output and "机器可读的 JSON" in result.output
    assert "Traceback" not in result.output
    broken.write_text('{"chats": []}', encoding="utf-8")
    with pytest.raises(ImportFileError, match="不像 Telegram Desktop 导出的聊天记录"):
        read_telegram_export(broken, agents=["小美"])


# --- figures after importing ----------------------------------------------------------------


async def imported_report(history: History, database: str | Path):
    async with open_storage(database) as storage:
        assert await store(storage, history) == len(history.messages)
        return await build_report(storage, ServiceTargets())


async def test_exact_response_times_after_importing_the_export(storage_url):
    report = await imported_report(sample(), storage_url)
    assert list(report.agents) == ["小美", "阿杰", "（未分配）"]
    xiaomei, ajie, nobody = (
        report.agents["小美"],
        report.agents["阿杰"],
        report.agents["（未分配）"],
    )
    # 小美 first: 12 14 6 30 70; next: 18 28 10 | 120 | 20 unanswered | 10 19 | 20 15 25
    assert (xiaomei.replies, xiaomei.conversations) == (15, 5)
    assert (xiaomei.first_p50, xiaomei.first_p90, xiaomei.first_max) == (14, pytest.approx(54), 70)
    assert xiaomei.first_within == pytest.approx(3 / 5)
    assert (xiaomei.next_p50, xiaomei.next_p90, xiaomei.next_max) == (
        19.5,
        pytest.approx(37.2),
        120,
    )
    assert xiaomei.next_within == pytest.approx(7 / 11)  # the unanswered one counts as a miss
    assert (xiaomei.breaches, xiaomei.unanswered_conversations) == (6, 1)
    assert xiaomei.average_round == pytest.approx((132 + 285 + 600) / 16)
    assert xiaomei.three_minute_rate == pytest.approx(15 / 16)
    # 阿杰 first: 20 9 8 720 (only bots for 12 minutes) 15; next: 40 (past the inline bot) 10 45
    # 15 270 15 11 12
    assert (ajie.replies, ajie.conversations) == (14, 6)
    assert (ajie.first_p50, ajie.first_p90, ajie.first_max) == (15, pytest.approx(440), 720)
    assert (ajie.next_p50, ajie.next_p90, ajie.next_max) == (15, pytest.approx(112.5), 270)
    assert (ajie.first_within, ajie.next_within) == (pytest.approx(3 / 5), pytest.approx(5 / 8))
    assert (ajie.breaches, ajie.unanswered_conversations) == (5, 0)
    assert ajie.average_round == pytest.approx((20 + 9 + 8 + 600 + 15 + 418) / 13)
    assert ajie.three_minute_rate == pytest.approx(11 / 13)
    # 赵先生's invoice question at 21:30 got only the after-hours bot
    assert (nobody.replies, nobody.breaches, nobody.first_within) == (0, 1, 0)
    overall = report.overall
    assert (overall.replies, overall.conversations, overall.breaches) == (29, 11, 12)
    assert (overall.first_p50, overall.first_max, overall.unanswered_conversations) == (
        14.5,
        720,
        2,
    )
    assert overall.first_within == pytest.approx(6 / 11)
    assert overall.average_round == pytest.approx((1017 + 1070 + 600) / 30)


async def test_exact_response_times_after_importing_the_csv(storage_url):
    report = await imported_report(read_csv(HISTORY), storage_url)
    overall = report.overall
    # first: 10 20 14 40 and one never answered; next: 25 15 10 | 20 180 12 | 30 unanswered |
    # 15 15 8
    assert (overall.replies, overall.conversations) == (14, 5)
    assert (overall.first_p50, overall.first_max, overall.first_within) == (17, 40, 0.4)
    assert (overall.next_p50, overall.next_max) == (15, 180)
    assert overall.next_within == pytest.approx(7 / 11)
    assert (overall.breaches, overall.unanswered_conversations) == (7, 2)
    assert (report.agents["小美"].replies, report.agents["阿杰"].replies) == (8, 6)
    assert report.agents["阿杰"].next_max == 180  # the bot's 14:02:05 reply did not stop it


# --- CSV ------------------------------------------------------------------------------------

HEADER = "timestamp,conversation,role,sender,text\n"


def test_csv_times_with_and_without_offset_or_as_unix_seconds_agree():
    rows = (
        HEADER + "2024-06-01 10:00:00,a,customer,tb_1,在吗\n"  # naive: the config's time zone
        "2024-06-01T10:00:00+08:00,a,顾客,tb_1,在吗\n"
        "2024-06-01T02:00:00Z,a,Customer,tb_1,在吗\n"
        "1717207200,a,customer,tb_1,在吗\n"
    )
    history = parse_csv(rows, timezone="Asia/Shanghai")
    assert {m.ts for m in history.messages} == {1717207200.0}
    assert parse_csv(rows, timezone="UTC").messages[0].ts == 1717207200.0 + 8 * 3600
    assert len({m.external_id for m in history.messages}) == 4  # same message four times


def test_csv_roles_in_chinese_and_multiline_text():
    history = read_csv(HISTORY)
    assert len(history.messages) == 37 and history.conversations == 5
    assert history.roles == {"customer": 20, "agent": 14, "bot": 3}
    assert by_text(history, "补运费链接发我一下\n谢谢").sender == "李先生"
    assert by_text(history, "90%白鸭绒哦").agent == "小美"  # role 客服


@pytest.mark.parametrize(
    ("row", "line", "says"),
    [
        ("2024-06-01 10:00:05,a,seller,小美,在的", 3, "角色（role）'seller' 不认识"),
        ("明天上午,a,customer,tb_1,在吗", 3, "时间 '明天上午' 看不懂"),
        ("6月1日 10:00,a,customer,tb_1,在吗", 3, "缺年、月或日"),
        ("20240601,a,customer,tb_1,在吗", 3, "Excel 的日期序号"),
        ("5,a,customer,tb_1,在吗", 3, "Excel 的日期序号"),
        ("2024/6/2 10:00 CST,a,customer,tb_1,在吗", 3, "看不懂"),  # never dropped silently
        ("2024-06-01T10:00:00+25:00,a,customer,tb_1,在吗", 3, "时区偏移不对"),
        ("1717207200000,a,customer,tb_1,在吗", 3, "像是毫秒"),
        ("2024-06-01 10:00:05,a,agent,,在的", 3, "发送人（sender）写客服的名字"),
        ("2024-06-01 10:00:05,,customer,tb_1,在吗", 3, "会话（conversation）是空的"),
        ("2024-06-01 10:00:05,a,agent,小美,好的,亲", 3, "请用英文双引号"),
        ('2024-06-01 10:00:05,a,agent,小美,"好的\n亲"\n2024-06-01,a,bot,x,y,z', 5, "有 6 列"),
    ],
    ids=[
        "role",
        "time",
        "no year",
        "yyyymmdd",
        "a small number",
        "unknown zone",
        "offset",
        "milliseconds",
        "agent without name",
        "no conversation",
        "comma",
        "line",
    ],
)
def test_csv_errors_name_the_file_and_line_and_import_nothing(tmp_path, config, row, line, says):
    rows = [f"2024-06-01 10:00:00,a,customer,tb_{i},在吗" for i in range(BATCH_ROWS + 10)]
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + rows[0] + "\n" + row + "\n" + "\n".join(rows[1:]), encoding="utf-8")
    result = runner.invoke(app, ["import", "csv", str(bad), "--config", str(config)])
    assert result.exit_code == 1
    assert f"{bad}:{line}: " in result.output and says in result.output
    assert "没有导入任何消息" in result.output and "Traceback" not in result.output
    assert count_rows(config.parent / "csbot.db") == 0


def test_csv_header_and_encoding(tmp_path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("日期,会话,角色,发送人,内容\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match=r"wrong.csv:1: 表头缺少 timestamp.*时间,会话"):
        read_csv(wrong)
    excel = tmp_path / "excel.csv"  # saved by Excel in China: GBK; or UTF-8 with a BOM
    excel.write_bytes((HEADER + "1717207200,a,客服,小美,在的亲\n").encode("gbk"))
    assert read_csv(excel).messages[0].agent == "小美"
    excel.write_bytes(("\ufeff" + HEADER + "1717207200,a,客服,小美,在的亲\n").encode())
    assert read_csv(excel).messages[0].text == "在的亲"
    with pytest.raises(ImportFileError, match="找不到这个文件"):
        read_csv(tmp_path / "missing.csv")


# --- the command line: counts and re-imports ------------------------------------------------


def test_reimporting_adds_nothing(config):
    args = ["import", "telegram-export", str(EXPORT), "--agent", "小美", "--agent", "5550002",
            "--bot", "6660001", "--agent", "老王", "--config", str(config)]  # fmt: skip
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "读取 77 条消息（跳过 2 条系统消息），11 段对话" in first.output
    assert "客服 小美 15 条，阿杰 14 条；机器人 6 条；顾客 42 条" in first.output
    assert "新增 77 条，已有 0 条" in first.output
    assert "老王 没有对上" in first.output
    again = runner.invoke(app, args)
    assert "新增 0 条，已有 77 条" in again.output
    for _ in range(2):
        done = runner.invoke(app, ["import", "csv", str(HISTORY), "--config", str(config)])
        assert done.exit_code == 0, done.output
    assert "读取 37 条消息，5 段对话" in done.output and "新增 0 条，已有 37 条" in done.output
    assert count_rows(config.parent / "csbot.db") == 77 + 37


# --- killed mid-load --------------------------------------------------------------------------

TOTAL = 100_000  # 20 transactions of BATCH_ROWS
T0 = 1_717_200_000


def write_big_csv(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["timestamp", "conversation", "role", "sender", "text"])
        for i in range(TOTAL):
            agent = i % 2 == 1
            writer.writerow(
                [T0 + i, f"c{i // 50}", "客服" if agent else "顾客",
                 "小美" if agent else f"tb_{i // 50}", f"第{i}条,亲"]
            )  # fmt: skip


def test_a_killed_import_keeps_whole_batches_and_a_rerun_completes_it(tmp_path, config):
    big = tmp_path / "big.csv"
    write_big_csv(big)
    database = config.parent / "csbot.db"
    command = [sys.executable, "-m", "bot", "import", "csv", str(big), "--config", str(config)]
    loader = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300  # a guard against hanging, not a timing assertion
    try:
        while not 0 < count_rows(database) < TOTAL:
            if loader.poll() is not None:
                pytest.fail(f"the import ended before it could be killed: {loader.communicate()}")
            if time.monotonic() > deadline:
                pytest.fail("the import never started writing")
            time.sleep(0.002)
        loader.send_signal(signal.SIGKILL)
    finally:
        loader.kill()
        loader.communicate()
    assert loader.returncode == -signal.SIGKILL

    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = db.execute(
            "SELECT c.external_id, m.ts, m.role, m.sender, m.text, a.name FROM messages m"
            " JOIN conversations c ON c.id = m.conversation_id"
            " LEFT JOIN agents a ON a.id = m.agent_id ORDER BY m.ts"
        ).fetchall()
        empty = db.execute(
            "SELECT COUNT(*) FROM conversations"
            " WHERE id NOT IN (SELECT conversation_id FROM messages)"
        ).fetchone()[0]
    present = len(rows)
    assert 0 < present < TOTAL and present % BATCH_ROWS == 0  # whole transactions only
    assert empty == 0  # no conversation written without its messages
    for i, (conversation, ts, role, sender, text, agent) in enumerate(rows):
        agent_row = i % 2 == 1
        assert (conversation, ts, text) == (f"c{i // 50}", T0 + i, f"第{i}条,亲")
        assert (role, agent) == ((1, "小美") if agent_row else (0, None))
        assert sender == ("小美" if agent_row else f"tb_{i // 50}")

    rerun = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert f"新增 {TOTAL - present} 条，已有 {present} 条" in rerun.stdout
    assert count_rows(database) == TOTAL


# --- what Chinese spreadsheets write ------------------------------------------------------------


def test_chinese_headers_and_the_date_forms_of_chinese_spreadsheets():
    rows = (
        "时间,会话,角色,发送人,内容\n"
        "2024/6/2 10:00,qn-001,顾客,tb_1,在吗\n"  # Excel, Chinese locale
        "2024/06/02 10:00:30,qn-001,客服,小美,在的亲\n"
        "2024年6月2日 10:01:00,qn-001,顾客,tb_1,有XL吗\n"
        "2024年6月2日10时1分20秒,qn-001,客服,小美,有的\n"
        "45445.42,qn-001,顾客,tb_1,好的\n"  # an Excel serial day number: 2024-06-02 10:04:48
        "2024/06/03,qn-002,顾客,tb_2,发货了吗\n"
    )
    history = parse_csv(rows, timezone="Asia/Shanghai")
    ten = 1717293600.0  # 2024-06-02 10:00:00 +08:00
    assert [m.ts - ten for m in history.messages] == [0, 30, 60, 80, 288, 50400]
    assert [m.role for m in history.messages][:2] == ["customer", "agent"]
    assert history.messages[1].agent == "小美" and history.conversations == 2


def test_an_excel_serial_is_read_in_the_shops_time_zone():
    rows = "时间,会话,角色,发送人,内容\n45445.416666666664,a,顾客,tb_1,在吗\n"
    assert parse_csv(rows, timezone="Asia/Shanghai").messages[0].ts == 1717293600.0
    assert parse_csv(rows, timezone="UTC").messages[0].ts == 1717293600.0 + 8 * 3600


def test_a_big_csv_streams_in_bounded_memory(tmp_path):
    """The file is checked and stored batch by batch: holding 50,000 messages at once took
    about 40 MB, streaming them keeps the peak to a few."""
    import tracemalloc

    big = tmp_path / "big.csv"
    with big.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["时间", "会话", "角色", "发送人", "内容"])
        for i in range(50_000):
            writer.writerow([T0 + i, f"c{i // 6}", "顾客", f"tb_{i // 6}", f"第{i}条消息,亲在吗"])
    tracemalloc.start()
    try:
        history = read_csv(big)
        stored = sum(len(batch) for batch in history.batches())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert stored == history.total == 50_000 and history.conversations == 8_334
    assert peak < 12 * 2**20, f"peak {peak / 2**20:.1f} MB"


# --- two importers at once ----------------------------------------------------------------------


def _import_command(path: Path, config: Path) -> list[str]:
    return [sys.executable, "-m", "bot", "import", "csv", str(path), "--config", str(config)]


def _small_csv(path: Path, prefix: str, count: int = 12_000) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_HEADER)
        for i in range(count):
            writer.writerow([T0 + i, f"{prefix}{i // 4}", "顾客", "tb", f"{prefix} 第{i}条"])
    return path


CSV_HEADER = ["timestamp", "conversation", "role", "sender", "text"]


def test_a_second_importer_waits_for_the_first_and_says_so(tmp_path, config):
    from filelock import FileLock

    database = config.parent / "csbot.db"
    held = FileLock(f"{database}.import-lock")  # as a first importer holds it
    held.acquire()
    loader = subprocess.Popen(
        _import_command(_small_csv(tmp_path / "a.csv", "a"), config),
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        # readline blocks until the importer prints; the check's progress line comes first
        waiting = next(line for line in loader.stderr if line.strip() or not line)
        assert "另一个 csbot import 正在写入" in waiting and str(database) in waiting
        assert count_rows(database) == 0  # nothing written while it waits
    finally:
        held.release()
    out, errors = loader.communicate(timeout=300)  # a guard against a hang, not a timing check
    assert loader.returncode == 0, errors
    assert "新增 12000 条" in out and count_rows(database) == 12_000


def test_two_importers_at_once_on_a_fresh_database_both_finish(tmp_path, config):
    database = config.parent / "csbot.db"
    commands = [_import_command(_small_csv(tmp_path / f"{p}.csv", p), config) for p in "ab"]
    loaders = [
        subprocess.Popen(c, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    results = [loader.communicate(timeout=300) for loader in loaders]  # a hang fails here
    assert [loader.returncode for loader in loaders] == [0, 0], results
    assert all("新增 12000 条" in out for out, _ in results)
    assert count_rows(database) == 24_000
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
