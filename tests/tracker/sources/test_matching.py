"""Keyword and CAMEO rules: every slug is real, every indicator reachable, no false friends."""

import tomllib
from pathlib import Path

import pytest

from tracker.sources import matching as rules

ROOT = Path(__file__).resolve().parents[3]
CATALOGUE = tomllib.loads(
    (ROOT / "fixtures" / "russia-iran" / "catalogue.toml").read_text(encoding="utf-8")
)
SLUGS = {indicator["slug"] for indicator in CATALOGUE["indicators"]}
# Every relationship's indicators, by relationship (the folder's name).
BY_RELATIONSHIP = {
    path.parent.name: {
        i["slug"] for i in tomllib.loads(path.read_text(encoding="utf-8"))["indicators"]
    }
    for path in sorted((ROOT / "fixtures").glob("*/catalogue.toml"))
}
EVERY_SLUG = set().union(*BY_RELATIONSHIP.values())


KINDS = {
    i["slug"]: i["kind"]
    for path in (ROOT / "fixtures").glob("*/catalogue.toml")
    for i in tomllib.loads(path.read_text(encoding="utf-8"))["indicators"]
}
RUSSIA_IRAN = next(d for d in rules.DYADS if d.relationship == "russia-iran")


def test_every_rule_names_a_catalogue_indicator():
    assert {rule.indicator for rule in rules.KEYWORD_RULES} - EVERY_SLUG == set()


@pytest.mark.parametrize("dyad", rules.DYADS, ids=lambda d: d.relationship)
def test_each_dyad_maps_codes_to_its_own_relationships_event_or_stage_indicators(dyad):
    """A CAMEO code proposes an event (or suggests a stage) of the dyad's relationship only;
    a level needs a value, which an event code does not give; the tone feeds a level."""
    mine = BY_RELATIONSHIP[dyad.relationship]
    assert dyad.cameo and set(dyad.cameo.values()) <= mine
    assert {KINDS[slug] for slug in dyad.cameo.values()} <= {"event", "stage"}
    assert not dyad.tone or KINDS[dyad.tone] == "level"
    assert all(code in rules.CAMEO_NAMES for code in dyad.cameo), "every mapped code is named"


def test_the_dyads_are_the_watched_pairs():
    assert {d.relationship: set(d.actors) for d in rules.DYADS} == {
        "russia-iran": {"RUS", "IRN"},
        "russia-dprk": {"RUS", "PRK"},
        "china-russia": {"RUS", "CHN"},
    }
    assert rules.dyad_of("IRN", "RUS") is RUSSIA_IRAN and rules.dyad_of("RUS", "USA") is None


# Fed only by a structured dataset (GDELT's daily tone), never suggested from news text.
DATASET_ONLY = {"gdelt-dyadic-tone"}


@pytest.mark.parametrize("relationship", sorted(BY_RELATIONSHIP))
def test_every_catalogue_indicator_has_a_keyword_rule(relationship):
    named = {rule.indicator for rule in rules.KEYWORD_RULES}
    assert BY_RELATIONSHIP[relationship] - DATASET_ONLY - named == set()


# A headline about one pair suggests that pair's indicators, none of another pair's (a story
# naming three countries may rightly reach two relationships).
@pytest.mark.parametrize(
    ("text", "relationship", "expected"),
    [
        (
            "North Korea sends artillery shells to Russia by rail",
            "russia-dprk",
            "dprk-shells-and-rockets",
        ),
        (
            "Russia fires North Korean KN-23 missiles at Kharkiv",
            "russia-dprk",
            "dprk-ballistic-missiles",
        ),
        ("North Korean troops fight in Kursk, Seoul says", "russia-dprk", "dprk-troops-in-combat"),
        (
            "Russia vetoes renewal of UN panel monitoring North Korea",
            "russia-dprk",
            "dprk-un-cover",
        ),
        (
            "Tankers carry Russian oil to North Korea above the UN cap",
            "russia-dprk",
            "dprk-oil-supplies",
        ),
        (
            "China and Russia fly joint bomber patrol near Japan",
            "china-russia",
            "china-joint-patrols",
        ),
        (
            "Xi and Putin declare a no limits partnership",
            "china-russia",
            "china-declared-alignment",
        ),
        (
            "Kupol builds Garpiya drones with Chinese engines",
            "china-russia",
            "garpiya-drone-coproduction",
        ),
        (
            "Power of Siberia 2 talks stall over price",
            "china-russia",
            "power-of-siberia-2-bargaining",
        ),
        ("Chinese banks refuse Russian payments", "china-russia", "chinese-bank-caution"),
        ("Iran sends more Shahed drones to Russia", "russia-iran", "drone-transfers"),
        ("Russia and Iran sign strategic partnership treaty", "russia-iran", "treaty-ladder"),
        ("Iran and Russia hold Caspian naval drill", "russia-iran", "caspian-drills"),
    ],
)
def test_a_headline_reaches_its_own_relationship_only(text, relationship, expected):
    found = set(rules.suggest(text))
    assert expected in found
    assert found <= BY_RELATIONSHIP[relationship], found - BY_RELATIONSHIP[relationship]


def test_a_story_naming_three_countries_reaches_both_relationships():
    found = set(rules.suggest("Iran, Russia and China begin Maritime Security Belt drill"))
    assert {"trilateral-naval-drills", "china-joint-exercises"} <= found


def test_stage_indicators_are_exactly_the_catalogues_stages():
    stages = {
        i["slug"]
        for path in (ROOT / "fixtures").glob("*/catalogue.toml")
        for i in tomllib.loads(path.read_text(encoding="utf-8"))["indicators"]
        if i["kind"] == "stage"
    }
    assert stages == rules.STAGE_INDICATORS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Iran sends more Shahed drones to Russia", "drone-transfers"),
        ("Russian forces fire Geran-2 at Kharkiv", "drone-transfers"),
        ("Kyiv says Moscow used Iranian UAVs overnight", "drone-transfers"),
        ("New halls at Yelabuga", "joint-drone-production"),
        ("Alabuga to make 6,000 Geran drones a year", "drone-production-volume"),
        ("Iran to deliver Fath-360 ballistic missiles", "missile-transfers"),
        ("Fateh-110 launchers seen in Crimea", "missile-transfers"),
        ("Iran ships artillery shells to Russia across the Caspian", "ammunition-transfers"),
        ("Tehran awaits Su-35 fighters", "su35-deal"),
        ("Iran's SU‑35 order (typographic hyphen)", "su35-deal"),
        ("Iran receives Yak-130 trainers", "russian-aircraft-to-iran"),
        ("Iran buys Verba MANPADS", "air-defence-to-iran"),
        ("S-400 for Iran under discussion", "air-defence-to-iran"),
        ("Iran seeks Russian air-defence systems", "air-defence-to-iran"),
        ("Soyuz launches Iranian satellite", "space-cooperation"),
        ("Russia helps Iran with cyber surveillance", "cyber-cooperation"),
        ("Maritime Security Belt opens", "trilateral-naval-drills"),
        ("Iranian and Russian navies drill with China near Hormuz", "trilateral-naval-drills"),
        ("Joint exercise in the Caspian Sea", "caspian-drills"),
        ("Russia and Iran step up intelligence sharing", "operational-support"),
        ("Russia and Iran ratify strategic partnership treaty", "treaty-ladder"),
        ("Putin meets Pezeshkian in Kazan", "high-level-contacts"),
        ("Russia vetoes a UN Security Council text on Iran", "diplomatic-cover"),
        ("Snapback of UN sanctions on Iran", "diplomatic-cover"),
        ("Snapback of UN sanctions on Iran", "shared-exclusion"),
        ("Russian and Iranian advisers in Syria", "syria-coordination"),
        ("Iran joins BRICS", "non-western-institutions"),
        ("Gazprom signs gas supply memorandum with Iran", "energy-cooperation"),
        ("Rosatom to build a new unit at Bushehr", "energy-cooperation"),
        ("Russian and Iranian oil in a price war for Asia", "energy-rivalry"),
        ("Russian crude undercuts Iranian oil in China", "energy-rivalry"),
        ("Rasht–Astara railway financing agreed", "trade-and-transport"),
        ("Work on the North-South Transport Corridor", "trade-and-transport"),
        ("Russia–Iran trade turnover up 10%", "bilateral-trade"),
        ("Iran's inflation tops 40%", "iran-economic-fragility"),
        ("US sanctions Iranian drone makers supplying Russia", "sanctions-on-cooperation"),
        ("Russia and Iran link SPFS to SEPAM", "shared-exclusion"),
        ("Kremlin: the treaty is not a military alliance", "commitment-limits"),
        ("Iran complains of Russian delays", "limited-trust"),
        ("Tehran warns over the Zangezur corridor", "south-caucasus-divergence"),
        ("Moscow and Tehran at odds over Armenia", "south-caucasus-divergence"),
        ("Russia backs UAE on the three islands", "russia-gulf-india-ties"),
        ("Putin hails ties with India at summit", "russia-gulf-india-ties"),
    ],
)
def test_suggest_finds_the_indicator(text, expected):
    assert expected in rules.suggest(text)


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        # A whole number after "Russia's" is not an S-400.
        ("Russia's 400 tanks lost near Pokrovsk", "air-defence-to-iran"),
        # Sold to others: Iran must be named.
        ("India takes delivery of another S-400 squadron", "air-defence-to-iran"),
        ("Egypt cancels its Su-35 order", "su35-deal"),
        ("Geraniums flower early this year", "drone-transfers"),
        ("Amazon tests delivery drones", "drone-transfers"),
        # Russia's own Security Council is not the UN's.
        ("Shoigu, secretary of Russia's Security Council, visits Tehran", "diplomatic-cover"),
        # Not the Alabuga output indicator without Alabuga or its drones.
        ("Car output rose 5% a year", "drone-production-volume"),
        # "Indian Ocean" is not India.
        ("Russian and Chinese ships in the Indian Ocean", "russia-gulf-india-ties"),
        ("UAE firm sanctioned with Russian and Iranian partners", "russia-gulf-india-ties"),
        ("The torment of waiting", "air-defence-to-iran"),
        # Generic words need the relationship in view.
        ("North Korea tests a ballistic missile", "missile-transfers"),
        ("Ukraine runs short of artillery shells", "ammunition-transfers"),
        ("EU sanctions Russian oligarchs", "sanctions-on-cooperation"),
        ("Brent crude falls on demand worries", "energy-rivalry"),
        ("Rosatom signs a deal with Egypt", "energy-cooperation"),
        ("BRICS summit opens in Brazil", "non-western-institutions"),
        ("SpaceX launches 20 satellites", "space-cooperation"),
        ("Israeli strike hits Iranian air defences", "air-defence-to-iran"),
        ("Armenia and Azerbaijan sign a peace deal", "south-caucasus-divergence"),
        ("UN Security Council meets on Gaza", "diplomatic-cover"),
    ],
)
def test_suggest_ignores_false_friends(text, absent):
    assert absent not in rules.suggest(text)


def test_suggest_is_sorted_unique_and_empty_for_unrelated_text():
    found = rules.suggest(
        "Iran sends Shahed drones to Russia; Shahed drones hit Kyiv. Sanctions follow."
    )
    assert found == ("drone-transfers", "sanctions-on-cooperation")
    assert rules.suggest("Football: Zenit beat Spartak") == ()
    assert rules.suggest("") == ()


def test_suggest_is_case_insensitive():
    assert rules.suggest("ALABUGA") == rules.suggest("alabuga") == ("joint-drone-production",)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("062", "operational-support"),
        ("064", "operational-support"),
        ("0312", "operational-support"),
        ("057", "treaty-ladder"),
        ("061", "trade-and-transport"),
        ("0311", "trade-and-transport"),
        ("042", "high-level-contacts"),  # through the root 04
        ("046", "high-level-contacts"),
        ("052", "diplomatic-cover"),
        ("112", "limited-trust"),
        ("163", "limited-trust"),
        ("1211", "limited-trust"),  # through the root 12
        ("1212", "commitment-limits"),  # the 4-digit code overrides its root
        ("1622", "commitment-limits"),
        ("010", None),
        ("051", None),
        ("190", None),
        ("", None),
        ("abc", None),
        ("12345", None),
    ],
)
def test_cameo_indicator(code, expected):
    assert rules.cameo_indicator(code, RUSSIA_IRAN) == expected


def test_cameo_name_uses_the_most_specific_known_prefix():
    assert rules.cameo_name("062") == "Cooperate militarily"
    assert rules.cameo_name("0431") == "Host a visit"
    assert rules.cameo_name("195") == "Fight"
    assert rules.cameo_name("999") == "CAMEO 999"
