import datetime as dt

import pytest
from django.http import QueryDict

from dashboard.filters import FilterError, Filters
from tests.clock import TODAY
from tests.factories import CategoryFactory


def parse(query: str) -> Filters:
    return Filters.from_query(QueryDict(query), today=TODAY)


@pytest.mark.django_db
def test_round_trip_keeps_only_what_is_set():
    CategoryFactory(slug="economic")
    query = "period=1y&category=economic&min_grade=B2&as_of=2025-01-31&moved_from=2024-01-01"
    filters = parse(query)
    assert parse(filters.query()) == filters
    assert Filters().query() == ""
    assert "category" not in filters.query(category=None)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("period=2y", "period"),
        ("start=31/12/2024", "start"),
        ("as_of=2030-01-01", "as_of"),
        ("min_grade=Z9", "min_grade"),
        ("start=2025-02-01&end=2025-01-01", "start"),
        ("moved_from=2025-02-01&moved_to=2025-01-01", "moved_from"),
        ("category=nope", "category"),
    ],
)
@pytest.mark.django_db
def test_bad_parameters_name_themselves(query, parameter):
    with pytest.raises(FilterError) as caught:
        parse(query)
    assert caught.value.parameter == parameter
    assert str(caught.value).startswith(f"{parameter}: ")


def test_window_and_comparison_defaults():
    first, last = dt.date(2020, 1, 1), TODAY
    assert Filters().window(first, last) == (first, last)
    assert Filters(period="1y").window(first, last) == (TODAY - dt.timedelta(days=365), TODAY)
    assert Filters(period="5y").window(dt.date(2024, 1, 1), last)[0] == dt.date(2024, 1, 1)
    assert Filters(start=dt.date(2023, 1, 1), end=dt.date(2030, 1, 1)).window(first, last) == (
        dt.date(2023, 1, 1),
        TODAY,
    )
    assert Filters().moved(TODAY) == (TODAY - dt.timedelta(days=90), TODAY)


@pytest.mark.parametrize(
    ("written", "day"),
    [("2025-01-31", dt.date(2025, 1, 31)), ("31 Jan 2025", dt.date(2025, 1, 31))],
)
def test_a_date_filter_reads_dates_as_the_forms_do_and_writes_them_as_iso(written, day):
    filters = parse(f"as_of={written}")
    assert filters.as_of == day
    assert filters.query() == f"as_of={day.isoformat()}"  # the canonical URL


def test_an_ambiguous_date_filter_says_how_to_write_it():
    with pytest.raises(FilterError) as caught:
        parse("as_of=11/09/2024")
    assert "YYYY-MM-DD" in str(caught.value) and caught.value.parameter == "as_of"
