"""The service clock on China's calendar: public holidays, 调休 workdays, unknown years."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from bot.config import ConfigError, load_config
from bot.hours import BusinessHours, CalendarWarning, HoursError, parse_windows

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).timestamp()


def waited(hours: BusinessHours, start: str, end: str) -> float:
    return float(hours.seconds_between(np.array([at(start)]), np.array([at(end)]))[0])


CLOSED_ON_HOLIDAYS = BusinessHours(calendar="china", serve_on_holidays=False)
WEEKDAYS_ONLY = BusinessHours(calendar="china", serve_on_weekends=False)


def test_the_clock_stops_over_national_day_when_the_shop_rests():
    # 2024-09-30 (Mon, a workday) 23:59:50 → 2024-10-08 00:00:10 (国庆 was 10-01 … 10-07)
    assert waited(CLOSED_ON_HOLIDAYS, "2024-09-30 23:59:50", "2024-10-08 00:00:10") == 20
    assert waited(BusinessHours(), "2024-09-30 23:59:50", "2024-10-08 00:00:10") == 7 * 86_400 + 20
    # an ordinary weekend is served: Sat 2024-10-19 counts in full
    assert waited(CLOSED_ON_HOLIDAYS, "2024-10-18 23:00:00", "2024-10-20 00:00:00") == 90_000


def test_a_tiaoxiu_saturday_is_a_workday():
    # 2024-10-12 (Sat) was a 调休 workday for 国庆; 2024-10-19 (Sat) an ordinary weekend day
    assert WEEKDAYS_ONLY.is_open_on(date(2024, 10, 12))
    assert not WEEKDAYS_ONLY.is_open_on(date(2024, 10, 19))
    assert waited(WEEKDAYS_ONLY, "2024-10-11 23:59:50", "2024-10-12 00:00:10") == 20
    assert waited(WEEKDAYS_ONLY, "2024-10-18 23:59:50", "2024-10-21 00:00:10") == 20
    # without the calendar every Saturday rests, 调休 or not
    plain = BusinessHours(serve_on_weekends=False)
    assert waited(plain, "2024-10-11 23:59:50", "2024-10-12 00:00:10") == 10
    assert waited(plain, "2024-10-11 23:59:50", "2024-10-14 00:00:10") == 20


def test_holidays_and_business_hours_together():
    hours = BusinessHours(parse_windows(["08:00-23:00"]), calendar="china", serve_on_holidays=False)
    # 22:59 on the last workday → 08:01 on the first one after 国庆: a minute each side
    assert waited(hours, "2024-09-30 22:59:00", "2024-10-08 08:01:00") == 120
    # 春节 2025 was 01-28 … 02-04; 01-26 (Sun) and 02-08 (Sat) were 调休 workdays
    assert waited(hours, "2025-01-27 22:00:00", "2025-02-05 09:00:00") == 3600 + 3600


def test_a_year_the_calendar_does_not_know_is_a_clear_warning():
    with pytest.warns(CalendarWarning, match="还没有 2031 年的节假日安排") as caught:
        seconds = waited(WEEKDAYS_ONLY, "2031-01-03 23:59:50", "2031-01-06 00:00:10")
    assert seconds == 20  # counted as ordinary days: Sat and Sun 2031-01-04/05 rest
    assert len({str(w.message) for w in caught}) == 1  # once per year, not once per day


def test_calendar_settings_are_checked_with_file_and_line(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(
        "service_targets:\n  calendar: china\n  serve_on_holidays: false\n", encoding="utf-8"
    )
    hours = load_config(config).service_targets.hours()
    assert hours.calendar == "china" and not hours.serve_on_holidays
    config.write_text("service_targets:\n  serve_on_holidays: false\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"config.yaml:2: service_targets.serve_on_holidays: .*china"
    ):
        load_config(config)
    config.write_text("service_targets:\n  calendar: japan\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config.yaml:2: service_targets.calendar: .*japan"):
        load_config(config)
    with pytest.raises(HoursError):
        BusinessHours(serve_on_holidays=False)


def test_csbot_report_passes_the_calendar_warning_on(tmp_path, storage_url):
    import asyncio

    from typer.testing import CliRunner

    from bot.cli import app
    from bot.storage import TimelineMessage, open_storage

    database = storage_url

    async def fill():
        async with open_storage(database) as storage:
            await storage.add_timeline(
                "csv",
                [
                    TimelineMessage("qn-1", "1", at("2031-01-03 23:59:50"), "customer"),
                    TimelineMessage("qn-1", "2", at("2031-01-06 00:00:10"), "agent", agent="小美"),
                ],
            )

    asyncio.run(fill())
    config = tmp_path / "config.yaml"
    config.write_text(
        f"storage:\n  database: {database}\n"
        "service_targets:\n  calendar: china\n  serve_on_weekends: false\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["report", "--config", str(config), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "注意：chinese-calendar 还没有 2031 年的节假日安排" in result.stderr
    assert '"first_max": 20.0' in result.stdout


def test_a_live_nudge_deadline_skips_the_days_the_shop_rests():
    from bot.telegram.nudges import due_at

    start = at("2024-09-30 23:59:50")
    assert due_at(CLOSED_ON_HOLIDAYS, start, 15) == pytest.approx(
        at("2024-10-08 00:00:05"), abs=0.02
    )
