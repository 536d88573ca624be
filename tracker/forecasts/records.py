"""The read side of the forecasts: open questions with Entente's current probability and
its trend, a question's forecasts and evidence, and the track record (scores, calibration,
baselines), for one relationship or all."""

import datetime as dt
from dataclasses import dataclass, field

from tracker.forecasts import maths
from tracker.forecasts.service import Score, base_rates, scores
from tracker.models import Observation, Question, QuestionForecast, Relationship

TREND_DAYS = 30
# The track record table's score columns; analysts' scores are in their means and pages.
COLUMNS = ("Entente", "Base rate", "No change (1%)")


@dataclass
class QuestionRow:
    question: Question
    probability: float | None  # Entente's latest forecast
    trend: float | None  # its change over TREND_DAYS days
    scores: list[Score] = field(default_factory=list)

    @property
    def entente(self) -> Score | None:
        return next((s for s in self.scores if s.forecaster == "Entente"), None)

    @property
    def columns(self) -> list[Score | None]:
        """The scores under the track record's fixed columns (COLUMNS), None where absent."""
        found = {s.column: s for s in self.scores}
        return [found.get(name) for name in COLUMNS]


@dataclass
class Mean:
    forecaster: str
    brier: float
    log: float
    questions: int


@dataclass
class TrackRecord:
    resolved: list[QuestionRow]
    open: list[QuestionRow]
    means: list[Mean]
    calibration: maths.Calibration | None
    annulled: int
    questions: list[QuestionRow]  # every question, open or not, scored or not


def _latest(questions: list[Question]) -> dict[int, tuple[float, float | None]]:
    """Each question's latest forecast and the one TREND_DAYS days before it."""
    found: dict[int, list[tuple[dt.date, float]]] = {}
    rows = QuestionForecast.objects.filter(question__in=questions).order_by("question", "date")
    for pk, date, p in rows.values_list("question_id", "date", "probability"):
        found.setdefault(pk, []).append((date, p))
    latest = {}
    for pk, series in found.items():
        last_day, last = series[-1]
        before = [p for d, p in series if d <= last_day - dt.timedelta(days=TREND_DAYS)]
        latest[pk] = (last, last - before[-1] if before else None)
    return latest


def open_questions(relationship: Relationship, *, indicator=None) -> list[QuestionRow]:
    """The relationship's open questions, soonest to close first (one indicator's only)."""
    found = relationship.questions.filter(resolution="").select_related("indicator")
    if indicator is not None:
        found = found.filter(indicator=indicator)
    questions = list(found.order_by("closes", "slug"))
    latest = _latest(questions)
    return [QuestionRow(q, *latest.get(q.pk, (None, None))) for q in questions]


def track_record(relationship: Relationship | None = None) -> TrackRecord:
    """Every question's scores beside the baselines', the means, and Entente's calibration.

    Base rates come from every relationship's resolved questions, each leaving itself out.
    """
    everything = list(Question.objects.select_related("relationship", "indicator"))
    rates = base_rates(everything)
    chosen = [q for q in everything if relationship is None or q.relationship_id == relationship.pk]
    resolved = [q for q in chosen if q.resolution in ("yes", "no")]
    resolved.sort(key=lambda q: (q.resolved_on, q.slug))
    daily: dict[int, list[tuple[dt.date, float]]] = {q.pk: [] for q in resolved}
    rows_of = QuestionForecast.objects.filter(question__in=resolved).order_by("question", "date")
    for pk, date, p in rows_of.values_list("question_id", "date", "probability"):
        daily[pk].append((date, p))
    scored = {
        q.pk: QuestionRow(q, None, None, scores(q, base_rate=rates.get(q.pk), daily=daily[q.pk]))
        for q in resolved
    }
    rows = [row for row in scored.values() if row.scores]
    means: dict[str, list[Score]] = {}
    for row in rows:
        for score in row.scores:
            means.setdefault(score.column, []).append(score)
    opened = [q for q in chosen if q.is_open]
    latest = _latest(opened)
    open_rows = {q.pk: QuestionRow(q, *latest.get(q.pk, (None, None))) for q in opened}
    return TrackRecord(
        resolved=rows,
        open=list(open_rows.values()),
        questions=[
            open_rows.get(q.pk) or scored.get(q.pk) or QuestionRow(q, None, None)
            for q in sorted(chosen, key=lambda q: (q.opens, q.slug))
        ],
        means=[
            Mean(
                name,
                sum(s.brier for s in found) / len(found),
                sum(s.log for s in found) / len(found),
                len(found),
            )
            for name, found in means.items()
        ],
        calibration=maths.calibration(
            [
                ([p for _, p in daily[row.question.pk]], row.question.resolution == "yes")
                for row in rows
                if row.entente
            ]
        ),
        annulled=sum(q.resolution == "annulled" for q in chosen),
    )


def question_evidence(question: Question, limit: int = 12) -> list[Observation]:
    """The latest reports of the question's indicator in its window and the year before it,
    oldest first, for the chart: those that answered it are the window's, so they stay."""
    if question.indicator_id is None:
        return []
    latest = (
        Observation.objects.scorable()
        .filter(
            indicator_id=question.indicator_id,
            occurred_on__gte=question.opens - dt.timedelta(days=365),
            occurred_on__lte=question.closes,
        )
        .select_related("source", "originator", "stage")
        .order_by("-occurred_on", "-pk")[:limit]
    )
    return list(reversed(latest))
