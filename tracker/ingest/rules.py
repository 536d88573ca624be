"""Rules that suggest catalogue indicators for machine-found items: keywords and CAMEO codes.

Suggestions only steer triage; an analyst decides. The rules are data so that they can be
read, reviewed and extended without touching the matching code.

Keyword terms are matched case-insensitively as whole words or phrases:
  - a space in a term matches any run of spaces or hyphens ("air defence" ~ "air-defence");
  - a hyphen in a term is optional ("su-35" ~ "Su-35", "Su35"; not "Su 35", so that
    "s-400" cannot match "Russia's 400 ...");
  - a trailing "*" allows any word ending ("drone*" ~ "drones", "sanction*" ~ "sanctioned").
A rule fires when any of its terms matches and each of its context groups matches too.
"""

import re
from dataclasses import dataclass
from functools import cache

# Context groups: generic words ("drone", "treaty") only point at this relationship when
# the text also names both sides.
IRAN = ("iran*", "tehran", "irgc", "islamic republic", "khamenei", "pezeshkian", "raisi")
RUSSIA = ("russia*", "moscow", "kremlin", "putin", "lavrov", "shoigu", "rosoboronexport")
CHINA = ("china", "chinese", "beijing", "pla navy")
DRILL = ("drill*", "exercise*", "war game*", "manoeuvre*", "maneuver*", "search and rescue")
OIL = ("oil", "crude", "barrel*", "refiner*", "lng", "gas")
ALABUGA = ("alabuga", "yelabuga", "elabuga", "shahed*", "geran")
LAUNCH = ("launch*", "soyuz", "orbit*", "vostochny", "baikonur", "plesetsk")
UN = ("un", "u.n.", "united nations", "resolution*", "veto*")
BOTH = (IRAN, RUSSIA)
EITHER = (*IRAN, *RUSSIA)


@dataclass(frozen=True)
class Rule:
    """Suggest `indicator` when a term matches and every context group matches."""

    indicator: str
    terms: tuple[str, ...]
    context: tuple[tuple[str, ...], ...] = ()


# Specific names (Shahed, Alabuga, Rasht–Astara) need no context; words that also turn up
# in unrelated news (drone, sanction, crude, BRICS) fire only when the text names both
# sides, or the side the indicator is about.
KEYWORD_RULES: tuple[Rule, ...] = (
    # Military transfers
    Rule("drone-transfers", ("shahed*", "geran", "mohajer*", "arash-2")),
    Rule(
        "drone-transfers",
        ("drone*", "uav*", "unmanned aerial", "loitering munition*", "kamikaze"),
        BOTH,
    ),
    Rule("missile-transfers", ("fath-360", "fateh*", "zolfaghar", "zolfaqar", "ababil")),
    Rule("missile-transfers", ("ballistic missile*", "missile*", "rocket launcher*"), BOTH),
    Rule(
        "ammunition-transfers",
        ("artillery shell*", "ammunition", "ammo", "mortar round*", "shells", "munitions"),
        BOTH,
    ),
    # Aircraft and air defence are sold to many buyers: only with Iran named.
    Rule("su35-deal", ("su-35*", "sukhoi", "flanker*"), (IRAN,)),
    Rule(
        "russian-aircraft-to-iran",
        ("yak-130*", "mi-28*", "mi-35*", "su-30*", "mig-29*", "attack helicopter*", "trainer jet*"),
        (IRAN,),
    ),
    # Not "fighter jet": that is nearly always the Su-35 story, which has its own ladder.
    Rule("russian-aircraft-to-iran", ("helicopter*", "trainer aircraft"), BOTH),
    Rule(
        "air-defence-to-iran", ("s-400", "s-300", "verba", "pantsir", "tor-m1", "tor-m2"), (IRAN,)
    ),
    # Iran's own air defences are in the news whenever it is struck: Russia must be named.
    Rule("air-defence-to-iran", ("air defence*", "air defense*"), BOTH),
    Rule("space-cooperation", ("khayyam", "kowsar", "hodhod", "pars-1", "nahid-2")),
    Rule("space-cooperation", ("satellite*",), (LAUNCH, IRAN)),
    Rule(
        "cyber-cooperation",
        ("cyber*", "electronic warfare", "surveillance technolog*", "spyware", "krasukha"),
        BOTH,
    ),
    # Defence-industrial integration
    Rule("joint-drone-production", ("alabuga", "yelabuga", "elabuga")),
    Rule(
        "joint-drone-production",
        (
            "drone factory",
            "drone factories",
            "drone plant*",
            "drone production",
            "localis*",
            "localiz*",
        ),
        BOTH,
    ),
    Rule(
        "drone-production-volume",
        ("per year", "a year", "per month", "a month", "annual*", "output", "production rate"),
        (ALABUGA,),
    ),
    # Exercises and operations
    Rule("trilateral-naval-drills", ("maritime security belt", "security belt")),
    Rule(
        "trilateral-naval-drills",
        ("naval", "navy", "navies", "warship*", "maritime drill*", "maritime exercise*"),
        (CHINA, IRAN, RUSSIA),
    ),
    Rule("caspian-drills", ("caspian",), (DRILL,)),
    Rule(
        "operational-support",
        (
            "intelligence shar*",
            "shar* intelligence",
            "military advis*",
            "military instructor*",
            "military cooperation",
            "defence cooperation",
            "defense cooperation",
            "operational support",
            "combat support",
        ),
        BOTH,
    ),
    # Diplomatic and treaty
    Rule(
        "treaty-ladder",
        (
            "treaty",
            "treaties",
            "strategic partnership",
            "mutual defence",
            "mutual defense",
            "defence pact",
            "defense pact",
            "military alliance",
            "non-aggression",
            "military base*",
        ),
        BOTH,
    ),
    Rule(
        "high-level-contacts",
        (
            "summit*",
            "state visit",
            "official visit",
            "phone call",
            "telephone",
            "talks",
            "visit*",
            "met with",
            "meeting*",
            "meets",
        ),
        BOTH,
    ),
    Rule("high-level-contacts", ("pezeshkian", "raisi", "khamenei", "araghchi"), (RUSSIA,)),
    Rule("diplomatic-cover", ("snapback", "snap-back")),
    Rule(
        "diplomatic-cover",
        (
            "un security council",
            "united nations security council",
            "unsc",
            "veto*",
            "iaea board",
            "board of governors",
        ),
        BOTH,
    ),
    # "Security Council" alone is also Russia's own (Shoigu is its secretary).
    Rule("diplomatic-cover", ("security council",), (UN, IRAN, RUSSIA)),
    Rule("syria-coordination", ("syria*", "damascus", "assad", "hmeimim", "tartus"), BOTH),
    Rule(
        "non-western-institutions",
        (
            "sco",
            "shanghai cooperation organisation",
            "shanghai cooperation organization",
            "brics",
            "eurasian economic union",
            "eaeu",
        ),
        (IRAN,),
    ),
    # Economic and energy
    Rule(
        "energy-cooperation",
        ("gazprom", "rosatom", "lukoil", "rosneft", "novatek"),
        ((*IRAN, "bushehr"),),
    ),
    Rule(
        "energy-cooperation",
        (
            "gas supply",
            "gas supplies",
            "gas deal",
            "gas swap*",
            "oil deal*",
            "energy agreement*",
            "bushehr",
            "nuclear power plant*",
        ),
        BOTH,
    ),
    Rule(
        "energy-rivalry",
        ("oil price*", "crude", "price war", "teapot refiner*", "market share"),
        BOTH,
    ),
    Rule("energy-rivalry", ("discount*", "compet*", "rival*", "undercut*"), (OIL, IRAN, RUSSIA)),
    Rule(
        "trade-and-transport",
        (
            "rasht",
            "astara",
            "north-south transport corridor",
            "north-south corridor",
            "instc",
            "shetab",
        ),
    ),
    Rule(
        "trade-and-transport",
        (
            "transport corridor",
            "free trade",
            "mir card*",
            "national currenc*",
            "railway*",
            "rail link*",
            "customs",
            "barter",
        ),
        BOTH,
    ),
    Rule(
        "bilateral-trade",
        ("trade turnover", "bilateral trade", "trade volume*", "volume of trade", "trade between"),
        BOTH,
    ),
    Rule(
        "iran-economic-fragility",
        (
            "inflation",
            "rial",
            "devaluation",
            "recession",
            "economic crisis",
            "cost of living",
            "power cut*",
            "blackout*",
        ),
        (IRAN,),
    ),
    # Western pressure
    Rule(
        "sanctions-on-cooperation",
        ("sanction*", "ofac", "blacklist*", "export control*", "entity list", "asset freeze*"),
        BOTH,
    ),
    Rule("shared-exclusion", ("snapback", "snap-back")),
    Rule(
        "shared-exclusion",
        ("swift", "spfs", "de-dollaris*", "de-dollariz*", "western financial system"),
        BOTH,
    ),
    # Divergence and trust
    Rule(
        "commitment-limits",
        (
            "not a military alliance",
            "not an alliance",
            "no mutual defence",
            "no mutual defense",
            "no defence obligation*",
            "no defense obligation*",
            "no obligation*",
            "not obliged",
            "not obligated",
            "does not provide for mutual",
            "did not come to",
            "refus* to help",
            "declin* to help",
        ),
        (EITHER,),
    ),
    Rule(
        "limited-trust",
        (
            "friction",
            "distrust",
            "mistrust",
            "tension*",
            "summon*",
            "complain*",
            "stalled",
            "unilateral*",
            "rift",
            "spat",
            "delay*",
        ),
        BOTH,
    ),
    Rule("south-caucasus-divergence", ("zangezur", "syunik")),
    Rule(
        "south-caucasus-divergence",
        ("armenia*", "azerbaijan*", "karabakh", "south caucasus"),
        BOTH,
    ),
    Rule(
        "russia-gulf-india-ties",
        ("abu musa", "tunb*", "three islands", "disputed islands"),
        (RUSSIA,),
    ),
    # Gulf states and India turn up in much Russia news; only their ties with Russia count.
    Rule(
        "russia-gulf-india-ties",
        (
            "gcc",
            "gulf cooperation council",
            "saudi*",
            "riyadh",
            "uae",
            "united arab emirates",
            "emirati",
            "india",
            "new delhi",
            "modi",
        ),
        (RUSSIA, ("ties", "relations", "partnership", "joint statement", "summit*", "visit*")),
    ),
)

# Stage indicators need an analyst to choose the rung, so rules may suggest them but a
# structured adapter never proposes an observation for them (a proposal has no stage).
STAGE_INDICATORS = frozenset(
    {
        "su35-deal",
        "air-defence-to-iran",
        "joint-drone-production",
        "treaty-ladder",
        "syria-coordination",
    }
)

# CAMEO event codes (GDELT's EventCode) to indicators, most specific code first: a 4-digit
# code overrides its 3-digit base, which overrides its 2-digit root. Only events between
# Russia and Iran reach this table, so "military cooperation" means with each other.
# Source: the CAMEO codebook (Schrodt, 2012), version 1.1b3.
CAMEO_RULES: dict[str, str] = {
    # Stated intent is weaker than action but points the same way; its magnitude is
    # scaled by coverage like any other event.
    "0311": "trade-and-transport",  # express intent to cooperate economically
    "0312": "operational-support",  # express intent to cooperate militarily
    "0332": "operational-support",  # express intent to provide military aid
    "036": "high-level-contacts",  # express intent to meet or negotiate
    "04": "high-level-contacts",  # consult: calls, visits, meetings, negotiations
    "052": "diplomatic-cover",  # defend verbally
    "053": "diplomatic-cover",  # rally support on behalf of
    "057": "treaty-ladder",  # sign formal agreement (a stage: suggested, never proposed)
    "061": "trade-and-transport",  # cooperate economically
    "071": "trade-and-transport",  # provide economic aid
    "062": "operational-support",  # cooperate militarily
    "064": "operational-support",  # share intelligence or information
    "072": "operational-support",  # provide military aid
    "074": "operational-support",  # provide military protection or peacekeeping
    # Hostile words and deeds between the two show the limits of trust; refusing military
    # help is the sharper signal that there is no defence commitment.
    "11": "limited-trust",  # disapprove: criticise, accuse
    "12": "limited-trust",  # reject
    "1212": "commitment-limits",  # reject military cooperation
    "13": "limited-trust",  # threaten
    "16": "limited-trust",  # reduce relations, incl. 163 sanctions by one on the other
    "1622": "commitment-limits",  # reduce or stop military assistance
    # Not mapped: 01 statements and 02 appeals (talk, not action), 051 praise (routine
    # courtesy), 08-10, 14, 15; and 17-20 (coercion and violence): between these two
    # partners such codes are nearly always misattributed actors, so they feed only the
    # dyadic tone, never an indicator.
}

# Descriptions for the codes in CAMEO_RULES and every root, for readable signal titles.
CAMEO_NAMES: dict[str, str] = {
    "01": "Make public statement",
    "02": "Appeal",
    "03": "Express intent to cooperate",
    "0311": "Express intent to cooperate economically",
    "0312": "Express intent to cooperate militarily",
    "0332": "Express intent to provide military aid",
    "036": "Express intent to meet or negotiate",
    "04": "Consult",
    "041": "Discuss by telephone",
    "042": "Make a visit",
    "043": "Host a visit",
    "044": "Meet at a third location",
    "045": "Mediate",
    "046": "Engage in negotiation",
    "05": "Engage in diplomatic cooperation",
    "051": "Praise or endorse",
    "052": "Defend verbally",
    "053": "Rally support on behalf of",
    "057": "Sign formal agreement",
    "06": "Engage in material cooperation",
    "061": "Cooperate economically",
    "062": "Cooperate militarily",
    "063": "Engage in judicial cooperation",
    "064": "Share intelligence or information",
    "07": "Provide aid",
    "071": "Provide economic aid",
    "072": "Provide military aid",
    "074": "Provide military protection or peacekeeping",
    "08": "Yield",
    "09": "Investigate",
    "10": "Demand",
    "11": "Disapprove",
    "111": "Criticize or denounce",
    "112": "Accuse",
    "12": "Reject",
    "1211": "Reject economic cooperation",
    "1212": "Reject military cooperation",
    "13": "Threaten",
    "14": "Protest",
    "15": "Exhibit force posture",
    "16": "Reduce relations",
    "163": "Impose embargo, boycott, or sanctions",
    "1622": "Reduce or stop military assistance",
    "17": "Coerce",
    "18": "Assault",
    "19": "Fight",
    "20": "Use unconventional mass violence",
}

_CAMEO_CODE = re.compile(r"\d{2,4}")
# Typographic dashes and no-break spaces read as their plain forms.
_DASHES = str.maketrans(
    dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-") | {"\u00a0": " "}
)


def suggest(text: str) -> tuple[str, ...]:
    """Indicator slugs the keyword rules suggest for `text`, sorted and unique."""
    normal = text.translate(_DASHES)
    return tuple(
        sorted(
            {
                rule.indicator
                for rule in KEYWORD_RULES
                if _matches(rule.terms, normal)
                and all(_matches(group, normal) for group in rule.context)
            }
        )
    )


def cameo_indicator(event_code: str) -> str | None:
    """The indicator a CAMEO event code points at, or None (see CAMEO_RULES)."""
    if not _CAMEO_CODE.fullmatch(event_code):
        return None
    for length in (4, 3, 2):
        if len(event_code) >= length and event_code[:length] in CAMEO_RULES:
            return CAMEO_RULES[event_code[:length]]
    return None


def cameo_name(event_code: str) -> str:
    """A readable description of a CAMEO code, from its most specific known prefix."""
    for length in (4, 3, 2):
        name = CAMEO_NAMES.get(event_code[:length]) if len(event_code) >= length else None
        if name:
            return name
    return f"CAMEO {event_code}"


def _matches(terms: tuple[str, ...], text: str) -> bool:
    return _pattern(terms).search(text) is not None


@cache
def _pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(_term_regex(term) for term in terms), re.IGNORECASE)


def _term_regex(term: str) -> str:
    prefix = term.endswith("*")
    words = term.rstrip("*").split(" ")
    body = r"[\s-]+".join("-?".join(re.escape(part) for part in word.split("-")) for word in words)
    return rf"(?<!\w){body}" + (r"\w*" if prefix else r"(?!\w)")
