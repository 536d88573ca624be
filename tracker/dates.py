"""The dates Entente accepts from anyone (a form, an import, the API, a feed): from 1900 to a
year ahead of today.

Why these bounds: the relationships watched are modern; 1900 leaves decades of margin before
any event a catalogue would cite, and no date before it is anything but a typo or an attack
(0001-01-01 once made a recompute build a two-thousand-year grid and fail). A year ahead
allows filters and reports about announced events; an observation itself may never be dated
after the day it was recorded (tracker.models). Pure: adapters use it too.
"""

import datetime as dt
import re

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


# Dates as people write them. One format is asked for everywhere (ISO 8601: it sorts, it is
# the same in every locale, and it is what pages and files here show); a few other ways of
# writing a day are read as well, only where they cannot mean two days. "11/09/2024" is
# 11 September in London and 9 November in Washington, so no day-first or month-first
# numeric date is read, even one like 20/11/2026 that has one reading: an analyst who
# learns that 20/11 works would trust 11/09 next. 20261129 is read (ISO's basic form, what
# a phone's numeric keypad can type): its month digits would be a year's "19" or "20" in a
# day-first or month-first date, never a month.
HINT = "YYYY-MM-DD, e.g. 2026-11-29"
PATTERN = (  # the shapes `day_parse` reads, for an <input pattern>: a typo is shown at once
    r"\s*(?:[0-9]{4}[\-\/.][0-9]{1,2}[\-\/.][0-9]{1,2}|[0-9]{8}"
    r"|[0-9]{1,2}[A-Za-z]{0,2}[\s\-]+[A-Za-z]{3,9}\.?,?[\s\-]+[0-9]{4}"
    r"|[A-Za-z]{3,9}\.?[\s\-]+[0-9]{1,2}[A-Za-z]{0,2},?\s+[0-9]{4})\s*"
)

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_ORDINAL = r"(?:st|nd|rd|th)?"
_YEAR_FIRST = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})", re.ASCII)
_BASIC = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)
_DAY_MONTH_NAME = re.compile(
    rf"(\d{{1,2}}){_ORDINAL}[\s-]+([a-z]+)\.?,?[\s-]+(\d{{4}})", re.ASCII | re.IGNORECASE
)
_MONTH_NAME_DAY = re.compile(
    rf"([a-z]+)\.?[\s-]+(\d{{1,2}}){_ORDINAL},?\s+(\d{{4}})", re.ASCII | re.IGNORECASE
)
_NUMERIC_NOT_YEAR_FIRST = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{2}|\d{4})", re.ASCII)


def day_parse(text: str) -> dt.date:
    """The day `text` writes (YYYY-MM-DD, or another way that cannot mean two days); a
    ValueError that says how to write it otherwise. The range is checked apart
    (`out_of_range`, the models), since what is accepted depends on what is dated."""
    written = " ".join(text.split())
    if match := _YEAR_FIRST.fullmatch(written) or _BASIC.fullmatch(written):
        year, month, day = (int(match[1]), *map(int, match.groups()[-2:]))
    elif match := _DAY_MONTH_NAME.fullmatch(written):
        year, month, day = int(match[3]), _month(match[2], written), int(match[1])
    elif match := _MONTH_NAME_DAY.fullmatch(written):
        year, month, day = int(match[3]), _month(match[1], written), int(match[2])
    elif match := _NUMERIC_NOT_YEAR_FIRST.fullmatch(written):
        raise ValueError(_not_year_first(written, int(match[1]), int(match[3]), match[4]))
    else:
        raise ValueError(f"“{written}” is not a date: write it as {HINT}.")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"“{written}” is not a day of the calendar: write it as {HINT}.") from None


def _month(name: str, written: str) -> int:
    number = MONTHS.get(name.lower())
    if number is None:
        raise ValueError(f"“{written}” is not a date (no month “{name}”): write it as {HINT}.")
    return number


def _not_year_first(written: str, first: int, second: int, year_text: str) -> str:
    """Why a date written day or month first is not read, with the ISO date(s) it may be."""
    if len(year_text) == 2:
        return f"“{written}” is not read: its year has two digits. Write the date as {HINT}."
    year = int(year_text)
    readings = []
    for day, month in ((first, second), (second, first)):
        try:
            readings.append(dt.date(year, month, day))
        except ValueError:
            continue
    readings = sorted(set(readings))
    if len(readings) == 2:
        a, b = readings
        return (
            f"“{written}” is ambiguous: {_spelt(a)} or {_spelt(b)}? "
            f"Write the date as YYYY-MM-DD: {a.isoformat()} or {b.isoformat()}."
        )
    if readings:
        return (
            f"“{written}” is not read (a date written day or month first may mean two days, "
            f"as 11/09/2024 does): write it as YYYY-MM-DD, here {readings[0].isoformat()}."
        )
    return f"“{written}” is not a date: write it as {HINT}."


def _spelt(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"
