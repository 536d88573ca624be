"""Every relationship's catalogue is grounded in its text (Russia–Iran's in the seed article,
whose split is faithful), and the catalogues share one structure: bands, ladders, families."""

import csv
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = {
    path.parent.name: tomllib.loads(path.read_text(encoding="utf-8"))
    for path in sorted((ROOT / "fixtures").glob("*/catalogue.toml"))
}
CATALOGUE = CATALOGUES["russia-iran"]
INDICATORS = [(slug, i) for slug, c in CATALOGUES.items() for i in c["indicators"]]
SHARED = tomllib.loads((ROOT / "fixtures" / "families.toml").read_text(encoding="utf-8"))
PARAGRAPH = re.compile(r"^\[(\d+)\] (.*)$")


def paragraphs(path: str = "seeds/paragraphs.md") -> dict[int, str]:
    """The numbered paragraphs of a grounding text, `[n] text` one per line."""
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    return {int(m[1]): m[2] for m in map(PARAGRAPH.match, lines) if m}


def test_paragraphs_put_back_together_give_the_article():
    text = (ROOT / "seeds" / "source.txt").read_text(encoding="utf-8")
    blocks = []
    for line in (ROOT / "seeds" / "paragraphs.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            blocks.append(("heading", line[3:]))
        elif match := PARAGRAPH.match(line):
            blocks.append(("paragraph", match[2]))
    rebuilt = ""
    for index, (_kind, body) in enumerate(blocks):
        previous = blocks[index - 1] if index else None
        # Paragraphs 11 and 12 come without a line break in the source text.
        joined = previous and previous[1].endswith("short term.") and body.startswith("More")
        rebuilt += body if (joined or not index) else "\n" + body
    assert rebuilt == text
    assert sorted(paragraphs()) == list(range(1, 13))


@pytest.mark.parametrize(
    ("relationship", "indicator"), INDICATORS, ids=[i["slug"] for _, i in INDICATORS]
)
def test_seed_quote_appears_verbatim_in_its_paragraph(relationship, indicator):
    grounding = CATALOGUES[relationship]["relationship"]["grounding"]
    paragraph = paragraphs(grounding)[indicator["seed_paragraph"]]
    assert indicator["seed_quote"] in paragraph


def test_slugs_and_references_are_unique_across_relationships():
    slugs = [i["slug"] for _, i in INDICATORS]
    assert len(slugs) == len(set(slugs))
    references = []
    for relationship in CATALOGUES:
        with (ROOT / "fixtures" / relationship / "observations.csv").open(encoding="utf-8") as f:
            references += [row["reference"] for row in csv.DictReader(f)]
    assert len(references) == len(set(references))


@pytest.mark.parametrize("relationship", sorted(CATALOGUES))
def test_catalogue_covers_every_family_and_its_grounding_text(relationship):
    catalogue = CATALOGUES[relationship]
    indicators = catalogue["indicators"]
    assert len(indicators) >= 18
    assert len(SHARED["categories"]) == 7
    assert {i["family"] for i in indicators} == {f["slug"] for f in SHARED["families"]}
    assert {i["kind"] for i in indicators} == {"event", "level", "stage"}
    # Every paragraph of the grounding text that carries an argument grounds an indicator
    # (the seed article's twelfth is its conclusion, which argues nothing new).
    numbered = set(paragraphs(catalogue["relationship"]["grounding"]))
    assert {i["seed_paragraph"] for i in indicators} >= numbered - (
        {12} if relationship == "russia-iran" else set()
    )
    assert {-1, 1} == {i["polarity"] for i in indicators}


@pytest.mark.parametrize("relationship", sorted(CATALOGUES))
def test_scenario_bands_tile_0_to_100_and_are_the_same_in_every_relationship(relationship):
    scenarios = CATALOGUES[relationship]["scenarios"]
    assert [(s["slug"], s["lower"], s["upper"]) for s in scenarios] == [
        (s["slug"], s["lower"], s["upper"]) for s in CATALOGUE["scenarios"]
    ]
    bands = sorted((s["lower"], s["upper"]) for s in scenarios)
    assert bands[0][0] == 0 and bands[-1][1] == 100
    assert all(a[1] == b[0] for a, b in zip(bands, bands[1:], strict=False))
    assert len(bands) == 4


STAGE_INDICATORS = [i for _, i in INDICATORS if i["kind"] == "stage"]


@pytest.mark.parametrize("indicator", STAGE_INDICATORS, ids=lambda i: i["slug"])
def test_stage_ladders_run_lowest_first(indicator):
    scores = [stage["score"] for stage in indicator["stages"]]
    assert scores == sorted(scores) and len(set(scores)) == len(scores)
    assert scores[0] >= 0 and scores[-1] <= 1


def test_the_treaty_ladder_is_atops_obligation_types_and_the_2025_treaty_a_neutrality_pact():
    treaty = next(i for i in CATALOGUE["indicators"] if i["slug"] == "treaty-ladder")
    names = [stage["name"] for stage in treaty["stages"]]
    atop = ["Consultation pact", "Non-aggression pact", "Neutrality pact", "Defence pact"]
    assert [n for n in names if n in atop] == atop
    score = {stage["name"]: stage["score"] for stage in treaty["stages"]}
    assert score["Neutrality pact"] == 0.55
    with (ROOT / "fixtures" / "russia-iran" / "observations.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["indicator"] == "treaty-ladder"]
    assert rows and {r["stage"] for r in rows} == {"Neutrality pact"}


@pytest.mark.parametrize("relationship", sorted(set(CATALOGUES) - {"russia-iran"}))
def test_every_treaty_ladder_is_russia_irans(relationship):
    """One ladder, so that a rung means the same obligation, and scores the same, in each."""
    (ladder,) = [
        i["stages"]
        for i in CATALOGUES[relationship]["indicators"]
        if i["family"] == "treaty" and i["kind"] == "stage"
    ]
    (reference,) = [i["stages"] for i in CATALOGUE["indicators"] if i["slug"] == "treaty-ladder"]
    assert [(s["name"], s["score"]) for s in ladder] == [(s["name"], s["score"]) for s in reference]


def test_every_demo_row_has_its_originator_read_by_hand():
    """fixtures/originators_by_row.csv keeps the row-by-row reading behind each demo row's
    originator and caveat; the two files must agree, and every originator be on the list."""
    fixtures = ROOT / "fixtures"
    with (fixtures / "russia-iran" / "observations.csv").open(encoding="utf-8") as handle:
        demo = {r["reference"]: r for r in csv.DictReader(handle)}
    with (fixtures / "russia-iran" / "originators_by_row.csv").open(encoding="utf-8") as handle:
        reading = {r["reference"]: r for r in csv.DictReader(handle)}
    with (fixtures / "originators.csv").open(encoding="utf-8") as handle:
        listed = {r["name"] for r in csv.DictReader(handle)}
    assert list(reading) == list(demo)
    for reference, row in demo.items():
        said = reading[reference]
        assert (said["originator"], said["caveat"]) == (row["originator"], row["caveat"])
        assert row["originator"] in listed and said["why"].strip(), reference


def test_families_share_out_the_index_and_every_indicator_is_in_its_familys_category():
    """The families' weights add up to 100 (each reads as a share of the index), and each
    catalogue's indicator names a family and sits in that family's category."""
    families = {f["slug"]: f for f in SHARED["families"]}
    assert sum(f["weight"] for f in families.values()) == 100
    assert {f["category"] for f in families.values()} == {c["slug"] for c in SHARED["categories"]}
    for catalogue in sorted((ROOT / "fixtures").glob("*/catalogue.toml")):
        for indicator in tomllib.loads(catalogue.read_text(encoding="utf-8"))["indicators"]:
            family = families[indicator["family"]]
            assert indicator["category"] == family["category"], indicator["slug"]
