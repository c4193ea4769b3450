"""Settings: loaded once from YAML into frozen, validated objects. The token is a secret."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.service_time.hours import BusinessHours, HoursError, parse_windows
from intents.library import TONES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_PHRASES = PROJECT_ROOT / "phrases"
DEFAULT_CONFIG = Path("config.yaml")
TOKEN_ENV = "CSBOT_TELEGRAM_TOKEN"
SHIPPED_LIBRARIES = {
    "shop": SHIPPED_PHRASES,
    "clinic": SHIPPED_PHRASES / "clinic",
    "it": SHIPPED_PHRASES / "it",
}


#: Every key config.yaml may hold, so a typo is reported instead of silently ignored.
KNOWN_KEYS: dict[str, set[str]] = {
    "telegram": {
        "token", "api_base", "throttle_messages", "throttle_seconds", "webhook_secret",
        "webhook_listen",
    },
    "storage": {"database"},
    "service_targets": {
        "first_response_seconds", "next_response_seconds", "business_hours", "timezone",
        "idle_gap_minutes", "nudge_before_seconds",
    },
    "access": {"open", "admins", "managers", "staff"},
    "library": {"default", "paths", "values", "catalog", "context_minutes"},
    "replies": {"tone", "count"},
    "matcher": {"threshold"},
    "business": {"auto_reply"},
}  # fmt: skip


class ConfigError(Exception):
    """A config file that cannot be used; the message names the file and line."""


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
    database: Path = Path("data/csbot.db")


@dataclass(frozen=True)
class ServiceTargets:
    first_response_seconds: float = 15
    next_response_seconds: float = 20
    business_hours: tuple[str, ...] = ()  # e.g. ("08:00-12:00", "13:30-23:00"); () = all day
    timezone: str = "Asia/Shanghai"
    idle_gap_seconds: float = 30 * 60  # a longer silence starts a new conversation
    nudge_before_seconds: float = 5  # live mode: nudge the agent this long before a deadline

    def hours(self) -> BusinessHours:
        return BusinessHours(parse_windows(list(self.business_hours)), self.timezone)


@dataclass(frozen=True)
class AccessSettings:
    open: bool = False
    admins: frozenset[int] = frozenset()
    managers: frozenset[int] = frozenset()
    staff: frozenset[int] = frozenset()


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
class Config:
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    service_targets: ServiceTargets = field(default_factory=ServiceTargets)
    access: AccessSettings = field(default_factory=AccessSettings)
    library: LibrarySettings = field(default_factory=LibrarySettings)
    replies: ReplySettings = field(default_factory=ReplySettings)
    matcher: MatcherSettings = field(default_factory=MatcherSettings)
    business: BusinessSettings = field(default_factory=BusinessSettings)
    source: Path | None = None

    def library_path(self, name: str | None = None) -> Path:
        return self.library.paths[name or self.library.default]


def load_config(
    path: str | Path | None = None, *, environ: Mapping[str, str] = os.environ
) -> Config:
    """Read ``path`` (else ./config.yaml if present, else defaults); the token env var wins."""
    if path is None:
        path = DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None
    data: dict[str, Any] = {}
    lines: dict[str, int] = {}
    base = Path.cwd()
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(
                f"{path}:0: 找不到配置文件 (可以复制 config.example.yaml 为 config.yaml)"
            )
        data, lines = _read(path)
        base = path.resolve().parent
    reader = _Sections(path, data, lines)
    reader.known(KNOWN_KEYS)
    telegram = reader.section("telegram")
    token = environ.get(TOKEN_ENV) or reader.text(telegram, "telegram.token", "")
    storage = reader.section("storage")
    targets = reader.section("service_targets")
    access = reader.section("access")
    library = reader.section("library")
    replies = reader.section("replies")
    matcher = reader.section("matcher")
    business = reader.section("business")
    paths = dict(SHIPPED_LIBRARIES)
    for name, value in reader.mapping(library, "library.paths").items():
        paths[str(name)] = _resolve(base, Path(str(value)))
    default = reader.text(library, "library.default", "shop")
    if default not in paths:
        reader.fail("library.default", f"没有名为 {default!r} 的话术库 (可用: {', '.join(paths)})")
    catalog = reader.text(library, "library.catalog", "")
    tone = reader.text(replies, "replies.tone", TONES[0])
    if tone not in TONES:
        reader.fail("replies.tone", f"语气只能是 {' 或 '.join(TONES)}")
    threshold = matcher.get("threshold")
    if threshold is not None and not (isinstance(threshold, int | float) and 0 < threshold < 1):
        reader.fail("matcher.threshold", "应该是 0 到 1 之间的小数")
    return Config(
        telegram=TelegramSettings(
            token=Secret(token.strip()),
            api_base=reader.text(telegram, "telegram.api_base", "").rstrip("/"),
            throttle_messages=int(reader.count(telegram, "telegram.throttle_messages", 20)),
            throttle_seconds=reader.number(telegram, "telegram.throttle_seconds", 60),
            webhook_secret=Secret(reader.text(telegram, "telegram.webhook_secret", "")),
            webhook_listen=reader.text(telegram, "telegram.webhook_listen", "0.0.0.0:8080"),
        ),
        storage=StorageSettings(
            database=_resolve(base, Path(reader.text(storage, "storage.database", "data/csbot.db")))
        ),
        service_targets=reader.targets(targets),
        access=AccessSettings(
            open=reader.flag(access, "access.open", False),
            admins=reader.ids(access, "access.admins"),
            managers=reader.ids(access, "access.managers"),
            staff=reader.ids(access, "access.staff"),
        ),
        library=LibrarySettings(
            default=default,
            paths=paths,
            values={str(k): str(v) for k, v in reader.mapping(library, "library.values").items()},
            catalog=_resolve(base, Path(catalog)) if catalog else None,
            context_minutes=reader.number(library, "library.context_minutes", 30),
        ),
        replies=ReplySettings(tone=tone, count=int(reader.number(replies, "replies.count", 3))),
        matcher=MatcherSettings(threshold=threshold),
        business=BusinessSettings(auto_reply=reader.flag(business, "business.auto_reply", False)),
        source=path,
    )


def _resolve(base: Path, path: Path) -> Path:
    return path if path.is_absolute() else base / path


def _read(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigError(
            f"{path}:{mark.line + 1 if mark else 0}: YAML 语法错误: {exc.problem}"
        ) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}:0: 读不了配置文件: {exc}") from None
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: 配置文件顶层应该是 键: 值 的映射")
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
    def __init__(self, path: Path | None, data: dict[str, Any], lines: dict[str, int]) -> None:
        self.path, self.data, self.lines = path, data, lines

    def fail(self, key: str, message: str) -> None:
        line = self.lines.get(key, self.lines.get(key.split(".")[0], 0))
        raise ConfigError(f"{self.path}:{line}: {key}: {message}")

    def known(self, keys: dict[str, set[str]]) -> None:
        for top, value in self.data.items():
            if top not in keys:
                self.fail(str(top), f"不认识的配置项 (可用: {', '.join(keys)})")
            if isinstance(value, dict):
                for key in value:
                    if key not in keys[top]:
                        allowed = ", ".join(sorted(keys[top]))
                        self.fail(f"{top}.{key}", f"不认识的配置项 (可用: {allowed})")

    def section(self, key: str) -> dict[str, Any]:
        value = self.data.get(key) or {}
        if not isinstance(value, dict):
            self.fail(key, "应该是 键: 值 的映射")
        return value

    def mapping(self, section: dict[str, Any], key: str) -> dict[str, Any]:
        value = section.get(key.split(".")[-1]) or {}
        if not isinstance(value, dict):
            self.fail(key, "应该是 键: 值 的映射")
        return value

    def text(self, section: dict[str, Any], key: str, default: str) -> str:
        value = section.get(key.split(".")[-1], default)
        if value is None:
            return default
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.fail(key, "应该是一段文字")
        return str(value)

    def number(self, section: dict[str, Any], key: str, default: float) -> float:
        value = section.get(key.split(".")[-1], default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            self.fail(key, "应该是大于 0 的数字")
        return value

    def targets(self, section: dict[str, Any]) -> ServiceTargets:
        hours = section.get("business_hours") or []
        if isinstance(hours, str):
            hours = [hours]
        if not isinstance(hours, list):
            self.fail("service_targets.business_hours", '应该是时间段列表, 例如 ["08:00-23:00"]')
        targets = ServiceTargets(
            first_response_seconds=self.number(
                section, "service_targets.first_response_seconds", 15
            ),
            next_response_seconds=self.number(section, "service_targets.next_response_seconds", 20),
            business_hours=tuple(str(h) for h in hours),
            timezone=self.text(section, "service_targets.timezone", "Asia/Shanghai"),
            idle_gap_seconds=self.number(section, "service_targets.idle_gap_minutes", 30) * 60,
            nudge_before_seconds=self.number(section, "service_targets.nudge_before_seconds", 5),
        )
        try:
            targets.hours()
        except HoursError as exc:
            key = "business_hours" if "营业时间" in str(exc) else "timezone"
            self.fail(f"service_targets.{key}", str(exc))
        return targets

    def count(self, section: dict[str, Any], key: str, default: int) -> int:
        value = section.get(key.split(".")[-1], default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.fail(key, "应该是 0 或正整数")
        return value

    def flag(self, section: dict[str, Any], key: str, default: bool) -> bool:
        value = section.get(key.split(".")[-1], default)
        if not isinstance(value, bool):
            self.fail(key, "应该是 true 或 false")
        return value

    def ids(self, section: dict[str, Any], key: str) -> frozenset[int]:
        value = section.get(key.split(".")[-1]) or []
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            self.fail(key, "应该是 Telegram 用户 id (数字) 的列表, 例如 [123456789]")
        return frozenset(value)
