"""The domain's calendar: a day is a UTC day, whatever the server's or the reader's zone."""

import datetime as dt

from django.utils import timezone


def utc_date(moment: dt.datetime) -> dt.date:
    """The UTC day of an aware datetime."""
    return moment.astimezone(dt.UTC).date()


def today_utc() -> dt.date:
    """Today, as a UTC day."""
    return utc_date(timezone.now())
