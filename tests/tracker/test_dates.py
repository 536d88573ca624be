"""The one reader of typed dates (tracker.dates.day_parse): ISO 8601 and the ways of writing
a day that cannot mean two days; never a day-first or month-first numeric date."""

import datetime as dt
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tracker.dates import HINT, PATTERN, day_parse

DAYS = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-29",
        " 2026-11-29 ",
        "2026/11/29",
        "2026.11.29",
        "20261129",
        "29 Nov 2026",
        "29 nov 2026",
        "29 November 2026",
        "29th November 2026",
        "29-Nov-2026",
        "29 Nov. 2026",
        "Nov 29, 2026",
        "November 29 2026",
        "29\u00a0Nov\u00a02026",  # a no-break space, as pasted from a web page
    ],
)
def test_unambiguous_ways_of_writing_a_day_are_read(text):
    assert day_parse(text) == dt.date(2026, 11, 29)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("11/09/2024", "ambiguous: 11 September 2024 or 9 November 2024?"),
        ("11/09/2024", "2024-09-11 or 2024-11-09"),
        ("11-09-2024", "ambiguous"),
        ("11.09.2024", "ambiguous"),
        ("20/11/2026", "write it as YYYY-MM-DD, here 2026-11-20"),  # one reading, still not read
        ("11/20/2026", "here 2026-11-20"),
        ("05/05/2026", "here 2026-05-05"),
        ("1/2/26", "its year has two digits"),
        ("2026-02-30", "not a day of the calendar"),
        ("2026-13-01", "not a day of the calendar"),
        ("29 Foo 2026", "no month “Foo”"),
        ("２０２６-11-29", "is not a date"),  # full-width digits
        ("2026-11-29T10:00", "is not a date"),
        ("", "is not a date"),
        ("yesterday", "is not a date"),
        ("99/99/2026", "is not a date"),
    ],
)
def test_anything_else_is_refused_saying_how_to_write_it(text, says):
    with pytest.raises(ValueError, match="YYYY-MM-DD") as refused:
        day_parse(text)
    assert says in str(refused.value)


def test_the_hint_is_the_format_with_an_example():
    assert HINT == "YYYY-MM-DD, e.g. 2026-11-29"
    assert day_parse(HINT.split("e.g. ")[1]) == dt.date(2026, 11, 29)


@given(DAYS)
def test_every_day_reads_back_from_each_way_it_is_written(day):
    for text in (
        day.isoformat(),
        f"{day:%Y%m%d}",
        f"{day:%Y/%m/%d}",
        f"{day.day} {day:%b %Y}",
        f"{day.day} {day:%B %Y}",
        f"{day:%b} {day.day}, {day.year}",
    ):
        assert day_parse(text) == day, text


@given(DAYS)
def test_no_day_first_or_month_first_date_is_ever_read(day):
    for text in (f"{day:%d/%m/%Y}", f"{day:%m/%d/%Y}", f"{day:%d.%m.%Y}", f"{day:%d-%m-%y}"):
        with pytest.raises(ValueError, match="YYYY-MM-DD"):
            day_parse(text)


@given(DAYS)
def test_the_basic_form_never_reads_a_day_first_date_as_another_day(day):
    """20261129 is read; 29112026 (day first, no separators) must not be read as a day."""
    for text in (f"{day:%d%m%Y}", f"{day:%m%d%Y}"):
        with pytest.raises(ValueError):
            day_parse(text)


@given(st.text(max_size=40))
@example("2026-11-29")
@example("1/1/1")
def test_any_text_is_a_day_or_a_value_error_and_the_pattern_agrees(text):
    """Whatever is typed: a date, or a ValueError saying the format (nothing else raised);
    and every text that is read matches the input's pattern (the browser never marks a
    readable date as malformed)."""
    try:
        day = day_parse(text)
    except ValueError as error:
        assert "YYYY-MM-DD" in str(error)
    else:
        assert isinstance(day, dt.date)
        assert re.fullmatch(PATTERN, text), text


@given(DAYS)
def test_the_pattern_accepts_what_is_written_in_the_hint(day):
    assert re.fullmatch(PATTERN, day.isoformat())
    assert not re.fullmatch(PATTERN, f"{day:%d/%m/%Y}")
