"""Business hours: time outside them does not count against the agent."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

DAY = 86_400
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~]\s*(\d{1,2}):(\d{2})\s*$")


class HoursError(ValueError):
    """A business-hours setting that cannot be read."""


def parse_windows(spec: list[str] | str) -> tuple[tuple[int, int], ...]:
    """``["08:00-12:00", "13:30-23:00"]`` → seconds since midnight; "" or [] means all day.

    >>> parse_windows("08:00-23:00")
    ((28800, 82800),)
    """
    items = [spec] if isinstance(spec, str) else list(spec)
    windows = []
    for item in filter(None, (str(i).strip() for i in items)):
        match = _WINDOW.match(item)
        if not match:
            raise HoursError(f"营业时间 {item!r} 应该写成 08:00-23:00")
        h1, m1, h2, m2 = map(int, match.groups())
        start, end = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
        if not (0 <= start < end <= DAY) or m1 > 59 or m2 > 59:
            raise HoursError(f"营业时间 {item!r} 不合理: 结束要晚于开始, 且在 00:00-24:00 之内")
        windows.append((start, end))
    windows.sort()
    for (_, end), (start, _) in itertools.pairwise(windows):
        if start < end:
            raise HoursError(f"营业时间段 {spec} 互相重叠")
    return tuple(windows) or ((0, DAY),)


@dataclass(frozen=True)
class BusinessHours:
    """Daily open windows (split shifts allowed) in a time zone; all day by default."""

    windows: tuple[tuple[int, int], ...] = ((0, DAY),)
    timezone: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise HoursError(f"不认识的时区 {self.timezone!r} (例如 Asia/Shanghai)") from None

    @property
    def all_day(self) -> bool:
        return self.windows == ((0, DAY),)

    def seconds_between(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Business seconds between unix times, element-wise (end before start gives 0)."""
        start, end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
        if self.all_day:
            return np.maximum(end - start, 0.0)
        return np.maximum(self._clock(end) - self._clock(start), 0.0)

    def _clock(self, when: np.ndarray) -> np.ndarray:
        """Business seconds elapsed since 1970-01-01 local: a non-decreasing clock."""
        local = when + self._offsets(when)
        days = np.floor(local / DAY)
        into = local - days * DAY
        before = np.zeros_like(into)
        open_per_day = 0
        for begin, finish in self.windows:
            before += np.clip(into - begin, 0, finish - begin)
            open_per_day += finish - begin
        return days * open_per_day + before

    def _offsets(self, when: np.ndarray) -> np.ndarray:
        """UTC offset in seconds for each instant, looked up once per distinct hour."""
        if when.size == 0:
            return when
        zone = ZoneInfo(self.timezone)
        hours = np.floor(when / 3600).astype(np.int64)
        unique, inverse = np.unique(hours, return_inverse=True)
        offsets = np.array(
            [
                (
                    datetime.fromtimestamp(int(h) * 3600, UTC).astimezone(zone).utcoffset()
                    or timedelta()
                ).total_seconds()
                for h in unique
            ]
        )
        return offsets[inverse].reshape(when.shape)
