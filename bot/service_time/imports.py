"""History the shop already has, read into timelines: Telegram Desktop exports and a plain CSV.

Reading is pure (a file → `TimelineMessage`s, or an `ImportFileError` that names the file, the
line or message id, and the fix) and checks the whole file before anything is stored. Storing
goes through `Storage.add_timeline` in batches of `BATCH_ROWS`, each batch one transaction: a
killed import leaves only whole batches behind, and running it again adds exactly what is
missing, because every message has a stable external id.

A CSV streams: a first pass checks every row and keeps 24 bytes per row (its time, a hash of
its content and of its conversation), a second pass reads it again and hands out one batch at a
time, so memory grows by those bytes, not by the messages.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import math
import warnings
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

import numpy as np

from bot.storage import Storage, TimelineMessage
from bot.textfiles import TextFileError, read_text

TELEGRAM_SOURCE = "telegram-export"
CSV_SOURCE = "csv"
#: Rows per transaction: small enough that a kill loses little, big enough to load quickly.
BATCH_ROWS = 5_000
DEFAULT_IDLE_GAP = 30 * 60.0
CSV_COLUMNS = ("timestamp", "conversation", "role", "sender", "text")
#: Header names a spreadsheet may carry, in English or Chinese, for each column.
CSV_HEADERS = {
    "timestamp": "timestamp", "时间": "timestamp", "发送时间": "timestamp",
    "conversation": "conversation", "会话": "conversation", "会话编号": "conversation",
    "role": "role", "角色": "role",
    "sender": "sender", "发送人": "sender", "发送者": "sender",
    "text": "text", "内容": "text", "消息内容": "text",
}  # fmt: skip
_CHINESE_HEADER = "时间,会话,角色,发送人,内容"
#: Excel serial day numbers taken as dates: 2000-01-01 (36526) up to 2100-01-01 (73051). A
#: smaller number in a time column (5, 2024) is a mistake, not a day in 1900.
_EXCEL_SERIALS = (36_526.0, 73_051.0)
CSV_ROLES = {
    "customer": "customer",
    "agent": "agent",
    "bot": "bot",
    "顾客": "customer",
    "客服": "agent",
    "机器人": "bot",
}
MAX_PROBLEMS = 20  # a file that is wrong throughout needs the pattern, not every line
_EXPORT_HELP = (
    "在 Telegram Desktop 里导出：单个聊天用聊天右上角菜单 → 导出聊天记录，"
    "整个账号用 设置 → 高级 → 导出 Telegram 数据；格式都选 “机器可读的 JSON”"
)
_MEDIA = {
    "sticker": "贴纸",
    "animation": "动图",
    "video_file": "视频",
    "video_message": "视频消息",
    "voice_message": "语音",
    "audio_file": "音频",
}


class ImportFileError(ValueError):
    """A file that cannot be imported; nothing of it was stored."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


Batches = Callable[[int], Iterator[list[TimelineMessage]]]


@dataclass(frozen=True)
class History:
    """One checked file, ready for `store`: its counts, and its messages batch by batch."""

    source: str
    total: int
    roles: Counter[str]
    agents: Counter[str]
    conversations: int
    read_batches: Batches
    skipped: int = 0  # Telegram service messages (joins, pins): not part of any conversation
    unmatched: tuple[str, ...] = ()  # --agent/--bot values that matched nobody in the file

    @classmethod
    def of(
        cls,
        source: str,
        messages: list[TimelineMessage],
        *,
        skipped: int = 0,
        unmatched: tuple[str, ...] = (),
    ) -> History:
        """A history already in memory (a Telegram export is one JSON document)."""

        def batches(size: int) -> Iterator[list[TimelineMessage]]:
            for start in range(0, len(messages), size):
                yield messages[start : start + size]

        return cls(
            source,
            len(messages),
            Counter(m.role for m in messages),
            Counter(m.agent for m in messages if m.agent),
            len({m.conversation for m in messages}),
            batches,
            skipped,
            unmatched,
        )

    def batches(self, size: int = BATCH_ROWS) -> Iterator[list[TimelineMessage]]:
        return self.read_batches(size)

    @property
    def messages(self) -> list[TimelineMessage]:
        """Every message at once: for small files and tests; `store` goes batch by batch."""
        return [m for batch in self.batches() for m in batch]


async def store(
    storage: Storage,
    history: History,
    *,
    batch: int = BATCH_ROWS,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Add the messages in batches, one transaction each; returns how many were new."""
    new = 0
    for chunk in history.batches(batch):
        new += await storage.add_timeline(history.source, chunk)
        if progress is not None:
            progress(len(chunk))
    return new


# --- Telegram Desktop export -----------------------------------------------------------------


def read_telegram_export(
    path: Path,
    *,
    agents: Sequence[str],
    bots: Sequence[str] = (),
    idle_gap: float = DEFAULT_IDLE_GAP,
    timezone: str = "Asia/Shanghai",
) -> History:
    """A Telegram Desktop `result.json`: one chat, or the whole account's `chats.list`."""
    text = _read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            [f"{path}:{exc.lineno}:{exc.colno}: 不是有效的 JSON（{exc.msg}）；{_EXPORT_HELP}"]
        ) from None
    return parse_telegram_export(
        data, agents=agents, bots=bots, idle_gap=idle_gap, timezone=timezone, name=str(path)
    )


def parse_telegram_export(
    data: object,
    *,
    agents: Sequence[str],
    bots: Sequence[str] = (),
    idle_gap: float = DEFAULT_IDLE_GAP,
    timezone: str = "Asia/Shanghai",
    name: str = "result.json",
) -> History:
    """Messages from a listed agent are role agent, named by their display name; a message sent
    via an inline bot or from a listed bot is role bot; everyone else is a customer. A silence
    longer than ``idle_gap`` seconds starts a new conversation.

    >>> chat = {"id": 7, "name": "店", "messages": [
    ...     {"id": 1, "type": "message", "date_unixtime": "100", "from": "顾客", "from_id": "user1",
    ...      "text": ["在吗", {"type": "bold", "text": "?"}]},
    ...     {"id": 2, "type": "message", "date_unixtime": "108", "from": "小美", "from_id": "user2",
    ...      "text": "在的亲"}]}
    >>> [(m.role, m.agent, m.text) for m in parse_telegram_export(chat, agents=["2"]).messages]
    [('customer', None, '在吗?'), ('agent', '小美', '在的亲')]
    """
    chats = _chats(data, name)
    zone = ZoneInfo(timezone)
    agent_keys = {a.strip() for a in agents if a.strip()}
    bot_keys = {b.strip() for b in bots if b.strip()}
    display = _display_names(chats)
    problems: list[str] = []
    messages: list[TimelineMessage] = []
    skipped = 0
    seen: set[str] = set()
    senders: Counter[tuple[str, str]] = Counter()
    for chat in chats:
        chat_id, title = chat.get("id"), str(chat.get("name") or "")
        if chat.get("type") == "saved_messages":
            continue  # notes to oneself, not a conversation with a customer
        where = f"{name}: 聊天 {title or chat_id}" if len(chats) > 1 else name
        if not isinstance(chat_id, int) or not isinstance(chat.get("messages"), list):
            problems.append(f"{where}: 缺少聊天 id 或 messages 列表；{_EXPORT_HELP}")
            continue
        read, service = _dated_messages(chat["messages"], where, zone, problems)
        skipped += service
        conversation, last = "", -math.inf
        for ts, message_id, message in read:
            if ts - last > idle_gap:
                conversation = f"{chat_id}:{message_id}"
            last = ts
            sender = str(message.get("from") or "")
            from_id = str(message.get("from_id") or "")
            keys = _keys(sender, from_id)
            senders[(sender, from_id)] += 1
            role, agent = "customer", None
            if message.get("via_bot") or keys & bot_keys:
                role = "bot"
                sender = sender or str(message.get("via_bot"))
            elif keys & agent_keys:
                role, agent = "agent", display.get(from_id) or sender or from_id
            seen |= keys
            messages.append(
                TimelineMessage(
                    conversation=conversation,
                    external_id=f"{chat_id}:{message_id}",
                    ts=ts,
                    role=role,
                    sender=sender,
                    agent=agent,
                    text=_export_text(message.get("text")) or _media(message),
                    title=title or None,
                )
            )
    if problems:
        raise ImportFileError(problems[:MAX_PROBLEMS])
    if messages and not any(m.role == "agent" for m in messages):
        top = ", ".join(
            f"{s or '（无名）'}（{_bare(i) or i}）{n} 条" for (s, i), n in senders.most_common(8)
        )
        raise ImportFileError(
            [
                f"{name}: --agent {' '.join(sorted(agent_keys))} 没有对上任何发言人，"
                f"所有消息都会算作顾客的，所以没有导入。文件里发言最多的是：{top}。"
                "请用 --agent 写客服的名字或 id（可以写多次）"
            ]
        )
    unmatched = tuple(sorted((agent_keys | bot_keys) - seen))
    return History.of(TELEGRAM_SOURCE, messages, skipped=skipped, unmatched=unmatched)


def _dated_messages(
    items: list[object], where: str, zone: ZoneInfo, problems: list[str]
) -> tuple[list[tuple[float, int, dict[str, object]]], int]:
    """(ts, id, message) of a chat's messages in time order, and how many service messages."""
    read, service = [], 0
    for position, message in enumerate(items, start=1):
        if len(problems) >= MAX_PROBLEMS:
            break
        message_id = message.get("id") if isinstance(message, dict) else None
        if not isinstance(message, dict) or not isinstance(message_id, int):
            problems.append(f"{where}: 第 {position} 条消息没有 id，文件可能被改坏了；请重新导出")
            continue
        if message.get("type") != "message":
            service += 1
            continue
        try:
            read.append((_export_time(message, zone), message_id, message))
        except ValueError as exc:
            problems.append(f"{where}: 消息 id {message_id}: {exc}")
    read.sort(key=lambda item: (item[0], item[1]))
    return read, service


def _chats(data: object, name: str) -> list[dict[str, object]]:
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        return [data]
    chats = data.get("chats") if isinstance(data, dict) else None
    if isinstance(chats, dict) and isinstance(chats.get("list"), list):
        return [c for c in chats["list"] if isinstance(c, dict)]
    what = "这不像 Telegram Desktop 导出的聊天记录（没有 messages 或 chats.list）"
    raise ImportFileError([f"{name}: {what}; {_EXPORT_HELP}"])


def _display_names(chats: Iterable[dict[str, object]]) -> dict[str, str]:
    """from_id → the latest display name, so an agent listed by id shows under their name."""
    names: dict[str, str] = {}
    for chat in chats:
        for message in chat.get("messages") or ():  # type: ignore[attr-defined]
            if isinstance(message, dict) and message.get("from") and message.get("from_id"):
                names[str(message["from_id"])] = str(message["from"])
    return names


def _keys(sender: str, from_id: str) -> set[str]:
    """What --agent and --bot may name: the display name, "user123" or the bare 123."""
    return {k for k in (sender, from_id, _bare(from_id)) if k}


def _bare(from_id: str) -> str:
    return from_id.lstrip("abcdefghijklmnopqrstuvwxyz")


def _export_time(message: dict[str, object], zone: ZoneInfo) -> float:
    raw = message.get("date_unixtime")
    if raw is not None:
        try:
            return float(int(str(raw)))
        except ValueError:
            raise ValueError(f"date_unixtime {raw!r} 不是 unix 秒；请重新导出") from None
    try:  # exports before 2021 carry only "date", in the exporting computer's local time
        when = datetime.fromisoformat(str(message["date"]))
    except (KeyError, ValueError):
        raise ValueError(
            "没有 date_unixtime 也没有可读的 date；请用新版 Telegram Desktop 重新导出"
        ) from None
    return (when if when.tzinfo else when.replace(tzinfo=zone)).timestamp()


def _export_text(text: object) -> str:
    """A plain string, or a list of strings and entities ({"type": "bold", "text": "158"})."""
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        return "".join(
            part if isinstance(part, str) else str(part.get("text", ""))
            for part in text
            if isinstance(part, str | dict)
        )
    return ""


def _media(message: dict[str, object]) -> str:
    """What a message without text carried, so a breach list still says what was sent."""
    if "photo" in message:
        return "[图片]"
    kind = message.get("media_type")
    if isinstance(kind, str):
        emoji = message.get("sticker_emoji")
        return f"[{_MEDIA.get(kind, kind)}{f' {emoji}' if emoji else ''}]"
    return "[文件]" if "file" in message else ""


# --- CSV --------------------------------------------------------------------------------------


def read_csv(
    path: Path,
    *,
    timezone: str = "Asia/Shanghai",
    progress: Callable[[int, int], None] | None = None,
) -> History:
    """The documented CSV (see README), checked in one streaming pass; ``progress`` hears
    (bytes read, file size) as the check goes."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImportFileError([f"{path}: 找不到这个文件"]) from None
    except OSError as exc:
        raise ImportFileError([f"{path}: 读不了（{exc.strerror}）"]) from None

    last_error: UnicodeDecodeError | None = None
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK by default
        try:
            with path.open("rb", buffering=0) as raw:
                lines = io.TextIOWrapper(io.BufferedReader(raw, 1 << 20), encoding, newline="")
                # bytes taken from the file so far: the check's progress
                report = None
                if progress is not None:
                    report = functools.partial(lambda f, n: progress(f.tell(), n), raw, size)
                return _CsvFile(str(path), timezone, encoding, path).check(lines, report)
        except UnicodeDecodeError as exc:
            last_error = exc
    start = last_error.start if last_error else 0
    raise ImportFileError([f"{path}: 第 {start} 个字节起不是 UTF-8 文字；请另存为 UTF-8 编码"])


def parse_csv(text: str, *, name: str = "history.csv", timezone: str = "Asia/Shanghai") -> History:
    """Every row checked first; one bad row means nothing is imported.

    >>> rows = "时间,会话,角色,发送人,内容\\n2024/6/1 10:00,c1,顾客,tb_1,在吗\\n"
    >>> [(m.role, m.ts) for m in parse_csv(rows).messages]
    [('customer', 1717207200.0)]
    """
    return _CsvFile(name, timezone, text=text).check(io.StringIO(text, newline=""), None)


class _CsvFile:
    """Two passes over one CSV: `check` reads every row and keeps only per-row numbers; the
    History it returns reads the file again for each `batches` call."""

    def __init__(
        self,
        name: str,
        timezone: str,
        encoding: str = "utf-8",
        path: Path | None = None,
        text: str | None = None,
    ) -> None:
        self.name, self.zone, self.encoding = name, ZoneInfo(timezone), encoding
        self.path, self.text = path, text

    def _rows(self, lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
        """(line number, cells) of each non-empty row; a quoting error names its line."""
        reader = csv.reader(lines)
        line = 1
        try:
            for row in reader:
                if any(cell.strip() for cell in row):
                    yield line, row
                line = reader.line_num + 1
        except csv.Error as exc:
            raise ImportFileError(
                [f"{self.name}:{reader.line_num}: CSV 格式错误（{exc}）；检查这一行的双引号"]
            ) from None

    def check(self, lines: Iterable[str], progress: Callable[[], None] | None) -> History:
        problems: list[str] = []
        columns: dict[str, int] | None = None
        width = 0
        times, contents, conversations = array("d"), array("Q"), array("q")
        roles: Counter[str] = Counter()
        agents: Counter[str] = Counter()
        for line, row in self._rows(lines):
            if columns is None:
                columns, width = _header(row, self.name, line), len(row)
                continue
            if len(problems) >= MAX_PROBLEMS:
                break
            try:
                ts, conversation, role, sender, text = _fields(row, columns, width, self.zone)
            except ValueError as exc:
                problems.append(f"{self.name}:{line}: {exc}")
                continue
            times.append(ts)
            contents.append(_digest64(_content(ts, conversation, role, sender, text)))
            conversations.append(hash(conversation))
            roles[role] += 1
            if role == "agent":
                agents[sender] += 1
            if progress is not None and len(times) % 20_000 == 0:
                progress()
        if columns is None:
            problems.append(f"{self.name}:1: 文件是空的；第一行应该是表头 {','.join(CSV_COLUMNS)}")
        if problems:
            raise ImportFileError(problems[:MAX_PROBLEMS])
        if progress is not None:
            progress()
        digests, counts = np.unique(np.frombuffer(contents, dtype=np.uint64), return_counts=True)
        repeated = {int(d) for d in digests[counts > 1]}  # identical rows: rare, kept by hash
        del contents, digests, counts
        spoken = len(np.unique(np.frombuffer(conversations, dtype=np.int64)))
        del conversations
        assert columns is not None

        def batches(size: int) -> Iterator[list[TimelineMessage]]:
            yield from self._batches(columns, width, times, repeated, size)

        return History(CSV_SOURCE, len(times), roles, agents, spoken, batches)

    def _lines(self) -> Iterator[Iterable[str]]:
        if self.text is not None:
            yield io.StringIO(self.text, newline="")
            return
        assert self.path is not None
        with self.path.open(encoding=self.encoding, newline="") as handle:
            yield handle

    def _batches(
        self,
        columns: dict[str, int],
        width: int,
        times: array[float],
        repeated: set[int],
        size: int,
    ) -> Iterator[list[TimelineMessage]]:
        occurrences: Counter[int] = Counter()
        batch: list[TimelineMessage] = []
        n = 0
        for lines in self._lines():
            rows = self._rows(lines)
            next(rows)  # the header, checked already
            for line, row in rows:
                if n >= len(times):
                    raise ImportFileError([f"{self.name}:{line}: 文件在导入时被改动了；请重新运行"])
                try:
                    _, conversation, role, sender, text = _fields(
                        row, columns, width, self.zone, ts=times[n]
                    )
                except ValueError:
                    raise ImportFileError(
                        [f"{self.name}:{line}: 文件在导入时被改动了；请重新运行"]
                    ) from None
                content = _content(times[n], conversation, role, sender, text)
                occurrence = 1
                if repeated:
                    key = _digest64(content)
                    if key in repeated:
                        occurrences[key] += 1
                        occurrence = occurrences[key]
                batch.append(_message(content, occurrence, times[n]))
                n += 1
                if len(batch) >= size:
                    yield batch
                    batch = []
        if n != len(times):
            raise ImportFileError([f"{self.name}: 文件在导入时被改动了（变短了）；请重新运行"])
        if batch:
            yield batch


def _header(row: list[str], name: str, line: int) -> dict[str, int]:
    names = [CSV_HEADERS.get(cell.strip().lower(), cell.strip().lower()) for cell in row]
    missing = [c for c in CSV_COLUMNS if c not in names]
    if missing:
        raise ImportFileError(
            [
                f"{name}:{line}: 表头缺少 {', '.join(missing)}；第一行应该是 "
                f"{','.join(CSV_COLUMNS)} 或 {_CHINESE_HEADER}"
                "（格式见 README 的 “Importing history”）"
            ]
        )
    return {c: names.index(c) for c in CSV_COLUMNS}


def _fields(
    row: list[str],
    columns: dict[str, int],
    width: int,
    zone: ZoneInfo,
    *,
    ts: float | None = None,
) -> tuple[float, str, str, str, str]:
    """(ts, conversation, role, sender, text) of a row, or a ValueError saying what to fix."""
    if len(row) != width:
        raise ValueError(
            f"这一行有 {len(row)} 列，表头有 {width} 列；文字里有英文逗号或换行时，"
            '请用英文双引号把整段文字括起来，例如「"好的,亲"」'
        )
    timestamp, conversation, role_name, sender, text = (row[columns[c]] for c in CSV_COLUMNS)
    if ts is None:
        ts = _csv_time(timestamp, zone)
    conversation = conversation.strip()
    if not conversation:
        raise ValueError("会话（conversation）是空的；同一段对话的每一行要写同一个会话编号")
    role = CSV_ROLES.get(role_name.strip().lower())
    if role is None:
        raise ValueError(
            f"角色（role）{role_name!r} 不认识；请写 customer/agent/bot 或 顾客/客服/机器人"
        )
    sender = sender.strip()
    if role == "agent" and not sender:
        raise ValueError("客服的行要在发送人（sender）写客服的名字，报表按它分人统计")
    return ts, conversation, role, sender, text


def _content(ts: float, conversation: str, role: str, sender: str, text: str) -> tuple[str, ...]:
    # The id is the row's content, so the same file (or a longer export of the same chats)
    # imports the same ids; identical rows are told apart by how many came before.
    return (conversation, f"{ts:.3f}", role, sender, text)


def _digest64(content: tuple[str, ...]) -> int:
    digest = hashlib.blake2b("\x1f".join(content).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _message(content: tuple[str, ...], occurrence: int, ts: float) -> TimelineMessage:
    conversation, _, role, sender, text = content
    digest = hashlib.blake2b(
        "\x1f".join((*content, str(occurrence))).encode(), digest_size=12
    ).hexdigest()
    return TimelineMessage(
        conversation=conversation,
        external_id=digest,
        ts=ts,
        role=role,
        sender=sender,
        agent=sender if role == "agent" else None,
        text=text,
        title=conversation,
    )


def _csv_time(value: str, zone: ZoneInfo) -> float:
    """ISO 8601, unix seconds, an Excel serial day number, or what a Chinese spreadsheet
    writes (2024/6/2 10:00, 2024/06/02, 2024年6月2日 10:00:00); naive times are in ``zone``."""
    value = value.strip()
    if not value:
        raise ValueError("时间是空的；每一行都要写发送时间，例如 2024-06-01 10:00:00")
    try:
        number = float(value)
    except ValueError:
        pass
    else:
        return _numeric_time(value, number, zone)
    try:  # the fast path: what most tools write
        when = datetime.fromisoformat(value)
    except ValueError:
        when = _spreadsheet_time(value)
    try:
        return (when if when.tzinfo else when.replace(tzinfo=zone)).timestamp()
    except (ValueError, OverflowError):  # an offset of a day or more, a year past 9999
        raise ValueError(f"时间 {value!r} 的时区偏移不对；应该在 -23:59 到 +23:59 之间") from None


def _numeric_time(value: str, number: float, zone: ZoneInfo) -> float:
    if math.isfinite(number) and number > 1e11:
        raise ValueError(f"时间 {value!r} 像是毫秒；请换成秒（除以 1000）")
    if math.isfinite(number) and number >= 1e9:  # unix seconds have 10 digits
        return number
    if _EXCEL_SERIALS[0] <= number < _EXCEL_SERIALS[1]:
        from openpyxl.utils.datetime import from_excel

        # a serial's fraction of a day carries float noise (10:00 reads 09:59:59.994)
        when = from_excel(number).replace(tzinfo=zone)
        return float(round(when.timestamp()))
    raise ValueError(
        f"时间 {value!r} 不像 unix 秒（10 位数字），也不像 Excel 的日期序号"
        "（2000 到 2100 年之间，如 45445.5 是 2024-06-02 12:00）"
    )


@functools.cache
def _chinese_dates() -> object:
    from dateutil import parser

    class ChineseDates(parser.parserinfo):
        """dateutil's parser, told that 年/月/日 separate a date and 时/分/秒 mark a time."""

        JUMP: ClassVar = [*parser.parserinfo.JUMP, "年", "月", "日", "号"]
        HMS: ClassVar = [("h", "hour", "hours", "时", "点"), ("m", "minute", "minutes", "分"),
                         ("s", "second", "seconds", "秒")]  # fmt: skip

    return ChineseDates(yearfirst=True)


def _spreadsheet_time(value: str) -> datetime:
    """A spreadsheet's date and time. "2024/6/2 10:00:30" is split at its last space, the date
    parsed once per distinct day (cached: a file holds few days and many rows) and the time by
    the standard library; anything else goes to dateutil whole."""
    day, _, clock = value.rpartition(" ")
    if day and clock[:1].isdigit():
        try:
            at = time.fromisoformat(clock)
            on = _spreadsheet_day(day.strip())
        except ValueError:
            pass
        else:
            if at.tzinfo is None and on is not None:
                return datetime.combine(on, at)
    return _dateutil_time(value)


@functools.lru_cache(maxsize=4096)
def _spreadsheet_day(text: str) -> date | None:
    """The date a day-only text names, or None when it also carries a time of day."""
    when = _dateutil_time(text)
    return when.date() if when.time() == time() and when.tzinfo is None else None


def _dateutil_time(value: str) -> datetime:
    from dateutil import parser

    info = _chinese_dates()

    def parse(default: datetime) -> datetime:
        with warnings.catch_warnings():
            # a zone name dateutil does not know (CST …) would be dropped silently: refuse it
            warnings.simplefilter("error", parser.UnknownTimezoneWarning)
            return parser.parse(value, parserinfo=info, default=default)  # type: ignore[arg-type]

    try:
        when = parse(datetime(1, 1, 1))
        # a date part that follows the default was never written: try a second default
        other = parse(datetime(2, 2, 2)) if 1 in (when.year, when.month, when.day) else when
    except (ValueError, OverflowError, parser.UnknownTimezoneWarning):
        raise ValueError(
            f"时间 {value!r} 看不懂；请写 2024-06-01 10:00:00、2024/6/1 10:00、"
            "2024年6月1日 10:00:00、2024-06-01T10:00:00+08:00、unix 秒或 Excel 日期序号"
        ) from None
    if other.date() != when.date():
        raise ValueError(f"时间 {value!r} 缺年、月或日；请写完整的日期，例如 2024-06-01 10:00")
    return when


def _read_text(path: Path) -> str:
    try:
        return read_text(path)
    except TextFileError as exc:
        raise ImportFileError([str(exc)]) from None
