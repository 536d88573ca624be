"""The generated parts of docs/methodology.md: catalogue tables and the calibration table.

`python manage.py methodology` rewrites the sections between their markers; a test fails
when the file and the catalogue, the scoring constants or the demo results disagree.
"""

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from tracker.scoring import method

CALIBRATION_DATES = (
    dt.date(2022, 12, 31),
    dt.date(2023, 12, 31),
    dt.date(2024, 12, 31),
    dt.date(2025, 12, 31),
    dt.date(2026, 11, 25),  # the day the calibration was first written ("today" then)
)


def observed_only_index(computed) -> dict[dt.date, float]:
    """The index averaged over the indicators with evidence only, from `compute_series`."""
    specs = {spec.key: spec for spec in computed.specs}
    result = {}
    for n, day in enumerate(computed.dates):
        pairs = [
            (specs[key].weight, series.alliance[n])
            for key, series in computed.indicators.items()
            if series.observed[n]
        ]
        total = sum(w for w, _ in pairs)
        result[day] = 100 * sum(w * a for w, a in pairs) / total if total else float("nan")
    return result


def section(name: str, body: str) -> str:
    start = f"<!-- {name}:start (generated: python manage.py methodology) -->"
    return f"{start}\n{body}\n<!-- {name}:end -->"


def replace_sections(text: str, sections: dict[str, str]) -> str:
    """Replace each named section's body; a file without the markers is an error."""
    for name, body in sections.items():
        pattern = re.compile(rf"<!-- {name}:start.*?<!-- {name}:end -->", re.DOTALL)
        if not pattern.search(text):
            raise ValueError(f"no '{name}' section markers")
        text = pattern.sub(section(name, body).replace("\\", "\\\\"), text)
    return text


def _number(value) -> str:
    return f"{value:g}" if isinstance(value, int | float) else "–"


def catalogue_tables(path: Path) -> str:
    """Markdown tables of the scenarios, grades and every indicator, from the catalogue file."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    lines = [
        "### Scenarios",
        "",
        "| scenario | band | centre μ | what it means |",
        "|---|---|---|---|",
    ]
    for s in data["scenarios"]:
        centre = (s["lower"] + s["upper"]) / 200
        lines.append(
            f"| {s['name']} | {s['lower']}–{s['upper']} | {centre:g} | {s['description']} |"
        )
    lines += ["", "### Grade weights", "", "| reliability | weight | credibility | weight |"]
    lines.append("|---|---|---|---|")
    for (r, rw), (c, cw) in zip(
        method.RELIABILITY_WEIGHT.items(), method.CREDIBILITY_WEIGHT.items(), strict=True
    ):
        lines.append(f"| {r} | {rw:g} | {c} | {cw:g} |")
    total = sum(i["weight"] for i in data["indicators"])
    for category in data["categories"]:
        members = [i for i in data["indicators"] if i["category"] == category["slug"]]
        lines += ["", f"### {category['name']}", "", category["description"], ""]
        lines.append(
            "| indicator | kind | polarity | weight (share) | parameters | seed ¶ and quote |"
        )
        lines.append("|---|---|---|---|---|---|")
        for i in members:
            lines.append(
                f"| {i['name']} (`{i['slug']}`) | {i['kind']} | {i['polarity']:+d} "
                f"| {i['weight']:g} ({100 * i['weight'] / total:.1f}%) | {_parameters(i)} "
                f"| ¶{i['seed_paragraph']}: “{i['seed_quote']}” |"
            )
    ladders = [i for i in data["indicators"] if i["kind"] == "stage"]
    lines += ["", "### Stage ladders", ""]
    for i in ladders:
        steps = " → ".join(f"{s['name']} ({s['score']:g})" for s in i["stages"])
        lines.append(f"- **{i['name']}**: {steps}")
    return "\n".join(lines)


def _parameters(indicator: dict) -> str:
    kind = indicator["kind"]
    parts = []
    if kind == "event":
        parts.append(f"half-life {_number(indicator['half_life_days'])} d")
        parts.append(f"saturation {_number(indicator['saturation'])}")
    elif kind == "level":
        parts.append(
            f"floor {_number(indicator['floor'])}, ceiling {_number(indicator['ceiling'])}"
        )
        parts.append(indicator.get("unit", ""))
    else:
        parts.append(f"{len(indicator['stages'])} stages")
    parts.append(f"σ {_number(indicator.get('sigma', 0.25))}")
    parts.append(f"stale after {indicator['cadence_days']} d")
    return "; ".join(p for p in parts if p)


class DayAssessment(Protocol):
    """What the calibration table reads of a day's assessment (tracker.selectors'
    Assessment has it; this module sits beside the selectors, not above them)."""

    @property
    def index(self) -> float: ...
    @property
    def low(self) -> float: ...
    @property
    def high(self) -> float: ...
    @property
    def band(self) -> str: ...
    @property
    def momentum(self) -> float: ...
    @property
    def momentum_label(self) -> str: ...
    @property
    def odds(self) -> dict[str, float]: ...
    @property
    def covered(self) -> int: ...
    @property
    def coverage(self) -> float: ...


def calibration_table(
    points_by_date: Mapping[dt.date, DayAssessment],
    observed_only: dict[dt.date, float],
    scenario_names: dict[str, str],
) -> str:
    """The demo's assessment on the calibration dates (points from tracker.selectors), with
    the index averaged over observed indicators only (the sensitivity to §2's choice)."""
    lines = [
        "| date | index (low–high) | band | momentum (90 d) | odds | coverage "
        "| index over observed indicators only |",
        "|---|---|---|---|---|---|---|",
    ]
    for day in CALIBRATION_DATES:
        p = points_by_date[day]
        odds = ", ".join(
            f"{scenario_names[slug]} {100 * value:.0f}%"
            for slug, value in sorted(p.odds.items(), key=lambda kv: -kv[1])
            if value >= 0.005
        )
        lines.append(
            f"| {day} | {p.index:.1f} ({p.low:.1f}–{p.high:.1f}) | {scenario_names[p.band]} "
            f"| {p.momentum:+.1f} ({p.momentum_label}) | {odds} "
            f"| {p.covered} indicators, {100 * p.coverage:.0f}% of weight "
            f"| {observed_only[day]:.1f} |"
        )
    return "\n".join(lines)
