from datetime import date

from pools.banking_days import add_months, banking_days_before, is_banking_day, next_banking_day, stockholm_at


def test_weekends_public_holidays_and_bank_closed_eves_are_not_banking_days():
    assert not is_banking_day(date(2026, 11, 21))  # Saturday
    assert not is_banking_day(date(2026, 6, 6))  # National Day
    assert not is_banking_day(date(2026, 6, 19))  # Midsummer Eve: banks closed
    assert not is_banking_day(date(2026, 12, 24))  # Christmas Eve
    assert not is_banking_day(date(2026, 12, 31))  # New Year's Eve
    assert is_banking_day(date(2026, 11, 23))


def test_next_banking_day_skips_a_long_christmas():
    assert next_banking_day(date(2026, 12, 24)) == date(2026, 12, 28)
    assert next_banking_day(date(2026, 4, 3)) == date(2026, 4, 7)  # Good Friday to after Easter Monday
    assert next_banking_day(date(2026, 11, 23)) == date(2026, 11, 23)


def test_banking_days_before_counts_only_banking_days():
    assert banking_days_before(date(2026, 12, 28), 3) == date(2026, 12, 21)
    assert banking_days_before(date(2026, 11, 23), 1) == date(2026, 11, 20)


def test_add_months_clips_to_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


def test_stockholm_time_follows_summer_time():
    assert stockholm_at(date(2026, 7, 1), 9).utcoffset().total_seconds() == 7200
    assert stockholm_at(date(2026, 1, 15), 9).utcoffset().total_seconds() == 3600
