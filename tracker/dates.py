"""The dates Entente accepts from anyone (a form, an import, the API, a feed): from 1900 to a
year ahead of today.

Why these bounds: the relationships watched are modern; 1900 leaves decades of margin before
any event a catalogue would cite, and no date before it is anything but a typo or an attack
(0001-01-01 once made a recompute build a two-thousand-year grid and fail). A year ahead
allows filters and reports about announced events; an observation itself may never be dated
after the day it was recorded (tracker.models). Pure: adapters use it too.
"""

import datetime as dt

EARLIEST = dt.date(1900, 1, 1)
AHEAD = dt.timedelta(days=366)


def latest(today: dt.date) -> dt.date:
    """The last date accepted on `today`."""
    return today + AHEAD


def out_of_range(day: dt.date, today: dt.date) -> str | None:
    """Why `day` is refused, or None if it is within the accepted dates."""
    if EARLIEST <= day <= latest(today):
        return None
    return f"{day.isoformat()} is outside the dates Entente accepts ({EARLIEST} to {latest(today)})"
