"""Business hours: time outside them does not count against the agent.

Days can follow China's official calendar (the `chinese-calendar` package: public holidays
and the 调休 weekend days that are workdays instead), so a shop that rests on 国庆 or at
weekends is not charged for them. A date the package does not cover is a `CalendarWarning`
and counts as an ordinary day.
"""

from __future__ import annotations

import itertools
import re
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

DAY = 86_400
CALENDARS = ("", "china")
_EPOCH = date(1970, 1, 1)


class CalendarWarning(UserWarning):
    """The holiday calendar does not know a date's year: it was counted as an ordinary day."""


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
            raise HoursError(f"营业时间 {item!r} 不合理：结束要晚于开始，且在 00:00-24:00 之内")
        windows.append((start, end))
    windows.sort()
    for (_, end), (start, _) in itertools.pairwise(windows):
        if start < end:
            raise HoursError(f"营业时间段 {spec} 互相重叠")
    return tuple(windows) or ((0, DAY),)


@dataclass(frozen=True)
class BusinessHours:
    """Daily open windows (split shifts allowed) in a time zone; all day by default.

    ``calendar="china"`` tells public holidays and 调休 workdays apart; with
    ``serve_on_holidays=False`` the clock stops on public holidays, with
    ``serve_on_weekends=False`` on weekends that are not 调休 workdays.
    """

    windows: tuple[tuple[int, int], ...] = ((0, DAY),)
    timezone: str = "Asia/Shanghai"
    calendar: str = ""
    serve_on_holidays: bool = True
    serve_on_weekends: bool = True

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise HoursError(f"不认识的时区 {self.timezone!r}（例如 Asia/Shanghai）") from None
        if self.calendar not in CALENDARS:
            raise HoursError(f"节假日日历 {self.calendar!r} 不认识；可写 china，或留空不用")
        if not self.serve_on_holidays and not self.calendar:
            raise HoursError("要在法定节假日停表，需要写 calendar: china（中国的节假日和调休）")

    @property
    def every_day(self) -> bool:
        return self.serve_on_holidays and self.serve_on_weekends

    @property
    def all_day(self) -> bool:
        """Open round the clock on every day: business time is wall time."""
        return self.windows == ((0, DAY),) and self.every_day

    def seconds_between(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Business seconds between unix times, element-wise (end before start gives 0)."""
        start, end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
        if self.all_day:
            return np.maximum(end - start, 0.0)
        clock = self._clock(np.concatenate([start.ravel(), end.ravel()]))
        begun, ended = clock[: start.size].reshape(start.shape), clock[start.size :]
        return np.maximum(ended.reshape(end.shape) - begun, 0.0)

    def is_open_on(self, day: date) -> bool:
        """Whether the shop serves on this local date at all (its windows apply if so)."""
        weekend = day.weekday() >= 5
        if self.calendar == "china" and not self.every_day:
            import chinese_calendar

            try:
                resting, holiday = chinese_calendar.get_holiday_detail(day)
            except NotImplementedError:
                warnings.warn(
                    CalendarWarning(
                        f"chinese-calendar 还没有 {day.year} 年的节假日安排，{day.year} 年的"
                        "日子按普通的周一到周日算；请升级：pip install -U chinese-calendar"
                    ),
                    stacklevel=2,
                )
            else:
                if resting and holiday is not None:  # 国庆, 春节 … (weekends inside them too)
                    return self.serve_on_holidays
                return not resting or self.serve_on_weekends  # 调休 weekend days are workdays
        return not weekend or self.serve_on_weekends

    def _clock(self, when: np.ndarray) -> np.ndarray:
        """Business seconds elapsed since the first local day of ``when``: non-decreasing."""
        if when.size == 0:
            return when
        local = when + self._offsets(when)
        days = np.floor(local / DAY)
        into = local - days * DAY
        before = np.zeros_like(into)
        open_per_day = 0
        for begin, finish in self.windows:
            before += np.clip(into - begin, 0, finish - begin)
            open_per_day += finish - begin
        if self.every_day:
            return days * open_per_day + before
        first = int(days.min())
        span = np.arange(first, int(days.max()) + 1)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CalendarWarning)
            serving = np.array([self.is_open_on(_EPOCH + timedelta(days=int(d))) for d in span])
        for message in {str(w.message) for w in caught}:  # once per year, not once per day
            warnings.warn(CalendarWarning(message), stacklevel=3)
        index = (days - first).astype(np.int64)
        opened_before = np.concatenate([[0], np.cumsum(serving * open_per_day)])
        return opened_before[index] + np.where(serving[index], before, 0.0)

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


def due_at(hours: BusinessHours, start: float, seconds: float) -> float:
    """The wall-clock time when ``seconds`` of business time have passed since ``start``.

    >>> due_at(BusinessHours(), 1000.0, 15)
    1015.0
    """
    seconds = max(seconds, 0.0)
    if hours.all_day or seconds == 0:
        return start + seconds
    open_per_day = sum(end - begin for begin, end in hours.windows)
    low, high = start + seconds, start + (seconds // open_per_day + 2) * DAY + seconds

    def passed(t: float) -> float:
        return float(hours.seconds_between(np.array([start]), np.array([t]))[0])

    while passed(high) < seconds:  # closed days (国庆, weekends) push the deadline further
        high += 7 * DAY

    while high - low > 0.01:  # business time only grows with wall time, so bisect
        middle = (low + high) / 2
        if passed(middle) >= seconds:
            high = middle
        else:
            low = middle
    return high
