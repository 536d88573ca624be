"""Figures built server-side: downsampled within budget, safe to embed, one band per scenario."""

import base64
import datetime as dt
import json
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from dashboard import charts
from tests.clock import NOW
from tests.factories import IndicatorFactory, ObservationFactory
from tracker.models import Observation
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
    [low] = [t for t in figure["data"] if t.get("name") == "90% range"]
    assert numbers(low["y"]) == [30.0, 30.0, 30.0]


def test_the_bands_are_named_beside_the_plot_not_under_the_index():
    """A band's name inside the plot had the index line run through it, and the ribbon over
    pastel bands mixed into muddy colours: the bands are strips in the right margin, each
    named there, with the y grid at their edges; nothing is drawn over the plot area."""
    bands = [Band("strategic-convenience", "Strategic convenience", 25, 50),
             Band("structured-alignment", "Structured alignment", 50, 75)]  # fmt: skip
    layout = charts.index_figure(_points(3), bands)["layout"]
    for shape in layout["shapes"]:  # each a few pixels wide, right of the plot (paper x = 1)
        assert (shape["xref"], shape["xsizemode"], shape["xanchor"]) == ("paper", "pixel", 1)
        assert 0 < shape["x0"] < shape["x1"] <= 12
    assert [s["fillcolor"] for s in layout["shapes"]] == [charts.ORANGE, charts.BLUE]
    names = [(a["text"], a["x"], a["xanchor"], a["y"]) for a in layout["annotations"]]
    assert names == [("Strategic<br>convenience", 1, "left", 37.5),
                     ("Structured<br>alignment", 1, "left", 62.5)]  # fmt: skip
    assert layout["yaxis"]["tickvals"] == [25, 50, 75]
    assert layout["margin"]["r"] >= 90  # room for the names


def test_a_category_is_drawn_on_its_own_scale_toward_alliance_without_the_bands():
    class Category:
        slug, name = "y", "Divergence and trust"

    bands = [Band("c", "Strategic convenience", 25, 50)]
    figure = charts.index_figure(_points(10), bands, category=Category())
    layout = figure["layout"]
    assert layout["yaxis"]["range"] == [0, 100]
    assert "toward alliance" in layout["yaxis"]["title"]["text"]
    assert not layout.get("shapes") and not layout.get("annotations")  # no band
    assert [t["name"] for t in figure["data"]] == ["Divergence and trust"]


def test_the_category_panels_each_read_0_to_100_toward_alliance_in_a_grid():
    categories = [Named(slug, slug.upper()) for slug in "xyzuvw"]
    layout = charts.categories_figure(_points(20), categories)["layout"]
    assert layout["grid"]["columns"] == charts.CATEGORY_COLUMNS and layout["grid"]["rows"] == 2
    axes = [key for key in layout if key.startswith("yaxis")]
    assert len(axes) == 6
    assert all(layout[axis]["range"] == [0, 100] for axis in axes)
    assert not layout.get("shapes")  # no scenario band under a category
    [note] = [a for a in layout["annotations"] if a["xref"] == "paper"]
    assert "toward alliance" in note["text"]
    titles = [a["text"] for a in layout["annotations"] if a["xref"].endswith(" domain")]
    assert titles == ["X", "Y", "Z", "U", "V", "W"]


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
        assert "&lt;a" in text  # (a long name may be broken in two at a space)


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
        yield charts.indicator_figure(_Indicator(kind, readings[40].date), readings, reports[2:])


class _Indicator:
    floor, ceiling = 0.0, 100.0

    def __init__(self, kind, first_report=dt.date(2026, 1, 1)):
        self.kind = kind
        self.first_report = first_report  # as an annotated queryset would give it

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


def _readings(days: int) -> list[Reading]:
    day = dt.date(2024, 1, 1)
    return [Reading(day + dt.timedelta(days=n), 0.0 if n < 100 else 0.6, 0.6) for n in range(days)]


def _report(day, **values) -> ChartReport:
    return ChartReport(day, values.get("magnitude"), None, values.get("stage"), 0.6, "B", 2,
                       "TASS", "Kremlin")  # fmt: skip


def test_a_stage_ladder_draws_nothing_before_its_first_report():
    """Before its first report a stage indicator reads its no-evidence level, the score of
    its lowest rung: drawn, it said "Denied or cancelled" for years nobody reported."""
    readings = _readings(300)
    first = readings[100].date
    indicator = _Indicator("stage", first_report=first)
    figure = charts.indicator_figure(indicator, readings, [_report(first, stage="Signed")])
    [line] = [t for t in figure["data"] if t["name"] == "reading (0–1)"]
    assert line["x"][0] == first.isoformat()
    assert set(numbers(line["y"])) == {0.6}
    # The axis still spans the whole period: the years before the report stay empty.
    assert figure["layout"]["xaxis"]["range"] == [readings[0].date.isoformat(),
                                                  readings[-1].date.isoformat()]  # fmt: skip
    # Reported before the period shown: the whole period is a reading.
    earlier = _Indicator("stage", first_report=readings[0].date - dt.timedelta(days=9))
    [line, _] = charts.indicator_figure(earlier, readings, [_report(first, stage="S")])["data"]
    assert line["x"][0] == readings[0].date.isoformat()
    assert "range" not in charts.indicator_figure(earlier, readings, [])["layout"]["xaxis"]


def test_an_event_chart_keeps_its_days_without_events_and_titles_both_axes():
    """An event indicator's zero before its first event is its reading (nothing happened).
    The magnitude axis keeps its own title and takes the margin its ticks need."""
    readings = _readings(300)
    first = readings[100].date
    figure = charts.indicator_figure(
        _Indicator("event", first_report=first), readings, [_report(first, magnitude=3.0)]
    )
    line, bars = figure["data"]
    assert line["x"][0] == readings[0].date.isoformat()
    layout = figure["layout"]
    assert layout["yaxis"]["title"]["text"] == "reading (0–1)"
    assert layout["yaxis2"]["title"]["text"] == "event magnitude"
    assert layout["yaxis"]["automargin"] and layout["yaxis2"]["automargin"]
    assert layout["yaxis2"]["tickmode"] == "auto"  # not synced to the reading's grid
    assert bars["yaxis"] == "y2" and bars["marker"]["color"].startswith("rgba(86, 180, 233")


def test_an_indicator_never_reported_has_no_chart():
    """Never reported, an indicator's stored readings are its no-evidence level every day:
    no flat line at zero, no trace at all; the page says so in words instead."""
    indicator = _Indicator("event", first_report=None)
    assert charts.indicator_figure(indicator, _readings(50), []) is None
    assert charts.figure_json(None) == ""  # what the template reads as "no figure"


def test_first_report_asks_for_the_earliest_accepted_observation(db):
    indicator = IndicatorFactory()
    assert charts.first_report(indicator) is None
    ObservationFactory(indicator=indicator, occurred_on=dt.date(2025, 3, 1))
    ObservationFactory(
        indicator=indicator,
        occurred_on=dt.date(2024, 1, 1),
        status=Observation.Status.RETRACTED,
        retracted_at=NOW,
    )
    assert charts.first_report(indicator) == dt.date(2025, 3, 1)


def test_every_chart_colour_is_okabe_ito_or_the_pages_own():
    """One colour-blind-safe palette for every chart: the bands and the odds in their band's
    colour, any other scenario from the same palette; the ink, muted, grid and paper colours
    are the page's (charts.js swaps each for the page's variable, dark or light)."""
    okabe_ito = {"#e69f00", "#56b4e9", "#009e73", "#0072b2", "#d55e00", "#cc79a7"}
    assert set(charts.BAND_COLOURS.values()) | set(charts.PALETTE) <= okabe_ito
    bands = [Band("alliance", "A", 75, 100), Band("elsewhere", "E", 0, 75)]
    odds = charts.odds_figure(_points(5), bands)["data"]
    assert [t["line"]["color"] for t in odds] == [charts.GREEN, charts.PALETTE[1]]
    script = (Path(charts.__file__).parent / "static" / "dashboard" / "charts.js").read_text()
    for colour, variable in [(charts.INK, "--ink"), (charts.MUTED, "--muted"),
                             (charts.GRID, "--line"), (charts.PAPER, "--paper")]:  # fmt: skip
        rgb = ",".join(str(int(colour[n : n + 2], 16)) for n in (1, 3, 5))
        assert f"'{rgb}': '{variable}'" in script
    css = (Path(charts.__file__).parent / "static" / "dashboard" / "app.css").read_text()
    for colour, variable in [(charts.INK, "--ink"), (charts.MUTED, "--muted"),
                             (charts.GRID, "--line")]:  # fmt: skip
        assert f"{variable}: {colour};" in css  # the light page's value is the chart's
