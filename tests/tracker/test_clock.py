"""The domain's calendar: a day is a UTC day."""

import datetime as dt

import time_machine

from tests.clock import NOW
from tracker.clock import today_utc, utc_date


def test_a_moment_falls_on_its_utc_day_whatever_its_zone():
    tokyo = dt.timezone(dt.timedelta(hours=9))
    honolulu = dt.timezone(dt.timedelta(hours=-10))
    # 1 Dec 2026, 08:00 in Tokyo is still 30 Nov in UTC; 30 Nov 15:00 in Honolulu is 1 Dec.
    assert utc_date(dt.datetime(2026, 12, 1, 8, tzinfo=tokyo)) == dt.date(2026, 11, 30)
    assert utc_date(dt.datetime(2026, 11, 30, 15, tzinfo=honolulu)) == dt.date(2026, 12, 1)


def test_today_is_the_utc_day_of_now():
    assert today_utc() == NOW.date()
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 59, 59, tzinfo=dt.UTC), tick=False):
        assert today_utc() == dt.date(2026, 12, 31)
    with time_machine.travel(dt.datetime(2027, 1, 1, tzinfo=dt.UTC), tick=False):
        assert today_utc() == dt.date(2027, 1, 1)
