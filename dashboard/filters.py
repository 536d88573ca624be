"""The dashboard's view state, read from the URL so that any view can be bookmarked and shared.

A bad parameter is an error naming the parameter (a 400 page or API answer), never a
silent fallback.
"""

import datetime as dt
import re
from dataclasses import dataclass, fields, replace
from urllib.parse import urlencode

from tracker.dates import day_parse, out_of_range
from tracker.models import Category
from tracker.scoring.inputs import parse_min_grade

PERIODS = {"1y": 365, "3y": 3 * 365, "5y": 5 * 365, "all": None}
DEFAULT_PERIOD = "all"
MOVED_DAYS = 90


class FilterError(ValueError):
    """A query parameter the dashboard cannot use; the message names it."""

    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(params, name: str, today: dt.date) -> dt.date | None:
    """A date filter as the forms read dates (tracker.dates.day_parse: YYYY-MM-DD, or
    another way that cannot mean two days); the view's canonical URL writes it as ISO."""
    text = params.get(name, "").strip()
    if not text:
        return None
    try:
        day = day_parse(text)
    except ValueError as error:
        raise FilterError(name, str(error)) from None
    if problem := out_of_range(day, today):
        raise FilterError(name, problem)
    return day


@dataclass(frozen=True)
class Filters:
    period: str = DEFAULT_PERIOD
    start: dt.date | None = None
    end: dt.date | None = None
    category: Category | None = None
    min_grade: str = ""
    as_of: dt.date | None = None
    moved_from: dt.date | None = None
    moved_to: dt.date | None = None

    @classmethod
    def from_query(cls, params, *, today: dt.date) -> "Filters":
        period = params.get("period", "").strip() or DEFAULT_PERIOD
        if period not in PERIODS:
            raise FilterError("period", f"choose one of {', '.join(PERIODS)}, not {period!r}")
        category = None
        if slug := params.get("category", "").strip():
            category = Category.objects.filter(slug=slug).first()
            if category is None:
                raise FilterError("category", f"there is no category {slug!r}")
        grade = params.get("min_grade", "").strip().upper()
        try:
            parse_min_grade(grade)
        except ValueError as error:
            raise FilterError("min_grade", str(error)) from None
        filters = cls(
            period=period,
            start=parse_date(params, "start", today),
            end=parse_date(params, "end", today),
            category=category,
            min_grade=grade,
            as_of=parse_date(params, "as_of", today),
            moved_from=parse_date(params, "moved_from", today),
            moved_to=parse_date(params, "moved_to", today),
        )
        for name in ("end", "as_of", "moved_to"):
            if (value := getattr(filters, name)) and value > today:
                raise FilterError(name, f"{value} is in the future")
        if filters.start and filters.end and filters.start > filters.end:
            raise FilterError("start", "the period starts after it ends")
        if filters.moved_from and filters.moved_to and filters.moved_from > filters.moved_to:
            raise FilterError("moved_from", "the comparison starts after it ends")
        return filters

    @property
    def grade(self) -> tuple[str, int] | None:
        return parse_min_grade(self.min_grade)

    def window(self, first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
        """The dates the charts show, within the series [first, last]: the explicit start and
        end, else the chosen period up to the end."""
        end = min(self.end or last, last)
        days = PERIODS[self.period]
        start = self.start or (end - dt.timedelta(days=days) if days else first)
        return max(start, first), end

    def moved(self, end: dt.date) -> tuple[dt.date, dt.date]:
        """The "what moved" comparison: the chosen dates, else the 90 days up to `end`."""
        moved_to = min(self.moved_to or end, end)
        return self.moved_from or moved_to - dt.timedelta(days=MOVED_DAYS), moved_to

    def query(self, **changes) -> str:
        """This view's URL query, with `changes` applied (None or "" drops a parameter)."""
        state = replace(self, **changes) if changes else self
        params = {
            "period": state.period if state.period != DEFAULT_PERIOD else "",
            "start": state.start,
            "end": state.end,
            "category": state.category.slug if state.category else "",
            "min_grade": state.min_grade,
            "as_of": state.as_of,
            "moved_from": state.moved_from,
            "moved_to": state.moved_to,
        }
        return urlencode({k: v for k, v in params.items() if v})


# The parameters a view of the filters takes (and the URL carries).
FILTER_PARAMS = frozenset(field.name for field in fields(Filters))
