"""Entente's forecast for each question, every day, from what it knew that day; resolution
by rule; and the scores (docs/methodology.md §12).

"As known on" applies: the forecast for day t reads the observations recorded by the end of
t, as they stood then (later corrections and retractions unseen), exactly as the "as known
on" views do. The known set changes only on the days something was recorded, corrected or
retracted, so the relationship's history is swept once, day by day of change.
"""

import bisect
import datetime as dt
import logging
import math
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tracker.clock import today_utc
from tracker.forecasts import maths
from tracker.models import (
    Alert,
    AnalystForecast,
    Observation,
    Question,
    QuestionForecast,
    Relationship,
    Stage,
)
from tracker.scoring.inputs import states_as_known_on
from tracker.selectors.series import assessments_from

logger = logging.getLogger(__name__)

# A report of an event can reach Entente weeks after the event: a question closes "no" only
# this long after its last day, so that late news of an in-window event still counts.
GRACE_DAYS = 30
# A model forecast is never certain: whatever the arithmetic says, Entente gives at least 1%
# and at most 99% until the evidence itself answers the question.
LEAST, MOST = 0.01, 0.99
# With no history at all, a ladder is taken to climb one rung in two years: the catalogue's
# ladders (deals, treaties, memberships) move on that scale (docs/methodology.md §12).
DEFAULT_STEP_RATE = 1 / 730


@dataclass(frozen=True)
class Known:
    """An observation as Entente knew it at some moment."""

    key: int
    indicator: int
    occurred_on: dt.date
    recorded_at: dt.datetime
    magnitude: float | None
    value: float | None
    stage: int | None  # the rung's order
    reliability: str
    credibility: int

    def passes(self, grade: str) -> bool:
        return self.reliability <= grade[0] and self.credibility <= int(grade[1])


class Timeline:
    """A relationship's observations as known at the end of each day of change."""

    def __init__(self, relationship: Relationship):
        indicators = dict(relationship.indicators.values_list("pk", "kind"))
        self.kinds = indicators
        orders = dict(Stage.objects.filter(indicator__in=indicators).values_list("pk", "order"))
        history = Observation.history.model.objects
        # Every version of every observation that was ever the relationship's: one moved to
        # another relationship's indicator leaves it from the day it moved.
        ever = history.filter(indicator_id__in=indicators).values("id")
        rows = history.filter(id__in=ever).values_list(
            "history_date",
            "recorded_at",
            "id",
            "history_type",
            "status",
            "indicator_id",
            "occurred_on",
            "magnitude",
            "value",
            "stage_id",
            "reliability",
            "credibility",
        )
        # A version counts from the day both it and its observation's recording are past.
        self._versions = sorted(
            (max(row[0], row[1]).astimezone(dt.UTC).date(), row[0], row) for row in rows
        )
        self._orders = orders
        self.days = sorted({day for day, _, _ in self._versions})

        self.changes = list(self._states())

    def _states(self):
        """(day, its known observations by indicator, each list in order of occurrence) for
        each day of change. An indicator's list is rebuilt only on a day that changed it,
        and every version is one Known object, shared by the days that know it."""
        latest: dict[int, tuple] = {}
        members: dict[int, set[int]] = defaultdict(set)
        lists: dict[int, list[Known]] = {}
        made: dict[int, Known] = {}  # a version's Known, by its history row's identity
        position = 0
        for day in self.days:
            touched: set[int] = set()
            while position < len(self._versions) and self._versions[position][0] <= day:
                _, moment, row = self._versions[position]
                held = latest.get(row[2])
                if held is None or held[0] <= moment:
                    if held is not None:
                        members[held[1][5]].discard(row[2])
                        touched.add(held[1][5])
                    latest[row[2]] = (moment, row)
                    members[row[5]].add(row[2])
                    touched.add(row[5])
                position += 1
            for indicator in touched & set(self.kinds):
                rows = [latest[pk][1] for pk in members[indicator]]
                known = []
                for row in rows:
                    if row[3] != "-" and row[4] == Observation.Status.ACCEPTED:
                        if id(row) not in made:
                            made[id(row)] = self._known(row)
                        known.append(made[id(row)])
                known.sort(key=lambda k: (k.occurred_on, k.recorded_at, k.key))
                lists[indicator] = known
            yield day, dict(lists)

    def _known(self, row) -> Known:
        _, recorded_at, pk, _, _, indicator, occurred_on, magnitude, value, stage, *grade = row
        return Known(
            key=pk,
            indicator=indicator,
            occurred_on=occurred_on,
            recorded_at=recorded_at,
            magnitude=magnitude,
            value=value,
            stage=self._orders.get(stage) if stage else None,
            reliability=grade[0],
            credibility=grade[1],
        )


Known_by_indicator = dict[int, list[Known]]


def met_on(question: Question, known: Known_by_indicator, through: dt.date) -> dt.date | None:
    """The first day in the question's window, up to `through`, on which a known report
    meets its rule (stage, event and level rules), or None."""
    last = min(question.closes, through)
    hits = [
        k.occurred_on
        for k in known.get(question.indicator_id or -1, ())
        if question.opens <= k.occurred_on <= last and _qualifies(question, k)
    ]
    return min(hits, default=None)


def _qualifies(question: Question, k: Known) -> bool:
    stage, threshold = question.stage, question.threshold
    if question.rule == Question.Rule.STAGE and stage is not None:
        return k.stage is not None and k.stage >= stage.order and k.passes(question.min_grade)
    if question.rule == Question.Rule.EVENT:
        return (k.magnitude or 0) >= question.min_magnitude and k.passes(question.min_grade)
    if question.rule == Question.Rule.LEVEL and k.value is not None and threshold is not None:
        if question.direction == Question.Direction.ABOVE:
            return k.value > threshold
        return k.value < threshold
    return False


@dataclass
class Outcome:
    """What the rule says of a question, and Entente's forecast for each of its open days."""

    resolution: str  # "yes", "no" or "" (open)
    resolved_on: dt.date | None
    forecasts: list[tuple[dt.date, float]]


def forecast_question(question: Question, timeline: Timeline, today: dt.date) -> Outcome:
    """Resolve `question` by its rule, and forecast each day from its opening to the day
    before its answer was known (or to today, while open).

    The answer is what is known now: a report that met the rule and was later retracted or
    corrected away answers nothing. It was known from the first day of change since which
    the rule has held without a break; before that, on a day when a report later withdrawn
    made it look answered, Entente's forecast is what it then believed (99%).
    """
    # Nothing recorded after `today` is known on it (a backtest's day, or a record dated ahead).
    changes = [(day, known) for day, known in timeline.changes if day <= today]
    if not changes or changes[0][0] > question.opens:
        changes.insert(0, (question.opens, {}))  # nothing known yet when it opened
    band = question.rule == Question.Rule.BAND
    spans = []
    for n, (day, known) in enumerate(changes):
        # Each span of days up to the next change shares this known set.
        last = changes[n + 1][0] - dt.timedelta(days=1) if n + 1 < len(changes) else today
        met = not band and met_on(question, known, question.closes) is not None
        spans.append((day, known, met, max(day, question.opens), min(last, question.closes, today)))
    answered_from = None if band else _answered_from(spans)
    forecasts: list[tuple[dt.date, float]] = []
    for day, known, seems_met, start, end in spans:
        if answered_from is not None and start >= answered_from:
            break
        if start > end:
            continue  # a span before the opening, or after the close or today
        series = _band_series(question, day, end) if band else {}
        held = _band_held(question, series, end) if band else None
        model = None if band or seems_met else _Model(question, known, timeline.kinds)
        for offset in range((end - start).days + 1):
            t = start + dt.timedelta(days=offset)
            if answered_from is not None and t >= answered_from:
                break
            if held is not None and t >= held:  # known from the day the run completed, or now
                return Outcome("yes", t, forecasts)
            if band:
                p = _band_odds(question, series, t)
            elif seems_met:
                p = 1.0
            else:
                p = model.probability(t) if model else 0.0
            forecasts.append((t, min(MOST, max(LEAST, p))))
    if answered_from is not None:
        return Outcome("yes", answered_from, forecasts)
    if today > question.closes + dt.timedelta(days=GRACE_DAYS):
        return Outcome("no", question.closes + dt.timedelta(days=GRACE_DAYS), forecasts)
    return Outcome("", None, forecasts)


def _answered_from(spans) -> dt.date | None:
    """The first day of the unbroken run of known sets, to the latest, that meet the rule."""
    answered = None
    for _, _, met, start, _ in spans:
        if not met:
            answered = None
        elif answered is None:
            answered = start
    return answered


class _Model:
    """A question's forecast over a span of days that share one known set: what does not
    depend on the day is worked out once."""

    def __init__(self, question: Question, by_indicator: Known_by_indicator, kinds: dict[int, str]):
        self.question = question
        self.mine = by_indicator.get(question.indicator_id or -1, [])
        if question.rule == Question.Rule.STAGE:
            self._stage(by_indicator, kinds)
        elif question.rule == Question.Rule.EVENT:
            self._event(by_indicator, kinds)
        elif question.rule == Question.Rule.LEVEL:
            self._level()

    def probability(self, t: dt.date) -> float:
        remaining = (self.question.closes - t).days
        rule = self.question.rule
        if rule == Question.Rule.STAGE:
            return self._stage_at(t, remaining)
        if rule == Question.Rule.EVENT:
            return self._event_at(t, remaining)
        return self._level_at(remaining)

    # Stage: rungs climbed as a Poisson process, pooled over the relationship's ladders.
    def _stage(self, by_indicator, kinds) -> None:
        graded = [k for k in self.mine if k.passes(self.question.min_grade) and k.stage is not None]
        # No report yet: the ladder's first rung.
        current = (graded[-1].stage or 0) if graded else 0
        self.needed = (self.question.stage.order if self.question.stage else 0) - current
        ladders = [
            _climb(by_indicator.get(key, [])) for key, kind in kinds.items() if kind == "stage"
        ]
        self.pooled = [(steps, first) for steps, first in ladders if first is not None]
        self.own = _climb(self.mine)

    def _stage_at(self, t: dt.date, remaining: int) -> float:
        steps = sum(s for s, _ in self.pooled)
        days = sum(float((t - first).days) for _, first in self.pooled)
        # The catalogue's ladders together, themselves shrunk toward a rung in two years.
        prior = maths.pooled_rate(steps, days, DEFAULT_STEP_RATE)
        own_steps, own_first = self.own
        own_days = float((t - own_first).days) if own_first else 0.0
        rate = maths.pooled_rate(own_steps, own_days, prior)
        return maths.at_least(self.needed, rate * remaining)

    # Event: a Poisson rate from distinct event days in the last two years, pooled.
    def _event(self, by_indicator, kinds) -> None:
        question = self.question
        self.event_indicators = {key for key, kind in kinds.items() if kind == "event"}
        self.first = min((ks[0].occurred_on for ks in by_indicator.values() if ks), default=None)
        self.days = {
            key: sorted(
                {
                    k.occurred_on
                    for k in by_indicator.get(key, [])
                    if (k.magnitude or 0) >= question.min_magnitude and k.passes(question.min_grade)
                }
            )
            for key in self.event_indicators
        }

    def _event_at(self, t: dt.date, remaining: int) -> float:
        since = t - dt.timedelta(days=maths.EVENT_WINDOW_DAYS)
        first = self.first or t
        # A year at least, two at most: a burst of first reports is no rate, and old ones
        # say little of next year.
        exposure = float(min(maths.EVENT_WINDOW_DAYS, max(maths.PRIOR_DAYS, (t - first).days)))
        counts = {
            key: bisect.bisect_right(days, t) - bisect.bisect_right(days, since)
            for key, days in self.days.items()
        }
        prior = (
            sum(counts.values()) / len(self.event_indicators) / exposure
            if self.event_indicators
            else 0.0
        )
        rate = maths.pooled_rate(counts.get(self.question.indicator_id or -1, 0), exposure, prior)
        return maths.at_least(1, rate * remaining)

    # Level: a driftless random walk, its spread from the reports, shrunk toward a prior.
    def _level(self) -> None:
        question, indicator = self.question, self.question.indicator
        self.fixed: float | None = 0.0
        threshold = question.threshold
        if indicator is None or threshold is None:
            return
        floor, ceiling = indicator.floor, indicator.ceiling
        if floor is None or ceiling is None:
            return
        points = [(k.occurred_on, k.value) for k in self.mine if k.value is not None]
        above = question.direction == Question.Direction.ABOVE
        if not points:
            # No report yet: the value could be anywhere on the scale, as likely in one place
            # as another; the chance is the share of the scale beyond the threshold.
            beyond = ceiling - threshold if above else threshold - floor
            self.fixed = min(1.0, max(0.0, beyond / (ceiling - floor)))
            return
        self.fixed = None
        prior = ((ceiling - floor) / 4) ** 2 / maths.PRIOR_DAYS  # a quarter of the scale a year
        pairs = list(zip(points, points[1:], strict=False))
        squares = sum((b - a) ** 2 for (_, a), (_, b) in pairs)
        elapsed = sum(max(1, (b - a).days) for (a, _), (b, _) in pairs)
        self.sigma = math.sqrt((squares + prior * maths.PRIOR_DAYS) / (elapsed + maths.PRIOR_DAYS))
        current = points[-1][1]
        self.distance = threshold - current if above else current - threshold

    def _level_at(self, remaining: int) -> float:
        if self.fixed is not None:
            return self.fixed
        # Strictly beyond the threshold is needed: a walk at it has not crossed yet.
        return maths.hit_probability(max(self.distance, 1e-9), self.sigma, remaining)


def _climb(reports: list[Known]) -> tuple[int, dt.date | None]:
    """(rungs climbed, the first report's day) of a ladder's reports in occurrence order."""
    rungs = [k.stage for k in reports if k.stage is not None]
    if not rungs:
        return 0, None
    steps = sum(max(0, b - a) for a, b in zip(rungs, rungs[1:], strict=False))
    return steps, reports[0].occurred_on


def _band_series(question: Question, day: dt.date, end: dt.date):
    """The assessments as known at the end of `day`, through `end`."""
    moment = dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)
    states = states_as_known_on(question.relationship, moment)
    return {a.date: a for a in assessments_from(question.relationship, states, max(day, end))}


def _band_held(question: Question, series, day: dt.date) -> dt.date | None:
    """The day the index completed `days` days in a row in the band, by `day`, or None."""
    run = 0
    band = question.scenario.slug if question.scenario else None
    for date in sorted(series):
        if date < question.opens or date > min(day, question.closes):
            continue
        run = run + 1 if series[date].band == band else 0
        if run >= question.days:
            return date
    return None


def _band_odds(question: Question, series, t: dt.date) -> float:
    assessment = series.get(t)
    if assessment is None or question.scenario is None:
        return 0.0
    return assessment.odds.get(question.scenario.slug, 0.0)


@transaction.atomic
def forecasts_refresh(relationship: Relationship, *, today: dt.date | None = None) -> list[Alert]:
    """Resolve and forecast every question of a relationship; returns the alerts raised.

    A question an analyst resolved keeps that resolution; its forecasts still run to the day
    before it. Forecast rows are rewritten whole; resolutions are saved with history.
    """
    today = today or today_utc()
    questions = list(
        relationship.questions.exclude(rule=Question.Rule.NONE).select_related(
            "indicator", "stage", "scenario", "relationship"
        )
    )
    if not questions:
        return []  # no history to sweep: a relationship without questions costs one query
    timeline = Timeline(relationship)
    raised = []
    for question in questions:
        try:
            with transaction.atomic():
                alert = _forecast_one(question, timeline, today)
        except (ArithmeticError, ValueError) as error:  # a bad question stops no other one
            logger.exception("forecasting %s failed: %s", question.slug, error)
            continue
        if alert is not None:
            raised.append(alert)
    return raised


def _forecast_one(question: Question, timeline: Timeline, today: dt.date) -> Alert | None:
    """Resolve one question by its rule and rewrite its forecasts; the alert it raises."""
    outcome = forecast_question(question, timeline, today)
    if question.resolved_by_id is None and (
        (question.resolution, question.resolved_on) != (outcome.resolution, outcome.resolved_on)
    ):
        was = question.resolution
        question.resolution, question.resolved_on = outcome.resolution, outcome.resolved_on
        if was and outcome.resolution and was != outcome.resolution:
            # A report recorded late changed a settled answer: said so in its history.
            question._change_reason = f"Changed from {was} to {outcome.resolution} by its rule"
        elif outcome.resolution:
            question._change_reason = "Resolved by its rule"
        else:
            question._change_reason = "Reopened by its rule"
        question.save(update_fields=["resolution", "resolved_on"])
    last = question.resolved_on if question.resolved_by_id else None
    rows = [
        QuestionForecast(
            question=question, date=t, probability=p, method_version=maths.FORECAST_VERSION
        )
        for t, p in outcome.forecasts
        if last is None or t < last
    ]
    before = _latest_two(question)
    QuestionForecast.objects.filter(question=question).delete()
    QuestionForecast.objects.bulk_create(rows)
    return _alert_on_move(question, before, rows)


def _latest_two(question: Question) -> dict[dt.date, float]:
    return dict(question.forecasts.order_by("-date").values_list("date", "probability")[:2])


def _alert_on_move(question: Question, before: dict[dt.date, float], rows) -> Alert | None:
    """An alert when today's forecast moved more than the question's threshold in a day
    (raised once per question and day: the key says which)."""
    if len(rows) < 2 or not question.is_open:
        return None
    previous, latest = rows[-2], rows[-1]
    if before.get(latest.date) == latest.probability:
        return None  # already seen: a rerun raises nothing new
    move = latest.probability - previous.probability
    if abs(move) <= question.alert_move:
        return None
    alert, created = Alert.objects.get_or_create(
        key=f"forecast:{question.pk}:{latest.date.isoformat()}",
        defaults={
            "relationship_id": question.relationship_id,
            "kind": Alert.Kind.FORECAST,
            "title": f"Forecast moved {move * 100:+.0f} points: {question.title}"[:200],
            "message": (
                f"Entente's probability went from {previous.probability:.0%} on "
                f"{previous.date:%-d %b %Y} to {latest.probability:.0%} on "
                f"{latest.date:%-d %b %Y}, more than the question's "
                f"{question.alert_move * 100:.0f}-point threshold."
            ),
            "created_at": timezone.now(),
        },
    )
    return alert if created else None


@dataclass(frozen=True)
class Score:
    """A forecaster's mean scores over a resolved question's open days."""

    forecaster: str
    brier: float
    log: float
    days: int

    @property
    def column(self) -> str:
        """The forecaster as a table column: every question's base rate is "Base rate"."""
        return "Base rate" if self.forecaster.startswith("Base rate") else self.forecaster


def scores(
    question: Question,
    *,
    base_rate: float | None = None,
    daily: list[tuple[dt.date, float]] | None = None,
) -> list[Score]:
    """Entente's, each analyst's and the baselines' scores for a resolved question (given
    its `daily` forecasts in date order, if the caller has them already)."""
    if question.resolution not in (Question.Resolution.YES, Question.Resolution.NO):
        return []
    outcome = question.resolution == Question.Resolution.YES
    if daily is None:
        daily = list(question.forecasts.order_by("date").values_list("date", "probability"))
    if daily:
        days = [t for t, _ in daily]
    else:  # no rule, so no forecast of Entente's: the analysts' over the open days
        last = min(question.closes, (question.resolved_on or question.closes) - dt.timedelta(1))
        days = [question.opens + dt.timedelta(n) for n in range((last - question.opens).days + 1)]
    if not days:
        return []
    found = [_score("Entente", [p for _, p in daily], outcome)] if daily else []
    for name, ps in _analyst_days(question, days).items():
        found.append(_score(name, ps, outcome))
    found.append(_score("No change (1%)", [LEAST] * len(days), outcome))
    if base_rate is not None:
        found.append(_score(f"Base rate ({base_rate:.0%})", [base_rate] * len(days), outcome))
    return found


def _score(name: str, ps: list[float], outcome: bool) -> Score:
    return Score(name, maths.brier(ps, outcome), maths.log_score(ps, outcome), len(ps))


def _analyst_days(question: Question, days: list[dt.date]) -> dict[str, list[float]]:
    """Each analyst's standing forecast on each open day after their first one."""
    made = defaultdict(list)
    for forecast in AnalystForecast.objects.filter(question=question).select_related("analyst"):
        made[forecast.analyst.get_username()].append((forecast.made_on, forecast.probability))
    standing = {}
    for name, forecasts in made.items():
        forecasts.sort()
        ps = []
        for day in days:
            current = [p for made_on, p in forecasts if made_on <= day]
            if current:
                ps.append(current[-1])
        if ps:
            standing[name] = ps
    return standing


def base_rates(questions: list[Question]) -> dict[int, float]:
    """Each resolved question's base rate: the share of the other resolved questions that
    resolved yes (its own outcome left out, so the baseline cannot peek)."""
    resolved = [q for q in questions if q.resolution in ("yes", "no")]
    yes = sum(q.resolution == "yes" for q in resolved)
    return {
        q.pk: (yes - (q.resolution == "yes")) / (len(resolved) - 1)
        for q in resolved
        if len(resolved) > 1
    }
