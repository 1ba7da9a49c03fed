"""Pure calculations for funds: banking days, loan schedules, instalments, repayment splits.

Rounding rules (written down here, tested by a property test):

- Loans are repaid straight-line (rak amortering): the principal is split into `term`
  monthly parts with pools.money.split_ore, so every part is the floor of principal/term
  and the remaining öre go one each to the first instalments. The parts always sum to
  the principal exactly, and no two parts differ by more than one öre.
- Interest, when the loan carries any, is charged per instalment on the principal still
  outstanding before that instalment: outstanding × yearly rate / 12, rounded half up to
  a whole öre (pools.money.round_to_ore). Interest never changes the principal parts.
- Member-share instalments use the same split_ore rule over the subscribed amount.
- Due dates fall on the same day of each month as the first due date (the last day of a
  shorter month when that day does not exist), then move forward to the next banking day.
- A repayment pays instalments in due order, each one's interest before its principal.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from pools.money import round_to_ore, split_ore


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 19 * m) // 433
    month = (h + m - 7 * n + 90) // 25
    day = (h + m - 7 * n + 33 * month + 19) % 32
    return date(year, month, day)


@lru_cache(maxsize=64)
def swedish_bank_holidays(year: int) -> frozenset[date]:
    """Days Swedish banks are closed besides weekends: public holidays and the eves banks keep shut."""
    easter = _easter(year)
    midsummer_eve = next(date(year, 6, d) for d in range(19, 26) if date(year, 6, d).weekday() == 4)
    return frozenset(
        {
            date(year, 1, 1),
            date(year, 1, 6),
            easter - timedelta(days=2),  # Good Friday
            easter + timedelta(days=1),  # Easter Monday
            date(year, 5, 1),
            easter + timedelta(days=39),  # Ascension Day
            date(year, 6, 6),
            midsummer_eve,
            date(year, 12, 24),
            date(year, 12, 25),
            date(year, 12, 26),
            date(year, 12, 31),
        }
    )


def is_banking_day(day: date) -> bool:
    return day.weekday() < 5 and day not in swedish_bank_holidays(day.year)


def next_banking_day(day: date) -> date:
    """The day itself when banks are open, else the next day they are."""
    while not is_banking_day(day):
        day += timedelta(days=1)
    return day


def add_months(day: date, months: int) -> date:
    """Same day of the month `months` later; the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_dates(first_due_on: date, count: int, *, interval_months: int = 1) -> list[date]:
    """`count` due dates, `interval_months` apart, each moved to a banking day."""
    return [next_banking_day(add_months(first_due_on, i * interval_months)) for i in range(count)]


@dataclass(frozen=True)
class ScheduleRow:
    number: int
    due_on: date
    principal_ore: int
    interest_ore: int

    @property
    def amount_ore(self) -> int:
        return self.principal_ore + self.interest_ore


def loan_schedule(*, principal_ore: int, term_months: int, interest_bp: int, first_due_on: date) -> list[ScheduleRow]:
    """Straight-line schedule: principal parts by split_ore (sum exact), interest on the balance, half up."""
    parts = split_ore(principal_ore, term_months)
    rows = []
    outstanding = principal_ore
    monthly_rate = Decimal(interest_bp) / Decimal(10_000) / Decimal(12)
    for number, (due_on, part) in enumerate(zip(due_dates(first_due_on, term_months), parts, strict=True), start=1):
        interest = round_to_ore(Decimal(outstanding) * monthly_rate) if interest_bp else 0
        rows.append(ScheduleRow(number=number, due_on=due_on, principal_ore=part, interest_ore=interest))
        outstanding -= part
    return rows


def repayment_split(*, schedule: list[tuple[int, int]], paid_before_ore: int, amount_ore: int) -> tuple[int, int]:
    """(principal, interest) of a repayment of `amount_ore` after `paid_before_ore` was already paid.

    `schedule` is [(interest, principal), ...] in due order; each instalment's interest is paid
    before its principal. Money beyond the whole schedule is not accepted (ValueError).
    """
    principal = interest = 0
    cursor = 0  # how far into the schedule's money stream we are
    start, end = paid_before_ore, paid_before_ore + amount_ore
    for row_interest, row_principal in schedule:
        for part, is_interest in ((row_interest, True), (row_principal, False)):
            lo, hi = cursor, cursor + part
            covered = max(0, min(hi, end) - max(lo, start))
            if is_interest:
                interest += covered
            else:
                principal += covered
            cursor = hi
    if principal + interest != amount_ore:
        raise ValueError("more than the schedule asks for")
    return principal, interest


def paid_through(amounts: list[int], paid_ore: int) -> list[int]:
    """How much of each amount (in order) a total of `paid_ore` covers, oldest first."""
    covered = []
    left = max(paid_ore, 0)
    for amount in amounts:
        take = min(amount, left)
        covered.append(take)
        left -= take
    return covered
