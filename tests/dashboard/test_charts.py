"""Figures built server-side: downsampled within budget, safe to embed, one band per scenario."""

import base64
import datetime as dt
import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from dashboard import charts
from tracker.selectors.evidence import ChartReport
from tracker.selectors.indicators import Reading
from tracker.selectors.series import Assessment


def test_sample_keeps_short_series_whole_and_long_ones_within_budget_with_their_extremes():
    assert charts.sample(10, np.arange(10.0), 100).tolist() == list(range(10))
    values = np.sin(np.linspace(0, 20, 20_000))
    values[12_345] = 5.0  # a spike a downsampler must not lose
    kept = charts.sample(len(values), values, 1000)
    assert len(kept) <= 1000 and 12_345 in kept
    assert kept[0] == 0 and kept[-1] == len(values) - 1


def test_figure_json_cannot_close_the_script_element_it_sits_in():
    figure = charts.go.Figure(charts.go.Scatter(x=[1], y=[2], name="</script><b>&"))
    text = charts.figure_json(figure)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["data"][0]["name"] == "</script><b>&"


def numbers(column) -> list[float]:
    """A trace's values: plotly sends numpy arrays as typed binary ({dtype, bdata})."""
    if isinstance(column, dict):
        return np.frombuffer(base64.b64decode(column["bdata"]), dtype=column["dtype"]).tolist()
    return list(column)


class Band:
    def __init__(self, slug, name, lower, upper):
        self.slug, self.name, self.lower, self.upper = slug, name, lower, upper


def test_the_index_figure_draws_each_scenario_band_and_the_index():
    day = dt.date(2026, 1, 1)
    points = [
        Assessment(
            day + dt.timedelta(days=n), 40.0 + n, 30.0, 50.0 + n, "c", 0.0, {}, 1.0, 1, {}, 1, {}
        )
        for n in range(3)
    ]
    bands = [Band("c", "Strategic convenience", 25, 50), Band("s", "Structured alignment", 50, 75)]
    figure = json.loads(charts.figure_json(charts.index_figure(points, bands)))
    shapes = [(s["y0"], s["y1"]) for s in figure["layout"]["shapes"]]
    assert (25, 50) in shapes and (50, 75) in shapes
    [index] = [t for t in figure["data"] if t.get("name") == "alignment index"]
    assert numbers(index["y"]) == [40.0, 41.0, 42.0]
    [low] = [t for t in figure["data"] if t.get("name") == "uncertainty"]
    assert numbers(low["y"]) == [30.0, 30.0, 30.0]


def test_data_never_becomes_markup_in_a_figure():
    """Plotly renders <a href> in any label as a live link: every name from the data is
    escaped, so a hostile category, scenario or stage name shows as text."""
    hostile = '<a href="https://evil.example/">click</a>'
    day = dt.date(2026, 1, 1)
    points = [Assessment(day, 40.0, 30.0, 50.0, "c", 0.0, {"c": 1.0}, 1.0, 1, {"x": 10.0}, 1, {})]
    bands = [Band("c", hostile, 0, 100)]

    class Category:
        slug, name = "x", hostile

    figures = [
        charts.index_figure(points, bands),
        charts.index_figure(points, bands, category=Category()),
        charts.odds_figure(points, bands),
        charts.categories_figure(points, [Category()]),
    ]
    for figure in figures:
        text = json.dumps(figure)
        assert "evil.example" in text  # the name is there...
        assert '<a href="https://evil.example/">' not in text  # ...but never as a tag
        assert "&lt;a href" in text


def _points(days: int) -> list[Assessment]:
    day = dt.date(2026, 1, 1)
    odds = {"c": 0.7, "s": 0.3}
    return [
        Assessment(
            day + dt.timedelta(days=n), 40.0 + n % 9, 30.0, 50.0 + n % 9, "c", 0.0, odds, 1.0, 1,
            {"x": 10.0 + n % 5, "y": float("nan") if n < 3 else 60.0}, 1, {},
        )
        for n in range(days)
    ]  # fmt: skip


class Named:
    def __init__(self, slug, name):
        self.slug, self.name = slug, name
        self.score = 0.3 if slug == "proposed" else 0.6


def _figures():
    bands = [Band("c", "Strategic convenience", 25, 50), Band("s", "Structured <b>", 50, 75)]
    categories = [Named("x", "Military"), Named("y", "Economic & energy")]
    events = [{"date": "2026-01-02", "y": 41.0, "text": "A report"}]
    for days in (1, 40, 4000):  # 4,000 days: downsampled
        points = _points(days)
        yield charts.index_figure(points, bands, events)
        yield charts.index_figure(points, bands, category=categories[1])
        yield charts.odds_figure(points, bands)
        yield charts.categories_figure(points, categories)
        yield charts.categories_figure(points, categories * 3)  # two rows of panels
    readings = [Reading(p.date, (n % 7) / 7, 0.5) for n, p in enumerate(_points(300))]
    reports = [
        ChartReport(readings[n].date, 2.0, 40.0, "Signed", 0.6, "B", 2, "TASS", "Kremlin")
        for n in range(0, 300, 30)
    ]
    for kind in ("event", "level", "stage"):
        yield charts.indicator_figure(_Indicator(kind), readings, reports)
        yield charts.indicator_figure(_Indicator(kind), readings, [])


class _Indicator:
    floor, ceiling = 0.0, 100.0

    def __init__(self, kind):
        self.kind = kind

    class stages:  # as the related manager is named
        @staticmethod
        def order_by(field):
            return [Named("proposed", "Proposed"), Named("signed", "Signed <i>")]


def test_the_plain_figures_are_what_plotly_itself_would_write():
    """The busy figures are built as plain dicts (plotly's objects cost most of a cold
    page): each one passes plotly's validation, and plotly writes it back unchanged."""
    for figure in _figures():
        ours = json.loads(charts.figure_json(figure))
        theirs = json.loads(pio.to_json(go.Figure(figure), validate=True, remove_uids=True))
        assert ours == theirs


def test_the_sensitivity_chart_has_one_dot_per_variant_coloured_by_its_effect():
    from tracker.scoring import method, sensitivity

    specs = [
        method.IndicatorSpec(key=1, kind="stage", polarity=1, weight=1.0, category="x"),
        method.IndicatorSpec(key=2, kind="stage", polarity=1, weight=1.0, category="y"),
    ]
    rows = [
        (10, 1, dt.date(2024, 1, 1), 0.45, "B", 2, None, ""),
        (11, 2, dt.date(2024, 1, 2), 0.6, "C", 3, None, ""),
    ]
    scenarios = [Band("u", "U", 0, 25), Band("c", "C", 25, 50), Band("s", "S", 50, 75)]
    specs_scenarios = [method.ScenarioSpec(b.slug, b.lower, b.upper) for b in scenarios]
    found = sensitivity.evaluate(
        specs,
        specs_scenarios,
        sensitivity.ObservationColumns.from_rows(rows),
        dt.date(2024, 6, 1),
    )
    figure = json.loads(charts.figure_json(charts.sensitivity_figure(found, scenarios)))
    dots = figure["data"][0]
    assert dots["y"] == [o.label for o in found.outcomes]
    assert numbers(dots["x"]) == [round(o.index, 2) for o in found.outcomes]
    colours = [charts.EFFECT_COLOURS[found.effect(o)] for o in found.outcomes]
    assert dots["marker"]["color"] == colours
    assert len([s for s in figure["layout"]["shapes"] if s["type"] == "rect"]) == len(scenarios)
