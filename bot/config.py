"""Settings: loaded once from YAML into frozen, validated objects. The token is a secret."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.hours import BusinessHours, HoursError, parse_windows
from bot.library_names import LIBRARY_NAME_BYTES, library_name_ok
from bot.storage_url import Database, PostgresUrl, parse_database
from intents import yaml_problem
from intents.library import TONES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_PHRASES = PROJECT_ROOT / "phrases"
DEFAULT_CONFIG = Path("config.yaml")
TOKEN_ENV = "CSBOT_TELEGRAM_TOKEN"
REDIS_ENV = "CSBOT_REDIS_URL"  # redis.url; wins over the file, like the token
DATABASE_ENV = "CSBOT_DATABASE_URL"  # storage.database; a PostgreSQL password stays out of files
SHIPPED_LIBRARIES = {
    "shop": SHIPPED_PHRASES,
    "clinic": SHIPPED_PHRASES / "clinic",
    "it": SHIPPED_PHRASES / "it",
}


MAX_REPLIES = 10  # suggested replies per message: more is a wall of text, not a choice
_HOSTNAME = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")

#: Every key config.yaml may hold, so a typo is reported instead of silently ignored.
KNOWN_KEYS: dict[str, set[str]] = {
    "telegram": {
        "token", "api_base", "throttle_messages", "throttle_seconds", "webhook_secret",
        "webhook_listen",
    },
    "storage": {"database", "journal_dir"},
    "service_targets": {
        "first_response_seconds", "next_response_seconds", "business_hours", "timezone",
        "idle_gap_minutes", "nudge_before_seconds", "calendar", "serve_on_holidays",
        "serve_on_weekends",
    },
    "access": {"open", "admins", "managers", "staff", "names"},
    "library": {"default", "paths", "values", "catalog", "context_minutes"},
    "replies": {"tone", "count"},
    "matcher": {"threshold"},
    "business": {"auto_reply"},
    "redis": {"url"},
}  # fmt: skip


class ConfigError(Exception):
    """A config file that cannot be used; each line of the message names the file and line."""

    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class Secret:
    """A value that never shows itself in logs, reprs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__


@dataclass(frozen=True)
class TelegramSettings:
    token: Secret = field(default_factory=lambda: Secret(""))
    api_base: str = ""
    throttle_messages: int = 20  # per user per throttle_seconds; 0 = no limit
    throttle_seconds: float = 60
    webhook_secret: Secret = field(default_factory=lambda: Secret(""))
    webhook_listen: str = "0.0.0.0:8080"


@dataclass(frozen=True)
class StorageSettings:
    database: Database = Path("data/csbot.db")  # a SQLite file, or a PostgresUrl
    journal_dir: Path = Path("data")  # this machine's files of a PostgreSQL database

    @property
    def local_files(self) -> Path:
        """The prefix of the files kept on this machine for the database (sent journals, the
        import lock): beside a SQLite file, in journal_dir for PostgreSQL."""
        if isinstance(self.database, PostgresUrl):
            return self.journal_dir / self.database.slug
        return self.database


@dataclass(frozen=True)
class ServiceTargets:
    first_response_seconds: float = 15
    next_response_seconds: float = 20
    business_hours: tuple[str, ...] = ()  # e.g. ("08:00-12:00", "13:30-23:00"); () = all day
    timezone: str = "Asia/Shanghai"
    idle_gap_seconds: float = 30 * 60  # a longer silence starts a new conversation
    nudge_before_seconds: float = 5  # live mode: nudge the agent this long before a deadline
    calendar: str = ""  # "china": China's public holidays and 调休 workdays (chinese-calendar)
    serve_on_holidays: bool = True  # False: the clock stops on public holidays
    serve_on_weekends: bool = True  # False: ... and on weekends that are not 调休 workdays

    def hours(self) -> BusinessHours:
        return BusinessHours(
            parse_windows(list(self.business_hours)),
            self.timezone,
            calendar=self.calendar,
            serve_on_holidays=self.serve_on_holidays,
            serve_on_weekends=self.serve_on_weekends,
        )


@dataclass(frozen=True)
class AccessSettings:
    open: bool = False
    admins: frozenset[int] = frozenset()
    managers: frozenset[int] = frozenset()
    staff: frozenset[int] = frozenset()
    # the name each person signs replies with ({agent_name}), by Telegram user id; without one,
    # their Telegram first name
    names: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LibrarySettings:
    default: str = "shop"
    paths: Mapping[str, Path] = field(default_factory=lambda: dict(SHIPPED_LIBRARIES))
    values: Mapping[str, str] = field(default_factory=dict)
    catalog: Path | None = None  # the shop's catalog.yaml (CONTRACT §7); None: no product facts
    context_minutes: float = 30  # a conversation's product and last question expire after this


@dataclass(frozen=True)
class ReplySettings:
    tone: str = TONES[0]
    count: int = 3


@dataclass(frozen=True)
class MatcherSettings:
    threshold: float | None = None


@dataclass(frozen=True)
class BusinessSettings:
    # Telegram Business live mode: reply to customers automatically (only where the connection
    # grants can_reply). A connection's owner can switch it per connection with /autoreply.
    auto_reply: bool = False


@dataclass(frozen=True)
class RedisSettings:
    # redis://[:password@]host:port/db, rediss:// (TLS) or unix:///path.sock; empty = one process
    # keeps FSM, update de-duplication, nudges and the throttle itself. A secret: it may hold a
    # password, so it is never printed.
    url: Secret = field(default_factory=lambda: Secret(""))

    def secrets(self) -> list[str]:
        """What logs must never show: the url, and its password on its own."""
        url = self.url.get()
        if not url:
            return []
        password = urlsplit(url).password
        return [url, password] if password else [url]


@dataclass(frozen=True)
class Config:
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    service_targets: ServiceTargets = field(default_factory=ServiceTargets)
    access: AccessSettings = field(default_factory=AccessSettings)
    library: LibrarySettings = field(default_factory=LibrarySettings)
    replies: ReplySettings = field(default_factory=ReplySettings)
    matcher: MatcherSettings = field(default_factory=MatcherSettings)
    business: BusinessSettings = field(default_factory=BusinessSettings)
    redis: RedisSettings = field(default_factory=RedisSettings)
    source: Path | None = None

    def library_path(self, name: str | None = None) -> Path:
        return self.library.paths[name or self.library.default]


def load_config(
    path: str | Path | None = None, *, environ: Mapping[str, str] = os.environ
) -> Config:
    """Read ``path`` (else ./config.yaml if present, else defaults); the token env var wins.

    Every problem in the file is reported at once, each as ``file:line: key: what is wrong``,
    so a config is fixed in one round."""
    if path is None:
        path = DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None
    data: dict[str, Any] = {}
    lines: dict[str, int] = {}
    base = Path.cwd()
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(
                f"{path}: 找不到配置文件（可以复制 config.example.yaml 为 config.yaml）"
            )
        data, lines = _read(path)
        base = path.resolve().parent
    reader = _Sections(path, data, lines)
    reader.known(KNOWN_KEYS)
    telegram = reader.section("telegram")
    token = environ.get(TOKEN_ENV) or reader.token(telegram, "telegram.token")
    storage = reader.section("storage")
    if environ.get(DATABASE_ENV):
        storage = {**storage, "database": environ[DATABASE_ENV]}
    targets = reader.section("service_targets")
    access = reader.section("access")
    library = reader.section("library")
    replies = reader.section("replies")
    matcher = reader.section("matcher")
    business = reader.section("business")
    redis_url = environ.get(REDIS_ENV) or reader.redis_url(reader.section("redis"), "redis.url")
    paths = dict(SHIPPED_LIBRARIES)
    for name, value in reader.mapping(library, "library.paths").items():
        key = f"library.paths.{name}"
        if not library_name_ok(str(name)):
            reader.fail(
                key,
                f"话术库名字只能用字母、数字、汉字、_ 和 -，最长 {LIBRARY_NAME_BYTES} 字节"
                "（约 8 个汉字）",
            )
        elif not isinstance(value, str) or not value.strip():
            reader.fail(key, "应该是话术库文件或文件夹的路径")
        else:
            paths[str(name)] = _resolve(base, Path(value))
    default = reader.text(library, "library.default", "shop")
    if default not in paths:
        reader.fail("library.default", f"没有名为 {default!r} 的话术库（可用：{'、'.join(paths)}）")
        default = "shop"
    catalog = reader.text(library, "library.catalog", "")
    tone = reader.text(replies, "replies.tone", TONES[0])
    if tone not in TONES:
        reader.fail("replies.tone", f"语气只能是 {' 或 '.join(TONES)}")
        tone = TONES[0]
    threshold = matcher.get("threshold")
    if threshold is not None and not (
        isinstance(threshold, int | float) and not isinstance(threshold, bool) and 0 < threshold < 1
    ):
        reader.fail("matcher.threshold", "应该是 0 到 1 之间的小数")
        threshold = None
    config = Config(
        telegram=TelegramSettings(
            token=Secret(token.strip()),
            api_base=reader.url(telegram, "telegram.api_base").rstrip("/"),
            throttle_messages=reader.count(telegram, "telegram.throttle_messages", 20),
            throttle_seconds=reader.number(telegram, "telegram.throttle_seconds", 60),
            webhook_secret=Secret(reader.webhook_secret(telegram, "telegram.webhook_secret")),
            webhook_listen=reader.listen(telegram, "telegram.webhook_listen", "0.0.0.0:8080"),
        ),
        storage=StorageSettings(
            database=reader.database(storage, "storage.database", base),
            journal_dir=_resolve(base, Path(reader.text(storage, "storage.journal_dir", "data"))),
        ),
        service_targets=reader.targets(targets),
        access=AccessSettings(
            open=reader.flag(access, "access.open", False),
            admins=reader.ids(access, "access.admins"),
            managers=reader.ids(access, "access.managers"),
            staff=reader.ids(access, "access.staff"),
            names=reader.names(access, "access.names"),
        ),
        library=LibrarySettings(
            default=default,
            paths=paths,
            values=reader.values(library, "library.values"),
            catalog=_resolve(base, Path(catalog)) if catalog else None,
            context_minutes=reader.number(library, "library.context_minutes", 30),
        ),
        replies=ReplySettings(
            tone=tone, count=reader.count(replies, "replies.count", 3, low=1, high=MAX_REPLIES)
        ),
        matcher=MatcherSettings(threshold=threshold),
        business=BusinessSettings(auto_reply=reader.flag(business, "business.auto_reply", False)),
        redis=RedisSettings(url=Secret(redis_url.strip())),
        source=path,
    )
    if reader.problems:
        raise ConfigError(reader.problems)
    return config


def _resolve(base: Path, path: Path) -> Path:
    return path if path.is_absolute() else base / path


def _read(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line, problem = yaml_problem(exc, text)
        raise ConfigError(f"{path}:{line}: {problem}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: 读不了配置文件：{exc}") from None
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: 配置文件顶层应该是「键: 值」的映射")
    lines: dict[str, int] = {}

    def walk(node: yaml.Node, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                dotted = f"{prefix}{key.value}"
                lines[dotted] = key.start_mark.line + 1
                walk(value, dotted + ".")

    walk(root, "")
    return data, lines


class _Sections:
    """Reads each value, noting every problem (and going on with the default) rather than
    stopping at the first."""

    def __init__(self, path: Path | None, data: dict[str, Any], lines: dict[str, int]) -> None:
        self.path, self.data, self.lines = path, data, lines
        self._problems: list[tuple[int, str]] = []

    @property
    def problems(self) -> list[str]:
        """In the order of the file's lines."""
        return [f"{self.path}:{line}: {text}" for line, text in sorted(self._problems)]

    def fail(self, key: str, message: str) -> None:
        line = self.lines.get(key, self.lines.get(key.rsplit(".", 1)[0], 0))
        if not line:
            line = self.lines.get(key.split(".")[0], 0)
        self._problems.append((line, f"{key}: {message}"))

    def known(self, keys: dict[str, set[str]]) -> None:
        for top, value in self.data.items():
            if top not in keys:
                self.fail(str(top), f"不认识的配置项（可用：{'、'.join(keys)}）")
            elif isinstance(value, dict):
                for key in value:
                    if key not in keys[top]:
                        allowed = "、".join(sorted(keys[top]))
                        self.fail(f"{top}.{key}", f"不认识的配置项（可用：{allowed}）")

    def section(self, key: str) -> dict[str, Any]:
        value = self.data.get(key) or {}
        if not isinstance(value, dict):
            self.fail(key, "应该是「键: 值」的映射")
            return {}
        return value

    def _get(self, section: dict[str, Any], key: str, default: Any) -> Any:
        return section.get(key.split(".")[-1], default)

    def mapping(self, section: dict[str, Any], key: str) -> dict[str, Any]:
        value = self._get(section, key, None) or {}
        if not isinstance(value, dict):
            self.fail(key, "应该是「键: 值」的映射")
            return {}
        return value

    def text(self, section: dict[str, Any], key: str, default: str, *, empty: bool = True) -> str:
        value = self._get(section, key, default)
        if value is None:
            return default
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.fail(key, "应该是一段文字")
            return default
        if not empty and not str(value).strip():
            self.fail(key, "不能是空的")
            return default
        return str(value)

    def database(self, section: dict[str, Any], key: str, base: Path) -> Database:
        value = self.text(section, key, "data/csbot.db", empty=False)
        try:
            database = parse_database(value)
        except ValueError:
            self.fail(
                key,
                "应该是文件路径、sqlite:///path 或 postgresql://user:password@host:5432/dbname",
            )
            return _resolve(base, Path("data/csbot.db"))
        return database if isinstance(database, PostgresUrl) else _resolve(base, database)

    def number(self, section: dict[str, Any], key: str, default: float) -> float:
        value = self._get(section, key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1e9:
            self.fail(key, "应该是大于 0 的数字")
            return default
        return value

    def count(
        self,
        section: dict[str, Any],
        key: str,
        default: int,
        *,
        low: int = 0,
        high: int | None = None,
    ) -> int:
        value = self._get(section, key, default)
        too_high = high is not None and isinstance(value, int) and value > high
        if isinstance(value, bool) or not isinstance(value, int) or value < low or too_high:
            if high is not None:
                self.fail(key, f"应该是 {low} 到 {high} 的整数")
            else:
                self.fail(key, "应该是 0 或正整数" if low == 0 else f"应该是不小于 {low} 的整数")
            return default
        return value

    def flag(self, section: dict[str, Any], key: str, default: bool) -> bool:
        value = self._get(section, key, default)
        if not isinstance(value, bool):
            self.fail(key, "应该是 true 或 false")
            return default
        return value

    def ids(self, section: dict[str, Any], key: str) -> frozenset[int]:
        value = self._get(section, key, None) or []
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value
        ):
            self.fail(key, "应该是 Telegram 用户 id（数字）的列表，例如 [123456789]")
            return frozenset()
        return frozenset(value)

    def names(self, section: dict[str, Any], key: str) -> dict[int, str]:
        names: dict[int, str] = {}
        for user_id, name in self.mapping(section, key).items():
            if isinstance(user_id, str) and user_id.strip().isdigit():
                user_id = int(user_id)  # "123456789": 小王, quoted
            if isinstance(user_id, bool) or not isinstance(user_id, int) or user_id <= 0:
                self.fail(
                    f"{key}.{user_id}",
                    "应该写成「Telegram 用户 id: 名字」，例如「123456789: 小王」",
                )
            elif not isinstance(name, str | int) or isinstance(name, bool) or not str(name).strip():
                self.fail(f"{key}.{user_id}", "应该是这位客服在回复里的名字，例如 小王")
            else:
                names[user_id] = str(name).strip()
        return names

    def token(self, section: dict[str, Any], key: str) -> str:
        value = self.text(section, key, "").strip()
        if value and not _TOKEN.fullmatch(value):  # never quoted: it is a secret
            self.fail(key, "token 格式不对：应该像 123456789:AA…（从 @BotFather 复制完整的 token）")
            return ""
        return value

    def url(self, section: dict[str, Any], key: str) -> str:
        value = self.text(section, key, "").strip()
        if not value:
            return ""
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            self.fail(
                key, f"{value!r} 不是网址：应该像 http://127.0.0.1:8081，留空就用 Telegram 的"
            )
            return ""
        try:
            parts.port  # noqa: B018  (parsing the port is the check)
        except ValueError:
            self.fail(key, f"{value!r} 的端口不对：应该是 1 到 65535 的数字")
            return ""
        return value

    def listen(self, section: dict[str, Any], key: str, default: str) -> str:
        value = self.text(section, key, default).strip()
        host, colon, port = value.rpartition(":")
        if not (colon and port.isascii() and port.isdigit() and 0 < int(port) < 65536):
            self.fail(key, f"{value!r} 应该写成「主机:端口」，例如 0.0.0.0:8080")
            return default
        if host and not _host_ok(host):  # empty: every interface
            self.fail(key, f"{host!r} 不是主机名或 IP 地址，例如 0.0.0.0:8080")
            return default
        return value

    def redis_url(self, section: dict[str, Any], key: str) -> str:
        value = self.text(section, key, "").strip()
        if not value:
            return ""
        parts = urlsplit(value)
        if parts.scheme not in {"redis", "rediss", "unix"} or not (parts.hostname or parts.path):
            # never quoted: it may hold the password
            self.fail(
                key,
                "应该像 redis://127.0.0.1:6379/0（带密码：redis://:PASSWORD@HOST:6379/0），"
                "留空就不用 Redis",
            )
            return ""
        try:
            parts.port  # noqa: B018  (parsing the port is the check)
        except ValueError:
            self.fail(key, "端口不对：应该是 1 到 65535 的数字")
            return ""
        return value

    def webhook_secret(self, section: dict[str, Any], key: str) -> str:
        value = self.text(section, key, "")
        if value and not _WEBHOOK_SECRET.fullmatch(value):
            # Telegram's own rule for secret_token; it would refuse setWebhook otherwise
            self.fail(key, "只能用 1 到 256 个字母、数字、_ 和 -")
            return ""
        return value

    def values(self, section: dict[str, Any], key: str) -> dict[str, str]:
        values: dict[str, str] = {}
        for name, value in self.mapping(section, key).items():
            if isinstance(value, dict | list) or value is None:
                self.fail(f"{key}.{name}", "应该是一段文字或一个数字（填进回复里的 {名字}）")
            else:
                values[str(name)] = str(value)
        return values

    def targets(self, section: dict[str, Any]) -> ServiceTargets:
        hours = section.get("business_hours") or []
        if isinstance(hours, str):
            hours = [hours]
        if not isinstance(hours, list) or not all(isinstance(h, str) for h in hours):
            self.fail("service_targets.business_hours", '应该是时间段列表，例如 ["08:00-23:00"]')
            hours = []
        targets = ServiceTargets(
            first_response_seconds=self.number(
                section, "service_targets.first_response_seconds", 15
            ),
            next_response_seconds=self.number(section, "service_targets.next_response_seconds", 20),
            business_hours=tuple(hours),
            timezone=self.text(section, "service_targets.timezone", "Asia/Shanghai"),
            idle_gap_seconds=self.number(section, "service_targets.idle_gap_minutes", 30) * 60,
            nudge_before_seconds=self.number(section, "service_targets.nudge_before_seconds", 5),
            calendar=self.text(section, "service_targets.calendar", "").strip().lower(),
            serve_on_holidays=self.flag(section, "service_targets.serve_on_holidays", True),
            serve_on_weekends=self.flag(section, "service_targets.serve_on_weekends", True),
        )
        try:
            parse_windows(list(targets.business_hours))
        except HoursError as exc:
            self.fail("service_targets.business_hours", str(exc))
            targets = replace(targets, business_hours=())
        try:
            targets.hours()
        except HoursError as exc:
            text = str(exc)
            key = "timezone"
            if "节假日" in text:
                key = "calendar" if "日历" in text else "serve_on_holidays"
            self.fail(f"service_targets.{key}", text)
            targets = replace(targets, timezone="Asia/Shanghai", calendar="")
        return targets


def _host_ok(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOSTNAME.fullmatch(host))
    return True
