"""Swedish banking days: no weekends, public holidays, or the eves banks keep closed.

Midsummer Eve, Christmas Eve and New Year's Eve are not public holidays but banks are
closed; the `holidays` package lists them as de facto holidays.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@lru_cache(maxsize=64)
def _closed_days(year: int) -> frozenset[date]:
    days = holidays.country_holidays("SE", years=year, categories=("public", "de_facto"))
    return frozenset(days.keys())


def is_banking_day(day: date) -> bool:
    """True on a weekday that is neither a Swedish public holiday nor a bank-closed eve."""
    return day.weekday() < 5 and day not in _closed_days(day.year)


def next_banking_day(day: date) -> date:
    """The day itself when banks are open, else the next day they are."""
    while not is_banking_day(day):
        day += timedelta(days=1)
    return day


def banking_days_before(day: date, count: int) -> date:
    """The banking day `count` banking days before `day` (count 0: `day` moved to a banking day)."""
    day = next_banking_day(day)
    while count > 0:
        day -= timedelta(days=1)
        if is_banking_day(day):
            count -= 1
    return day


def stockholm_at(day: date, hour: int) -> datetime:
    """An aware datetime at `hour`:00 Stockholm time on `day`."""
    return datetime.combine(day, time(hour=hour), tzinfo=STOCKHOLM)


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, clipped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)
