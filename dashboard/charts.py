"""Plotly figures, built server-side and shipped as JSON: one function per figure.

Inputs are selector outputs (plain values). Long series are downsampled (LTTB) so that no
figure ships more than about MAX_POINTS points; numbers are rounded to what a chart can show.
"""

import base64
import datetime as dt
import functools
import html
from dataclasses import dataclass

import numpy as np
import orjson
import plotly.graph_objects as go
import plotly.io as pio
from django.db.models import Min
from django.utils.safestring import mark_safe
from tsdownsample import MinMaxLTTBDownsampler

from tracker.models import Observation

MAX_POINTS = 5000  # per figure, all traces together
TRACE_POINTS = 1000  # per trace: more than a chart's width in pixels adds nothing

# Okabe and Ito's palette ("Color Universal Design", 2008): its colours stay apart with every
# common colour-vision deficiency, on a light page and on a dark one. Every chart draws from it.
ORANGE, SKY, GREEN, BLUE, VERMILLION, PURPLE = (
    "#e69f00", "#56b4e9", "#009e73", "#0072b2", "#d55e00", "#cc79a7",
)  # fmt: skip
PALETTE = [BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY]
BAND_COLOURS = {
    "unravelling": VERMILLION,
    "strategic-convenience": ORANGE,
    "structured-alignment": BLUE,
    "alliance": GREEN,
}
# The page's light colours (app.css: --ink, --muted, --line, --paper). charts.js swaps each for
# the page's current value of its variable, so that a dark page draws dark charts.
INK, MUTED, GRID, PAPER = "#1f2933", "#616e7c", "#e4e7eb", "#ffffff"
FONT = {"family": "system-ui, -apple-system, Segoe UI, sans-serif", "size": 12, "color": INK}
TOWARD_ALLIANCE = "sub-index: 100 = toward alliance"


def band_colour(slug: str, n: int) -> str:
    """A scenario's colour: the four usual bands by name, any other by its place."""
    return BAND_COLOURS.get(slug) or PALETTE[n % len(PALETTE)]


def _shade_bands(figure, scenarios, *, axis: str) -> None:
    """Each scenario's band lightly shaded and named, across the index's axis (`y` or `x`)."""
    shade = figure.add_hrect if axis == "y" else figure.add_vrect
    for n, scenario in enumerate(scenarios):
        shade(
            **{f"{axis}0": scenario.lower, f"{axis}1": scenario.upper},
            fillcolor=_tint(band_colour(scenario.slug, n), 0.10),
            line_width=0,
            layer="below",
            annotation_text=plain(scenario.name),
            annotation_position="top left",
            annotation_font={"size": 11, "color": MUTED},
        )


def _band_guides(figure, scenarios) -> None:
    """The scenario bands of a 0-100 index beside the plot, not under it: each named in the
    right margin next to a strip of its colour, the y grid drawn at their edges. The plot
    area stays plain, so no line runs through a band's name and a ribbon keeps its colour."""
    if not scenarios:
        return
    edges = sorted({s.lower for s in scenarios} | {s.upper for s in scenarios})
    for n, scenario in enumerate(scenarios):
        figure.add_shape(
            type="rect", xref="paper", xsizemode="pixel", xanchor=1, x0=3, x1=9,
            yref="y", y0=scenario.lower, y1=scenario.upper, line_width=0,
            fillcolor=band_colour(scenario.slug, n),
        )  # fmt: skip
        figure.add_annotation(
            xref="paper", x=1, xanchor="left", xshift=12, yref="y", showarrow=False,
            y=(scenario.lower + scenario.upper) / 2, align="left",
            text=_two_lines(plain(scenario.name)), font={"size": 11, "color": MUTED},
        )  # fmt: skip
    figure.update_yaxes(tickvals=edges)
    figure.update_layout(margin={"r": 96})


def _two_lines(text: str) -> str:
    """A label of several words broken at the space nearest its middle, to fit a margin."""
    spaces = [n for n, c in enumerate(text) if c == " "]
    if not spaces or len(text) < 12:
        return text
    cut = min(spaces, key=lambda n: abs(n - len(text) / 2))
    return f"{text[:cut]}<br>{text[cut + 1 :]}"


def sample(length: int, values: np.ndarray, budget: int) -> np.ndarray:
    """Indices of at most `budget` points that keep the shape of `values` (MinMax-LTTB)."""
    budget = min(budget, TRACE_POINTS)
    if length <= budget:
        return np.arange(length)
    x = np.arange(length, dtype=np.float64)
    return MinMaxLTTBDownsampler().downsample(x, np.asarray(values, dtype=np.float64), n_out=budget)


def plain(text: str) -> str:
    """Data as Plotly text. Plotly renders a subset of HTML in every label (links included),
    so an indicator or source named `<a href=...>` would become a live link: escaped, its
    tags show as the characters they are."""
    return html.escape(str(text), quote=False)


def figure_json(figure: go.Figure | dict | None) -> str:
    """The figure as JSON that is safe inside a <script> element. A plain dict (the busy
    figures: see `typed`) is serialised as it is, with orjson; a go.Figure by plotly. No
    figure (nothing to draw) is the empty string, which a template reads as false."""
    if figure is None:
        return mark_safe("")
    if isinstance(figure, dict):
        text = orjson.dumps(figure).decode()
    else:
        text = pio.to_json(figure, validate=False, remove_uids=True)
    return mark_safe(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def typed(values) -> dict:
    """Numbers as plotly.js's typed array (base64 float64), as plotly.py writes numpy arrays."""
    array = np.ascontiguousarray(values, dtype="<f8")
    return {"dtype": "f8", "bdata": base64.b64encode(array.tobytes()).decode("ascii")}


def _scatter(**properties) -> dict:
    """A scatter trace as plotly.py writes it (its keys sorted, the type last)."""
    return dict(sorted(properties.items())) | {"type": "scatter"}


@functools.lru_cache(maxsize=256)
def _frame(build, *key) -> dict:
    """A figure's layout, which depends on its bands and names but not on its data: built by
    plotly once per shape (the figure objects cost most of a cold page), then reused."""
    return build(*key).to_plotly_json()["layout"]


def _layout(figure: go.Figure, *, height: int, y_title: str = "", **extra) -> go.Figure:
    figure.update_layout(
        template="none",  # plotly's default template would add ~10 KB to every figure
        height=height,
        margin={"l": 48, "r": 16, "t": 16, "b": 36},
        font=FONT,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        hovermode="x unified",
        legend={"orientation": "h", "y": -0.14, "yanchor": "top"},
        **extra,
    )
    figure.update_xaxes(showgrid=False, linecolor=MUTED, automargin=True)
    figure.update_yaxes(title_text=y_title, gridcolor=GRID, zeroline=False, automargin=True)
    return figure


def _dates(points, index):
    return [points[n].date.isoformat() for n in index]


def _bands(scenarios) -> tuple:
    return tuple((s.slug, s.name, s.lower, s.upper) for s in scenarios)


def _index_frame(bands):
    figure = go.Figure()
    _layout(figure, height=340, y_title="alignment index, 0–100", yaxis_range=[0, 100])
    _band_guides(figure, [_Band(*band) for band in bands])
    return figure


def _category_frame():
    """A category's sub-index on its own scale: the relationship's bands are the index's, not
    a category's, so none is drawn; the axis says which way is toward alliance."""
    figure = go.Figure()
    _layout(figure, height=340, y_title=TOWARD_ALLIANCE, yaxis_range=[0, 100])
    figure.update_yaxes(tickvals=[0, 25, 50, 75, 100])
    return figure


@dataclass(frozen=True)
class _Band:
    slug: str
    name: str
    lower: float
    upper: float


def index_figure(points, scenarios, events=(), *, category=None) -> dict:
    """The index over time with its 90% range and key events, the scenario bands beside it;
    or one category's sub-index on its own 0-100 scale."""
    if category is not None:
        values = np.array([p.categories.get(category.slug, np.nan) for p in points])
    else:
        values = np.array([p.index for p in points])
    keep = sample(len(points), values, MAX_POINTS // 3)
    x = _dates(points, keep)
    data = []
    if category is None:
        data += [
            _scatter(x=x, y=typed(np.round([points[n].high for n in keep], 2)),
                     line={"width": 0}, hoverinfo="skip", showlegend=False,
                     name="90% range, high", meta={"label": "90% range, high"}),
            _scatter(x=x, y=typed(np.round([points[n].low for n in keep], 2)),
                     line={"width": 0}, fill="tonexty", fillcolor=_tint(INK, 0.14),
                     name="90% range", meta={"label": "90% range, low"}, hoverinfo="skip"),
        ]  # fmt: skip
    name = plain(category.name) if category is not None else "alignment index"
    data.append(
        _scatter(x=x, y=typed(np.round(values[keep], 2)), name=name,
                 line={"color": INK, "width": 2},
                 hovertemplate="%{y:.1f}<extra>%{fullData.name}</extra>")
    )  # fmt: skip
    if events:
        data.append(
            _scatter(
                x=[e["date"] for e in events],
                y=[e["y"] for e in events],
                mode="markers",
                marker={"color": PAPER, "line": {"color": INK, "width": 2}, "size": 9},
                name="key evidence",
                text=[e["text"] for e in events],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    if category is not None:
        return {"data": data, "layout": _frame(_category_frame)}
    return {"data": data, "layout": _frame(_index_frame, _bands(scenarios))}


def _odds_frame():
    figure = _layout(go.Figure(), height=240, y_title="odds, %", yaxis_range=[0, 100])
    return figure.update_yaxes(tickvals=[0, 25, 50, 75, 100])


def odds_figure(points, scenarios) -> dict:
    """Scenario odds over time as stacked areas (they sum to 100%), each in its band's colour."""
    budget = MAX_POINTS // max(len(scenarios), 1)
    leading = np.array([max(p.odds.values()) for p in points])
    keep = sample(len(points), leading, budget)
    x = _dates(points, keep)
    data = []
    for n, scenario in enumerate(scenarios):
        colour = band_colour(scenario.slug, n)
        data.append(
            _scatter(
                x=x,
                y=typed(np.round([100 * points[i].odds.get(scenario.slug, 0) for i in keep], 1)),
                name=plain(scenario.name),
                stackgroup="odds",
                fillcolor=_tint(colour, 0.7),
                line={"color": colour, "width": 0.5},
                hovertemplate="%{y:.0f}%<extra>%{fullData.name}</extra>",
            )
        )
    return {"data": data, "layout": _frame(_odds_frame)}


CATEGORY_COLUMNS = 4  # charts.js draws two on a phone: the grid, not the figure, says where


def _categories_frame(names):
    columns = min(CATEGORY_COLUMNS, max(len(names), 1))
    rows = -(-len(names) // columns)
    figure = go.Figure()
    _layout(figure, height=60 + 170 * rows)
    figure.update_layout(
        grid={"rows": rows, "columns": columns, "pattern": "independent",
              "xgap": 0.12, "ygap": 0.45},
        hovermode="closest", margin={"t": 64},
    )  # fmt: skip
    figure.add_annotation(
        text="Each on its own 0–100 scale:<br>higher reads toward alliance",
        xref="paper", yref="paper", x=0, y=1, xanchor="left", yanchor="bottom", yshift=24,
        align="left",
        showarrow=False, font={"size": 11, "color": MUTED},
    )  # fmt: skip
    for n, name in enumerate(names):
        axis = "" if n == 0 else str(n + 1)
        figure.update_layout(
            {
                f"xaxis{axis}": {"showgrid": False, "linecolor": MUTED, "nticks": 5}
                | ({"matches": "x"} if n else {}),
                f"yaxis{axis}": {"range": [0, 100], "tickvals": [0, 50, 100], "fixedrange": True,
                                 "gridcolor": GRID, "zeroline": False},
            }
        )  # fmt: skip
        figure.add_annotation(
            text=name, xref=f"x{axis} domain", yref=f"y{axis} domain", x=0, y=1,
            xanchor="left", yanchor="bottom", showarrow=False, font={"size": 11},
        )  # fmt: skip
    return figure


def categories_figure(points, categories) -> dict:
    """Category sub-indices as small multiples, each on its own 0–100 scale toward alliance
    (no scenario band: those are the index's)."""
    budget = MAX_POINTS // max(len(categories), 1)
    data = []
    for n, category in enumerate(categories):
        values = np.array([p.categories.get(category.slug, np.nan) for p in points])
        keep = sample(len(points), values, budget)
        axis = "" if n == 0 else str(n + 1)
        data.append(
            _scatter(
                x=_dates(points, keep), y=typed(np.round(values[keep], 1)),
                name=plain(category.name), line={"color": INK, "width": 1.5}, showlegend=False,
                hovertemplate="%{y:.0f}<extra>%{fullData.name}</extra>",
            ) | {"xaxis": f"x{axis}", "yaxis": f"y{axis}"}
        )  # fmt: skip
    names = tuple(plain(c.name) for c in categories)
    return {"data": data, "layout": _frame(_categories_frame, names)}


def _indicator_frame(kind, stages, with_bars):
    figure = go.Figure()
    _layout(figure, height=300, y_title="reading (0–1)", yaxis_range=[-0.02, 1.02])
    if kind == "stage":
        # Name the rungs: a ladder reads better as words than as scores.
        figure.update_yaxes(
            tickvals=[score for score, _ in stages],
            ticktext=[name for _, name in stages],
            title_text="",
        )
    if with_bars:  # after _layout, which titles every y axis
        figure.update_layout(
            yaxis2={"overlaying": "y", "side": "right", "showgrid": False, "zeroline": False,
                    "rangemode": "tozero", "automargin": True, "tickmode": "auto",
                    "title": {"text": "event magnitude", "standoff": 8}},
        )  # fmt: skip
    return figure


def first_report(indicator) -> dt.date | None:
    """The day of an indicator's first accepted report, None if it has none: before it, its
    stored readings are the no-evidence level, not a reading. One query, unless the
    indicator was fetched with a `first_report` annotation."""
    if hasattr(indicator, "first_report"):
        return indicator.first_report
    found = indicator.observations.filter(status=Observation.Status.ACCEPTED)
    return found.aggregate(first=Min("occurred_on"))["first"]


def indicator_figure(indicator, readings, reports) -> dict | None:
    """One indicator drawn for its kind: event impulses with the decayed signal, a level's
    line, or a stage ladder's steps (set-backs included), a level or a stage from its first
    report on. None for an indicator never reported: there is nothing to draw."""
    first = first_report(indicator)
    if first is None or not readings:
        return None
    if indicator.kind != "event" and first > readings[0].date:
        # Before its first report an indicator is at its no-evidence level: for a stage the
        # score of its lowest rung, which would read as "denied" for years nobody reported.
        shown = [r for r in readings if r.date >= first]
    else:
        shown = readings
    x = [s.date.isoformat() for s in shown]
    values = np.array([s.reading for s in shown])
    keep = sample(len(shown), values, MAX_POINTS // 2)
    shape = "hv" if indicator.kind != "event" else "linear"
    data = [
        _scatter(x=[x[n] for n in keep], y=typed(np.round(values[keep], 3)),
                 name="reading (0–1)", line={"color": INK, "shape": shape, "width": 2},
                 hovertemplate="%{y:.2f}<extra>reading</extra>")
    ]  # fmt: skip
    dated = reports[-MAX_POINTS // 2 :]
    if indicator.kind != "event":
        # A report without the measure the kind now takes (recorded before the kind was
        # changed) has nothing to mark; the reading line still counts what the method does.
        dated = [o for o in dated if o.stage_name is not None or o.value is not None]
    bars = indicator.kind == "event" and bool(dated)
    if bars:
        data.append(
            {
                "hovertemplate": "magnitude %{y}<br>%{text}<extra></extra>",
                "marker": {"color": _tint(SKY, 0.8)},
                "name": "event magnitude",
                "text": [f"{o.grade} · {plain(o.said_by)}" for o in dated],
                "width": 86400000 * 4,
                "x": [o.occurred_on.isoformat() for o in dated],
                "y": [o.magnitude for o in dated],
                "yaxis": "y2",
                "type": "bar",
            }
        )
    elif dated:
        data.append(
            _scatter(
                x=[o.occurred_on.isoformat() for o in dated],
                y=[_reading(indicator, o) for o in dated],
                mode="markers",
                name="reports",
                marker={"color": BLUE, "size": 8},
                text=[_label(o) for o in dated],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    stages: tuple[tuple[float, str], ...] = ()
    if indicator.kind == "stage":
        stages = tuple((s.score, plain(s.name)) for s in indicator.stages.order_by("score"))
    layout = _frame(_indicator_frame, indicator.kind, stages, bars)
    if shown is not readings:  # the axis still spans the period: the years before stay empty
        period = [readings[0].date.isoformat(), readings[-1].date.isoformat()]
        layout = layout | {"xaxis": layout["xaxis"] | {"range": period}}
    return {"data": data, "layout": layout}


def _reading(indicator, report) -> float:
    if report.stage_name is not None:
        return report.stage_score
    span = indicator.ceiling - indicator.floor
    return float(np.clip((report.value - indicator.floor) / span, 0, 1))


def _label(report) -> str:
    what = plain(report.stage_name) if report.stage_name is not None else f"{report.value:g}"
    return f"{what} · {report.grade} · {plain(report.said_by)}"


EFFECT_COLOURS = {"band": VERMILLION, "odds": ORANGE, "": INK}


def sensitivity_figure(result, scenarios) -> go.Figure:
    """The index and its 90% ribbon under each parameter variant, bands shaded, the published
    index marked: a dot outside the published band is a variant that flips the verdict."""
    outcomes = list(result.outcomes)
    labels = [plain(o.label) for o in outcomes]
    names = {s.slug: plain(s.name) for s in scenarios}
    figure = go.Figure()
    _shade_bands(figure, scenarios, axis="x")
    figure.add_vline(x=round(result.published.index, 2), line={"color": MUTED, "dash": "dot"})
    figure.add_scatter(
        x=[round(o.index, 2) for o in outcomes],
        y=labels,
        mode="markers",
        marker={"size": 8, "color": [EFFECT_COLOURS[result.effect(o)] for o in outcomes]},
        error_x={
            "type": "data",
            "symmetric": False,
            "array": [round(o.high - o.index, 2) for o in outcomes],
            "arrayminus": [round(o.index - o.low, 2) for o in outcomes],
            "color": _tint(INK, 0.35),
            "thickness": 1,
            "width": 0,
        },
        text=[
            f"{names.get(o.leading, o.leading)} {100 * o.odds[o.leading]:.0f}%" for o in outcomes
        ],
        hovertemplate="%{y}: %{x:.1f}<br>%{text}<extra></extra>",
        showlegend=False,
    )
    _layout(figure, height=60 + 18 * len(outcomes), xaxis_range=[0, 100])
    figure.update_yaxes(autorange="reversed", gridcolor="rgba(0,0,0,0)")
    figure.update_xaxes(title_text="0 = unravelling · 100 = alliance")
    figure.update_layout(hovermode="closest", margin={"l": 8, "t": 24})  # automargin: labels
    return figure


def forecast_figure(forecasts, analyst_forecasts, evidence, *, resolved_on=None) -> go.Figure:
    """A question's forecast over time (Entente's daily line, analysts' dots), with the
    reports of its indicator as markers at the foot, and the day its answer was known."""
    figure = go.Figure()
    if forecasts:
        values = np.array([p for _, p in forecasts]) * 100
        keep = sample(len(forecasts), values, MAX_POINTS // 2)
        figure.add_scatter(
            x=[forecasts[n][0].isoformat() for n in keep], y=np.round(values[keep], 1),
            name="Entente", line={"color": INK, "width": 2, "shape": "hv"},
            hovertemplate="%{y:.0f}%<extra>Entente</extra>",
        )  # fmt: skip
    if analyst_forecasts:
        figure.add_scatter(
            x=[f.made_on.isoformat() for f in analyst_forecasts],
            y=[round(f.probability * 100, 1) for f in analyst_forecasts],
            mode="markers", name="analysts",
            marker={"size": 9, "symbol": "diamond", "color": BLUE},
            text=[plain(f"{f.analyst.get_username()}: {f.rationale}") for f in analyst_forecasts],
            hovertemplate="%{y:.0f}% · %{text}<extra></extra>",
        )  # fmt: skip
    if evidence:
        figure.add_scatter(
            x=[o.occurred_on.isoformat() for o in evidence], y=[2] * len(evidence),
            mode="markers", name="reports",
            marker={"size": 8, "symbol": "triangle-up", "color": PAPER,
                    "line": {"color": MUTED, "width": 1.5}},
            text=[plain(f"{o.occurred_on:%-d %b %Y} · {o.summary[:140]}") for o in evidence],
            hovertemplate="%{text}<extra></extra>",
        )  # fmt: skip
    if resolved_on is not None:
        figure.add_vline(x=resolved_on.isoformat(), line={"color": MUTED, "dash": "dot"})
    _layout(figure, height=300, y_title="probability, %", yaxis_range=[0, 100])
    return figure.update_layout(hovermode="closest")


def calibration_figure(calibration) -> go.Figure:
    """The reliability diagram: what share came true against the probability given, each
    bin's dot sized by how many questions' worth of forecasts it holds."""
    figure = go.Figure()
    figure.add_scatter(
        x=[0, 100], y=[0, 100], mode="lines", name="perfect calibration",
        line={"color": MUTED, "dash": "dot", "width": 1}, hoverinfo="skip",
    )  # fmt: skip
    bins = calibration.bins
    figure.add_scatter(
        x=[round(b.forecast * 100, 1) for b in bins],
        y=[round(b.observed * 100, 1) for b in bins],
        mode="markers+lines", name="Entente",
        line={"color": INK, "width": 1.5},
        marker={"size": [8 + 10 * b.weight ** 0.5 for b in bins], "color": INK},
        text=[f"{b.weight:.1f} questions' worth" for b in bins],
        hovertemplate="said %{x:.0f}% · came true %{y:.0f}% · %{text}<extra></extra>",
    )  # fmt: skip
    figure.update_xaxes(title_text="probability given, %", range=[0, 100])
    _layout(figure, height=320, y_title="share that came true, %", yaxis_range=[0, 100])
    return figure.update_layout(hovermode="closest")


RELATIONSHIP_COLOURS = PALETTE


def compare_figure(lines, scenarios) -> go.Figure:
    """Several relationships' indices on one 0–100 scale, each with its 90% ribbon, over the
    scenario bands they share. `lines` is a list of (name, points) in display order."""
    figure = go.Figure()
    budget = MAX_POINTS // max(3 * len(lines), 1)
    for colour, (name, points) in zip(RELATIONSHIP_COLOURS, lines, strict=False):
        if not points:
            continue
        values = np.array([p.index for p in points])
        keep = sample(len(points), values, budget)
        x = _dates(points, keep)
        label = plain(name)
        figure.add_scatter(
            x=x, y=np.round([points[n].high for n in keep], 2), line={"width": 0},
            hoverinfo="skip", showlegend=False, legendgroup=label, name=f"{label} high",
        )  # fmt: skip
        figure.add_scatter(
            x=x, y=np.round([points[n].low for n in keep], 2), line={"width": 0},
            fill="tonexty", fillcolor=_tint(colour, 0.14), hoverinfo="skip",
            showlegend=False, legendgroup=label, name=f"{label} 90% range",
        )  # fmt: skip
        figure.add_scatter(
            x=x, y=np.round(values[keep], 2), name=label, legendgroup=label,
            line={"color": colour, "width": 2},
            hovertemplate="%{y:.1f}<extra>%{fullData.name}</extra>",
        )  # fmt: skip
    _layout(figure, height=380, y_title="alignment index, 0–100", yaxis_range=[0, 100])
    _band_guides(figure, scenarios)
    return figure


def _tint(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[n : n + 2], 16) for n in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def families_figure(rows, families) -> go.Figure:
    """A heat map of family sub-indices (0–100 toward alliance): one row per relationship,
    one column per family; a family without evidence is left blank and says so. `rows` is a
    list of (name, {family slug: sub-index}); `families` a list of (slug, label)."""
    z = [[values.get(slug) for slug, _ in families] for _, values in rows]
    text = [["no evidence" if v is None else f"{v:.0f}" for v in row] for row in z]
    figure = go.Figure(
        go.Heatmap(
            z=[[np.nan if v is None else round(v, 1) for v in row] for row in z],
            x=[plain(label) for _, label in families],
            y=[plain(name) for name, _ in rows],
            text=text,
            texttemplate="%{text}",
            zmin=0,
            zmax=100,
            colorscale="Cividis",
            colorbar={
                "title": {"text": "toward<br>alliance", "side": "top"},
                "thickness": 12,
                "tickvals": [0, 50, 100],
            },
            hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
            xgap=2,
            ygap=2,
        )
    )
    _layout(figure, height=200 + 60 * len(rows))
    figure.update_layout(hovermode="closest", margin={"l": 8, "r": 8, "t": 8, "b": 150}, legend={})
    figure.update_yaxes(automargin=True)
    figure.update_xaxes(automargin=True)
    figure.update_xaxes(tickangle=-35)
    figure.update_yaxes(autorange="reversed", gridcolor="rgba(0,0,0,0)")
    return figure
