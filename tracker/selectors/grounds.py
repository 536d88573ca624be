"""What a verdict rests on: how likely, how sure, how fresh, and which reports weigh most.

The card states the leading scenario's odds in the words of ICD 203 with a confidence level
(`tracker.scoring.estimative`), the newest evidence and the lines of evidence (originators)
behind it, and the reports that most support the verdict's band and the one that most cuts
against it.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, Q

from tracker.models import Observation, ObservationScore, Originator, Relationship
from tracker.scoring import estimative, method
from tracker.selectors.evidence import Evidence, known_then

SUPPORTING = 3
PAGES = 5  # pages of candidates read at most (an early "as known on" skips later reports)
CANDIDATES = 200  # the most diagnostic reports read from the database, then ranked


@dataclass
class Grounds:
    sufficient: bool  # enough coverage for the band to be a verdict (method.COVERAGE_MIN)
    scenario: str  # the leading scenario's slug
    probability: float  # its odds
    likelihood: str  # ICD 203's term for them, e.g. "roughly even chance"
    likelihood_range: str  # e.g. "45–55%"
    confidence: estimative.Confidence
    newest: dt.date | None  # the newest evidence in hand
    sources: int  # lines of evidence: distinct originators behind the evidence in hand
    supporting: list[Evidence] = field(default_factory=list)  # strongest first
    against: Evidence | None = None


def verdict_grounds(
    relationship: Relationship, assessment, *, known_on: dt.date | None = None
) -> Grounds:
    """The grounds of `assessment` (the day's Assessment), from the evidence in hand on its
    day; with `known_on`, only what had been recorded by the end of that day."""
    day = assessment.date
    in_hand = Observation.objects.filter(indicator__relationship=relationship, occurred_on__lte=day)
    if known_on is None:
        counted = in_hand.filter(status=Observation.Status.ACCEPTED)
        newest = counted.order_by("-occurred_on").values_list("occurred_on", flat=True).first()
    else:
        # Accepted then: recorded by then, and not retracted by then.
        moment = dt.datetime.combine(known_on, dt.time.max, tzinfo=dt.UTC)
        counted = in_hand.filter(recorded_at__lte=moment).filter(
            Q(status=Observation.Status.ACCEPTED) | Q(retracted_at__gt=moment)
        )
        ordered = in_hand.order_by("-occurred_on", "-recorded_at", "-pk")
        latest = known_then(ordered, known_on, limit=1)
        newest = latest[0].occurred_on if latest else None
    # Lines of evidence: the distinct originators (outlets relaying one claim are one line),
    # each found by the originator's own index, with no scan of the observations.
    sources = Originator.objects.filter(
        Exists(counted.filter(originator=OuterRef("pk")).values("pk"))
    ).count()
    scenario, probability = max(assessment.odds.items(), key=lambda kv: kv[1])
    term, span = estimative.likelihood(probability)
    grounds = Grounds(
        sufficient=assessment.coverage >= method.COVERAGE_MIN,
        scenario=scenario,
        probability=probability,
        likelihood=term,
        likelihood_range=span,
        confidence=estimative.confidence(assessment.coverage, assessment.freshness, sources),
        newest=newest,
        sources=sources,
    )
    _weigh(grounds, relationship, _counts(day, known_on), assessment.band, day)
    return grounds


IN_HAND = ("occurred_on", "status", "recorded_at", "retracted_at")  # what `counts` reads


def _counts(day, known_on):
    """Whether a report was in hand on `day` (as known on `known_on`, if given), from a row
    of its IN_HAND fields."""
    moment = known_on and dt.datetime.combine(known_on, dt.time.max, tzinfo=dt.UTC)

    def counts(o) -> bool:
        if o.occurred_on > day:
            return False
        if moment is None:
            return o.status == Observation.Status.ACCEPTED
        retracted = o.retracted_at is not None and o.retracted_at <= moment
        return o.recorded_at <= moment and not retracted

    return counts


def _candidates(relationship, counts):
    """The most diagnostic scored reports in hand, strongest first, at most CANDIDATES.

    Scores are read down the diagnosticity index, most diagnostic first, and checked here,
    a page at a time. Read by the relationship's indicators instead (their index holds
    diagnosticity too), every score of the relationship was sorted first: a tenth of a
    second at a million reports. Filtering them by a join to the observations made the
    database sort them all as well (seconds): what `counts` needs of the observations is read
    after, a page's at once, and only the candidates are loaded whole."""
    # "+ 0", as key events do: the indicator filter must not be answered by its own index.
    scores = (
        ObservationScore.objects.alias(key=F("indicator_id") + 0)
        .filter(key__in=relationship.indicators.values("pk"))
        .order_by("-diagnosticity", "observation_id")
    )
    found: list[ObservationScore] = []
    size = CANDIDATES * 4
    for start in range(0, size * PAGES, size):
        page = list(scores[start : start + size])
        in_hand = Observation.objects.filter(pk__in=[score.observation_id for score in page])
        states = {row.pk: row for row in in_hand.values_list("pk", *IN_HAND, named=True)}
        found += [score for score in page if counts(states[score.observation_id])]
        if len(found) >= CANDIDATES or len(page) < size:
            break
    found = found[:CANDIDATES]
    # Only the candidates are loaded whole (a page is four times as many reports).
    related = Observation.objects.select_related("indicator", "source", "originator")
    observations = related.in_bulk([score.observation_id for score in found])
    for score in found:
        score.observation = observations[score.observation_id]
    return found


def _weigh(grounds, relationship, counts, band, day):
    """Rank the reports in hand by diagnosticity x indicator weight x freshness on `day`:
    those whose reading favours the verdict's band support it (the strongest of each
    indicator); the strongest of the others cuts against it."""
    ranked = []
    for score in _candidates(relationship, counts):
        indicator = score.observation.indicator
        age = (day - score.observation.occurred_on).days
        days = method.freshness_days(
            indicator.kind, indicator.half_life_days, indicator.cadence_days
        )
        weight = score.diagnosticity * indicator.weight * 2.0 ** (-age / days)
        ranked.append(Evidence(score.observation, score.diagnosticity, weight, score.favours))
    ranked.sort(key=lambda e: (-e.weight, e.observation.pk))
    # One report per indicator: three outlets relaying one signature are one line of evidence.
    seen: set[int] = set()
    for evidence in ranked:
        key = evidence.observation.indicator_id
        if evidence.favours == band and key not in seen:
            seen.add(key)
            grounds.supporting.append(evidence)
    grounds.supporting = grounds.supporting[:SUPPORTING]
    grounds.against = next((e for e in ranked if e.favours != band), None)
