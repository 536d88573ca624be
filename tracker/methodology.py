"""The generated parts of docs/methodology.md: catalogue tables, the calibration table and
the sensitivity table.

`python manage.py methodology` rewrites the sections between their markers; a test fails
when the file and the catalogue, the scoring constants or the demo results disagree.
"""

import datetime as dt
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tracker.scoring import estimative, method, sensitivity

CALIBRATION_DATES = (
    dt.date(2022, 12, 31),
    dt.date(2023, 12, 31),
    dt.date(2024, 12, 31),
    dt.date(2025, 12, 31),
    dt.date(2026, 11, 25),  # the day the calibration was first written ("today" then)
)


# The year ends the relationships are compared on (§10a), and the calibration's last date.
YEAR_ENDS = (*(dt.date(year, 12, 31) for year in range(2019, 2026)), CALIBRATION_DATES[-1])


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


def catalogue_tables(families_path: Path, catalogues: list[Path]) -> str:
    """Markdown tables of the families, the grades and, for each relationship, its scenarios
    and every indicator with its share of the index (method 3.0), from the files."""
    shared = tomllib.loads(families_path.read_text(encoding="utf-8"))
    families = {f["slug"]: f for f in shared["families"]}
    loaded = [tomllib.loads(path.read_text(encoding="utf-8")) for path in catalogues]
    lines = [
        "### Families",
        "",
        "Each family's share of the index is the same in every relationship (method 3.0); "
        "an indicator's share is its family's, split by the indicators' own weights. "
        "The columns on the right count each relationship's indicators in the family.",
        "",
        "| family | category | share | event defaults | "
        + " | ".join(c["relationship"]["slug"] for c in loaded)
        + " |",
        "|---|---|---|---|" + "---|" * len(loaded),
    ]
    category_names = {c["slug"]: c["name"] for c in shared["categories"]}
    for f in shared["families"]:
        counts = [sum(i["family"] == f["slug"] for i in c["indicators"]) for c in loaded]
        lines.append(
            f"| {f['name'].format(a='first actor', b='second actor')} (`{f['slug']}`) "
            f"| {category_names[f['category']]} | {_number(f['weight'])} "
            f"| half-life {_number(f['half_life_days'])} d, saturation "
            f"{_number(f['saturation'])}, stale after {f['cadence_days']} d | "
            + " | ".join(str(n) for n in counts)
            + " |"
        )
    lines += ["", "### Grade weights", "", "| reliability | weight | credibility | weight |"]
    lines.append("|---|---|---|---|")
    for (r, rw), (c, cw) in zip(
        method.RELIABILITY_WEIGHT.items(), method.CREDIBILITY_WEIGHT.items(), strict=True
    ):
        lines.append(f"| {r} | {rw:g} | {c} | {cw:g} |")
    for data in loaded:
        lines += _relationship_tables(data, families)
    return "\n".join(lines)


def _relationship_tables(data: dict, families: dict[str, dict]) -> list[str]:
    relationship = data["relationship"]
    actors = {"a": relationship["actor_a"], "b": relationship["actor_b"]}
    grounding = relationship.get("grounding", "")
    lines = [
        "",
        f"### {relationship['title']} (`{relationship['slug']}`)",
        "",
        f"Grounding text: `{grounding}`." if grounding else "",
        "",
        "| scenario | band | centre μ | what it means |",
        "|---|---|---|---|",
    ]
    for s in data["scenarios"]:
        centre = (s["lower"] + s["upper"]) / 200
        lines.append(
            f"| {s['name']} | {s['lower']}–{s['upper']} | {centre:g} | {s['description']} |"
        )
    in_family: dict[str, float] = {}
    for i in data["indicators"]:
        in_family[i["family"]] = in_family.get(i["family"], 0.0) + i["weight"]
    for slug, family in families.items():
        members = [i for i in data["indicators"] if i["family"] == slug]
        if not members:
            continue
        lines += ["", f"#### {family['name'].format(**actors)}", ""]
        lines.append(
            "| indicator | kind | polarity | weight in family (share of index, method 3.0) "
            "| parameters | grounding ¶ and quote |"
        )
        lines.append("|---|---|---|---|---|---|")
        for i in members:
            share = family["weight"] * i["weight"] / in_family[slug]
            lines.append(
                f"| {i['name']} (`{i['slug']}`) | {i['kind']} | {i['polarity']:+d} "
                f"| {i['weight']:g} ({share:.1f}%) | {_parameters(family | i)} "
                f"| ¶{i['seed_paragraph']}: “{i['seed_quote']}” |"
            )
    ladders = [i for i in data["indicators"] if i["kind"] == "stage"]
    if ladders:
        lines += ["", "#### Stage ladders", ""]
    for i in ladders:
        steps = " → ".join(f"{s['name']} ({s['score']:g})" for s in i["stages"])
        lines.append(f"- **{i['name']}**: {steps}")
    return lines


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
    @property
    def freshness(self) -> float: ...


def _odds(point: DayAssessment, names: dict[str, str]) -> str:
    return ", ".join(
        f"{names[slug]} {100 * value:.0f}%"
        for slug, value in sorted(point.odds.items(), key=lambda kv: -kv[1])
        if value >= 0.005
    )


def _verdict(point: DayAssessment, names: dict[str, str]) -> str:
    if point.coverage < method.COVERAGE_MIN:
        return "Insufficient evidence"
    return names[point.band]


@dataclass(frozen=True)
class CalibrationRow:
    """One calibration date: the assessment as known at its end, and with hindsight (every
    observation in the dataset, later reports included), with the grounds of its confidence."""

    day: dt.date
    then: DayAssessment
    hindsight: DayAssessment
    sources_then: int


def calibration_table(rows: Sequence[CalibrationRow], names: dict[str, str]) -> str:
    """The demo's assessment on the calibration dates, as known then and with hindsight."""
    lines = [
        "| date | as known then: index (90%) | verdict | odds | confidence "
        "| momentum (90 d) | coverage | with hindsight: index | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        p, h = row.then, row.hindsight
        term, span = estimative.likelihood(max(p.odds.values()))
        level = estimative.confidence(p.coverage, p.freshness, row.sources_then).level
        lines.append(
            f"| {row.day} | {p.index:.1f} ({p.low:.1f}–{p.high:.1f}) | {_verdict(p, names)} "
            f"| {_odds(p, names)} ({term}) | {level} | {p.momentum:+.1f} ({p.momentum_label}) "
            f"| {p.covered} indicators, {100 * p.coverage:.0f}% of weight, "
            f"{100 * p.freshness:.0f}% fresh | {h.index:.1f} | {_verdict(h, names)} |"
        )
    return "\n".join(lines)


def method_comparison_table(
    by_version: Mapping[str, Mapping[dt.date, DayAssessment]], names: dict[str, str]
) -> str:
    """Each method version's verdict on the calibration dates, on the whole dataset."""
    versions = list(by_version)
    lines = [
        "| date | "
        + " | ".join(f"method {v}: index (ribbon), band, odds" for v in versions)
        + " |",
        "|---|" + "---|" * len(versions),
    ]
    for day in CALIBRATION_DATES:
        cells = []
        for version in versions:
            p = by_version[version][day]
            cells.append(
                f"{p.index:.1f} ({p.low:.1f}–{p.high:.1f}), {names[p.band]}; {_odds(p, names)}"
            )
        lines.append(f"| {day} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def relationships_table(
    by_relationship: Mapping[str, Mapping[dt.date, DayAssessment]], names: dict[str, str]
) -> str:
    """Each relationship's assessment, as known at each year end: index (ribbon), verdict and
    the two leading bands' odds; a dash before its first report."""
    titles = list(by_relationship)
    lines = ["| date | " + " | ".join(titles) + " |", "|---|" + "---|" * len(titles)]
    for day in YEAR_ENDS:
        cells = []
        for title in titles:
            p = by_relationship[title].get(day)
            if p is None:
                cells.append("–")
                continue
            leading = sorted(p.odds.items(), key=lambda kv: -kv[1])[:2]
            odds = ", ".join(f"{names[slug]} {100 * value:.0f}%" for slug, value in leading)
            cells.append(
                f"{p.index:.1f} ({p.low:.1f}–{p.high:.1f}), **{_verdict(p, names)}**; {odds}"
            )
        lines.append(f"| {day} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def sensitivity_table(
    results: Mapping[dt.date, sensitivity.Sensitivity], names: dict[str, str]
) -> str:
    """Every variant's verdict on the last date, and the one-line reading on each date."""
    last = results[max(results)]
    leading = last.published.leading
    lines = [
        f"On {last.day}: **{last.line(names)}**",
        "",
        f"| family | variant | index (90%) | verdict | {names[leading]} odds | effect |",
        "|---|---|---|---|---|---|",
    ]
    effects = {"band": "changes the verdict", "odds": "moves the odds", "": ""}
    for o in last.outcomes:
        verdict = names[o.band] if o.sufficient else "Insufficient evidence"
        lines.append(
            f"| {o.family} | {o.label} | {o.index:.1f} ({o.low:.1f}–{o.high:.1f}) | {verdict} "
            f"| {100 * o.odds[leading]:.0f}% | {effects[last.effect(o)]} |"
        )
    lines += ["", "| date | published verdict | under the variants |", "|---|---|---|"]
    for day, result in sorted(results.items()):
        if result.published.sufficient:
            verdict, reading = names[result.published.band], result.line(names)
        else:
            verdict, reading = "Insufficient evidence", "no band to test"
        lines.append(f"| {day} | {verdict} ({result.published.index:.1f}) | {reading} |")
    return "\n".join(lines)


# The day the forecasts' track record is written for: the suite's frozen "today", so that
# the generated tables do not change with the calendar (as the calibration dates do not).
FORECAST_DAY = dt.date(2026, 11, 25)


@dataclass(frozen=True)
class ForecastRow:
    title: str
    answer: str  # "yes" or "no"
    known_on: dt.date
    days: int
    entente: tuple[float, float]  # (Brier, log score)
    base_rate: tuple[float, float]
    no_change: tuple[float, float]


def forecast_tables(rows: Sequence[ForecastRow], open_questions: int) -> tuple[str, str]:
    """The track record's summary (for the README and §12) and its question-by-question
    table (§12)."""
    if not rows:
        empty = "No resolved question."
        return empty, empty
    n = len(rows)
    yes = sum(row.answer == "yes" for row in rows)

    def mean(pick, which: int) -> str:
        return f"{sum(pick(row)[which] for row in rows) / n:.3f}"

    summary = [
        f"{n} resolved questions ({yes} yes, {n - yes} no) and {open_questions} open, as "
        f"forecast on {FORECAST_DAY:%-d %B %Y}; each score is the mean over the days a question "
        "was open, then over the questions (lower is better).",
        "",
        "| forecaster | mean Brier | mean log score |",
        "|---|---|---|",
        f"| Entente (as known each day) | {mean(lambda r: r.entente, 0)} "
        f"| {mean(lambda r: r.entente, 1)} |",
        f"| Base rate (share of yes among the other questions) | "
        f"{mean(lambda r: r.base_rate, 0)} | {mean(lambda r: r.base_rate, 1)} |",
        f"| No change (1% every day) | {mean(lambda r: r.no_change, 0)} "
        f"| {mean(lambda r: r.no_change, 1)} |",
    ]
    table = [
        "| question | answer | known on | days | Entente Brier | base rate | no change |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        table.append(
            f"| {row.title} | {row.answer} | {row.known_on:%-d %b %Y} | {row.days} "
            f"| {row.entente[0]:.3f} | {row.base_rate[0]:.3f} | {row.no_change[0]:.3f} |"
        )
    return "\n".join(summary), "\n".join(table)
