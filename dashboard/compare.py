"""The comparison page: several relationships on one scale, side by side.

Each relationship's verdict, index with its ribbon, momentum, odds and confidence, for the
same window and, with "as known on", as each was known that day; their indices on one chart
over the bands they share; and a heat map of the families' sub-indices, which method 3.0 makes
comparable (each family weighs the same in every relationship).
"""

from dataclasses import dataclass

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from dashboard import charts, views
from dashboard.access import readable
from dashboard.context_processors import several_relationships
from dashboard.filters import PERIODS, FilterError, Filters
from dashboard.htmx import HtmxHttpRequest
from tracker.clock import today_utc
from tracker.models import Family, Relationship, Scenario
from tracker.scoring import method
from tracker.selectors.grounds import Grounds, verdict_grounds
from tracker.selectors.series import (
    Assessment,
    ViewPending,
    ViewUnavailable,
    index_series,
    series_bounds,
)


@dataclass
class Column:
    """One relationship on the comparison page."""

    relationship: Relationship
    scenarios: list[Scenario]
    points: list[Assessment]
    verdict: Assessment | None = None
    grounds: Grounds | None = None
    problem: str = ""  # why there is nothing to show (no evidence yet, a job computing it)

    @property
    def band_names(self) -> dict[str, str]:
        return {s.slug: s.name for s in self.scenarios}

    @property
    def odds(self) -> list[tuple[str, float]]:
        if self.verdict is None:
            return []
        return [(s.name, self.verdict.odds.get(s.slug, 0.0)) for s in self.scenarios]


@require_GET
@readable
def home(request: HtmxHttpRequest) -> HttpResponse:
    """The comparison when several relationships are watched, else the one's overview."""
    if several_relationships(request):
        return compare(request)
    return views.overview(request)


@require_GET
@readable
def compare(request: HtmxHttpRequest) -> HttpResponse:
    """Every watched relationship side by side, for one window and one "as known on" date."""
    try:
        filters = Filters.from_query(request.GET, today=today_utc())
    except FilterError as error:
        return views.bad_request(request, error)
    context = compare_context(filters)
    return views.render_page(request, "dashboard/compare.html", context, filters=filters)


def compare_context(filters: Filters) -> dict:
    relationships = list(Relationship.objects.order_by("pk"))
    series = {"as_of": filters.as_of, "min_grade": filters.grade}
    bounds, pending = {}, False
    for relationship in relationships:
        try:
            bounds[relationship.pk] = series_bounds(relationship, **series)
        except ViewPending:
            pending = True
        except ViewUnavailable:
            bounds[relationship.pk] = None
    known = [b for b in bounds.values() if b]
    window = filters.window(min(b[0] for b in known), max(b[1] for b in known)) if known else None
    columns = [_column(r, filters, window, bounds.get(r.pk)) for r in relationships]
    families = _family_labels(relationships)
    shared = _shared_scenarios(columns)
    drawn = [c for c in columns if c.points]
    figures = {}
    if drawn:
        figures = {
            "index": charts.figure_json(
                charts.compare_figure([(c.relationship.title, c.points) for c in drawn], shared)
            ),
            "families": charts.figure_json(
                charts.families_figure(
                    [(c.relationship.pair, c.verdict.families) for c in drawn if c.verdict],
                    families,
                )
            ),
        }
    return {
        "filters": filters,
        "periods": list(PERIODS),
        "grades": ["", "A1", "B2", "C3", "D4"],
        "relationships": relationships,
        "columns": columns,
        "window": window,
        "families": families,
        "family_rows": [
            (label, [_sub_index(c, slug) for c in columns]) for slug, label in families
        ],
        "shared_scenarios": shared,
        "figures": figures,
        "pending": pending,
        "coverage_min": method.COVERAGE_MIN,
    }


def _column(relationship, filters, window, bounds) -> Column:
    scenarios = list(relationship.scenarios.order_by("lower"))
    column = Column(relationship, scenarios, [])
    if bounds is None or window is None:
        column.problem = "No evidence yet."
        return column
    start, end = window
    series = {"as_of": filters.as_of, "min_grade": filters.grade}
    try:
        column.points = index_series(relationship, start=start, end=end, **series)
    except ViewPending:
        column.problem = "Being computed; this page asks again shortly."
        return column
    except ViewUnavailable as error:
        column.problem = f"Not available now: {error}."
        return column
    if not column.points:
        column.problem = "No evidence in this window."
        return column
    column.verdict = column.points[-1]
    column.grounds = verdict_grounds(relationship, column.verdict, known_on=filters.as_of)
    return column


def _sub_index(column: Column, family: str) -> float | None:
    return column.verdict.families.get(family) if column.verdict else None


def _family_labels(relationships) -> list[tuple[str, str]]:
    """Each family's name with the actors every relationship shares filled in ("to Russia"
    when Russia is the first actor of them all), else "the first actor" or "the partner"."""
    firsts = {r.actor_a for r in relationships}
    seconds = {r.actor_b for r in relationships}
    a = firsts.pop() if len(firsts) == 1 else "the first actor"
    b = seconds.pop() if len(seconds) == 1 else "the partner"
    return [(f.slug, f.label(a, b)) for f in Family.objects.order_by("order")]


def _shared_scenarios(columns: list[Column]) -> list[Scenario]:
    """The bands drawn behind the indices: the first relationship's, when every relationship
    has the same bounds (they do when their catalogues follow families.toml); else none."""
    if not columns:
        return []
    shape = [(s.slug, s.lower, s.upper) for s in columns[0].scenarios]
    if all([(s.slug, s.lower, s.upper) for s in c.scenarios] == shape for c in columns):
        return columns[0].scenarios
    return []
