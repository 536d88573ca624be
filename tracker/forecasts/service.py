"""Entente's forecast for each question, every day, from what it knew that day; resolution
by rule; and the scores (docs/methodology.md §12).

"As known on" applies: the forecast for day t reads the observations recorded by the end of
t, as they stood then (later corrections and retractions unseen), exactly as the "as known
on" views do. The known set changes only on the days something was recorded, corrected or
retracted, so the relationship's history is swept once, day by day of change.
"""

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
        """(day, its known observations) for each day of change, in order."""
        latest: dict[int, tuple] = {}
        position = 0
        for day in self.days:
            while position < len(self._versions) and self._versions[position][0] <= day:
                _, moment, row = self._versions[position]
                if row[2] not in latest or latest[row[2]][0] <= moment:
                    latest[row[2]] = (moment, row)
                position += 1
            yield (
                day,
                [
                    self._known(row)
                    for _, row in latest.values()
                    if row[3] != "-"
                    and row[4] == Observation.Status.ACCEPTED
                    and row[5] in self.kinds
                ],
            )

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


def met_on(question: Question, known: list[Known], through: dt.date) -> dt.date | None:
    """The first day in the question's window, up to `through`, on which a known report
    meets its rule (stage, event and level rules), or None."""
    last = min(question.closes, through)
    hits = [
        k.occurred_on
        for k in known
        if k.indicator == question.indicator_id
        and question.opens <= k.occurred_on <= last
        and _qualifies(question, k)
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
        changes.insert(0, (question.opens, []))  # nothing known yet when it opened
    band = question.rule == Question.Rule.BAND
    spans = []
    for n, (day, known) in enumerate(changes):
        # Each span of days up to the next change shares this known set.
        last = changes[n + 1][0] - dt.timedelta(days=1) if n + 1 < len(changes) else today
        spans.append((day, known, max(day, question.opens), min(last, question.closes, today)))
    answered_from = None if band else _answered_from(question, spans)
    forecasts: list[tuple[dt.date, float]] = []
    for day, known, start, end in spans:
        if answered_from is not None and start >= answered_from:
            break
        if start > end:
            continue  # a span before the opening, or after the close or today
        series = _band_series(question, day, end) if band else None
        seems_met = not band and met_on(question, known, question.closes) is not None
        for offset in range((end - start).days + 1):
            t = start + dt.timedelta(days=offset)
            if answered_from is not None and t >= answered_from:
                break
            if band:
                if _band_held(question, series, t) is not None:
                    return Outcome("yes", t, forecasts)
                p = _band_odds(question, series, t)
            elif seems_met:
                p = 1.0
            else:
                p = _probability(question, known, t, timeline.kinds)
            forecasts.append((t, min(MOST, max(LEAST, p))))
    if answered_from is not None:
        return Outcome("yes", answered_from, forecasts)
    if today > question.closes + dt.timedelta(days=GRACE_DAYS):
        return Outcome("no", question.closes + dt.timedelta(days=GRACE_DAYS), forecasts)
    return Outcome("", None, forecasts)


def _answered_from(question: Question, spans) -> dt.date | None:
    """The first day of the unbroken run of known sets, to the latest, that meet the rule."""
    answered = None
    for _, known, start, _ in spans:
        if met_on(question, known, question.closes) is None:
            answered = None
        elif answered is None:
            answered = start
    return answered


def _probability(
    question: Question, known: list[Known], t: dt.date, kinds: dict[int, str]
) -> float:
    remaining = (question.closes - t).days
    mine = sorted(
        (k for k in known if k.indicator == question.indicator_id and k.occurred_on <= t),
        key=lambda k: (k.occurred_on, k.recorded_at),
    )
    if question.rule == Question.Rule.STAGE:
        return _stage_probability(question, known, mine, t, remaining, kinds)
    if question.rule == Question.Rule.EVENT:
        return _event_probability(question, known, t, remaining, kinds)
    return _level_probability(question, mine, remaining)


def _climb(reports: list[Known], t: dt.date) -> tuple[int, float]:
    """(rungs climbed, days watched) of a ladder's reports in occurrence order."""
    rungs = [k.stage for k in reports if k.stage is not None]
    if not rungs:
        return 0, 0.0
    steps = sum(max(0, b - a) for a, b in zip(rungs, rungs[1:], strict=False))
    return steps, float((t - reports[0].occurred_on).days)


def _stage_probability(question, known, mine, t, remaining, kinds) -> float:
    graded = [k for k in mine if k.passes(question.min_grade) and k.stage is not None]
    current = graded[-1].stage if graded else 0  # no report yet: the ladder's first rung
    needed = question.stage.order - current
    stage_indicators = {key for key, kind in kinds.items() if kind == "stage"}
    pooled = [
        _climb(
            sorted(
                (k for k in known if k.indicator == key and k.occurred_on <= t),
                key=lambda k: (k.occurred_on, k.recorded_at),
            ),
            t,
        )
        for key in stage_indicators
    ]
    steps, days = sum(s for s, _ in pooled), sum(d for _, d in pooled)
    # The catalogue's ladders together, themselves shrunk toward a rung in two years.
    prior = maths.pooled_rate(steps, days, DEFAULT_STEP_RATE)
    own_steps, own_days = _climb(mine, t)
    rate = maths.pooled_rate(own_steps, own_days, prior)
    return maths.at_least(needed, rate * remaining)


def _event_probability(question, known, t, remaining, kinds) -> float:
    since = t - dt.timedelta(days=maths.EVENT_WINDOW_DAYS)
    first = min((k.occurred_on for k in known), default=t)
    # A year at least, two at most: a burst of first reports is no rate, and old ones
    # say little of next year.
    exposure = float(min(maths.EVENT_WINDOW_DAYS, max(maths.PRIOR_DAYS, (t - first).days)))
    event_indicators = {key for key, kind in kinds.items() if kind == "event"}
    days_by_indicator = defaultdict(set)
    for k in known:
        if (
            k.indicator in event_indicators
            and since < k.occurred_on <= t
            and (k.magnitude or 0) >= question.min_magnitude
            and k.passes(question.min_grade)
        ):
            days_by_indicator[k.indicator].add(k.occurred_on)
    prior = (
        sum(len(days) for days in days_by_indicator.values()) / len(event_indicators) / exposure
        if event_indicators
        else 0.0
    )
    own = len(days_by_indicator.get(question.indicator_id, ()))
    rate = maths.pooled_rate(own, exposure, prior)
    return maths.at_least(1, rate * remaining)


def _level_probability(question, mine, remaining) -> float:
    indicator = question.indicator
    values = [k for k in mine if k.value is not None]
    spread = (indicator.ceiling - indicator.floor) / 4
    prior = spread**2 / maths.PRIOR_DAYS  # a quarter of the scale in a year, as a variance
    squares = sum((b.value - a.value) ** 2 for a, b in zip(values, values[1:], strict=False))
    elapsed = sum(
        max(1, (b.occurred_on - a.occurred_on).days)
        for a, b in zip(values, values[1:], strict=False)
    )
    sigma = math.sqrt((squares + prior * maths.PRIOR_DAYS) / (elapsed + maths.PRIOR_DAYS))
    if not values:
        # No report yet: the value could be anywhere on the scale, as likely in one place as
        # another; the chance is the share of the scale beyond the threshold.
        span = indicator.ceiling - indicator.floor
        beyond = (
            indicator.ceiling - question.threshold
            if question.direction == Question.Direction.ABOVE
            else question.threshold - indicator.floor
        )
        return min(1.0, max(0.0, beyond / span))
    current = values[-1].value
    if question.direction == Question.Direction.ABOVE:
        distance = question.threshold - current
    else:
        distance = current - question.threshold
    # Strictly beyond the threshold is needed: a walk at it has not crossed yet.
    return maths.hit_probability(max(distance, 1e-9), sigma, remaining)


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


def scores(question: Question, *, base_rate: float | None = None) -> list[Score]:
    """Entente's, each analyst's and the baselines' scores for a resolved question."""
    if question.resolution not in (Question.Resolution.YES, Question.Resolution.NO):
        return []
    outcome = question.resolution == Question.Resolution.YES
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
