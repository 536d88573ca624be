"""The read-only JSON API (CSV with ?format=csv), with its OpenAPI schema at /api/openapi.json
and its interactive docs (Swagger UI) at /api/docs.

django-ninja: the endpoints are typed functions, the schema comes from the types, and it is
a small dependency (DRF's serializers, viewsets and browsable API would be unused weight
for five read-only endpoints). Bad parameters answer 400 with a message naming the parameter.
"""

import csv
import datetime as dt
import io
from typing import Annotated, Literal

import orjson
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from ninja import NinjaAPI, Query, Schema, Swagger
from ninja.errors import HttpError, ValidationError
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from dashboard import fragments
from dashboard.access import can_read, readable
from dashboard.filters import ISO_DATE
from tracker.clock import today_utc
from tracker.dates import out_of_range
from tracker.forecasts import records
from tracker.models import Indicator, Observation, Question, Relationship
from tracker.scoring import method
from tracker.scoring.inputs import parse_min_grade
from tracker.selectors.indicators import latest_readings
from tracker.selectors.series import ViewPending, ViewUnavailable, index_series, version_by_slug
from tracker.selectors.staleness import stale_indicators
from tracker.spreadsheets import spreadsheet_safe

Format = Literal["json", "csv"]
MAX_OBSERVATIONS = 10_000
MAX_OFFSET = 10**9  # beyond any catalogue; bigger numbers overflow the databases' integers


def _written_as_iso(value: object) -> object:
    """A date is YYYY-MM-DD in ASCII digits, as the schema's `format: date` says: pydantic
    alone would read "0" as 1970-01-01 (a Unix time) and "2024-01-01T00:00" as a date."""
    if isinstance(value, str) and not ISO_DATE.fullmatch(value):
        raise PydanticCustomError(
            "date_format", "write the date as YYYY-MM-DD, not {text}", {"text": repr(value)}
        )
    return value


Day = Annotated[dt.date, BeforeValidator(_written_as_iso)]


def reader(request):
    """The API reads as the pages do (dashboard.access), with the session's user."""
    return can_read(request.user)


class Docs(Swagger):
    """Swagger UI from django-ninja's own static files (no CDN), in a page of ours: its
    scripts are files of this site (as the CSP asks), the settings travel as a JSON data
    block (not run), and a stylesheet of ours gives its text enough contrast."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: object) -> HttpResponse:
        settings = self.settings | {"url": self.get_openapi_url(api, kwargs)}
        return render(request, "dashboard/api_docs.html", {"api": api, "settings": settings})


api = NinjaAPI(
    title="Entente API",
    version="1.0.0",
    description="Read-only: relationships, the alignment index series, indicators, observations.",
    auth=reader,
    # No deep links: Swagger UI puts each as a link inside its operation's button (nested
    # interactive controls, which assistive technology cannot tell apart); no validator badge.
    docs=Docs(settings={"deepLinking": False, "validatorUrl": None}),
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=readable,  # the schema and its docs are as private as the dashboard
)


@api.exception_handler(ValidationError)
def bad_parameters(request, error: ValidationError):
    problems = [
        f"{'.'.join(str(part) for part in e['loc'][1:]) or e['loc'][0]}: {e['msg']}"
        for e in error.errors
    ]
    return api.create_response(request, {"detail": "; ".join(problems)}, status=400)


class ErrorOut(Schema):
    """Why the request was refused: a bad parameter is named first ("from: ...")."""

    detail: str


# Every operation can refuse a bad parameter (400) and, on a private dashboard, an anonymous
# caller (401); each lists these beside its own answers, so the schema says all it can send.
REFUSALS = {400: ErrorOut, 401: ErrorOut}
NOT_FOUND = {404: ErrorOut}
# "As known on" and the grade filter on a relationship too large to score inside a request:
# a job computes it (once, however many ask) and the caller asks again after Retry-After.
PENDING = {202: ErrorOut, 503: ErrorOut}
RETRY_AFTER_SECONDS, UNAVAILABLE_RETRY_AFTER_SECONDS = 10, 60
# Beside the JSON: `?format=csv` answers the same 200 as a CSV download, and a NUL character
# in any parameter is refused in plain text before the API sees it (dashboard.middleware).
OTHER_MEDIA = {
    "responses": {
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        400: {"content": {"text/plain": {"schema": {"type": "string"}}}},
    }
}


def bad(parameter: str, message: str) -> HttpError:
    return HttpError(400, f"{parameter}: {message}")


def _ask_again(request, status: int, detail: str, seconds: int) -> HttpResponse:
    response = api.create_response(
        request, {"detail": f"{detail}; ask again after Retry-After seconds."}, status=status
    )
    response["Retry-After"] = str(seconds)
    return response


def as_csv(rows: list[dict], filename: str) -> HttpResponse:
    """Rows as a CSV download (nested values flattened as key.subkey columns)."""
    return csv_download(csv_text(rows), filename)


def csv_text(rows: list[dict]) -> str:
    flat = [{k: spreadsheet_safe(v) for k, v in _flatten(row).items()} for row in rows]
    columns = list(dict.fromkeys(key for row in flat for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(flat)
    return buffer.getvalue()


def csv_download(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _flatten(row: dict, prefix: str = "") -> dict:
    flat: dict[str, object] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            flat |= _flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


class RelationshipOut(Schema):
    slug: str
    title: str
    question: str
    actors: list[str]


class AssessmentOut(Schema):
    date: dt.date
    index: float
    low: float
    high: float
    band: str
    momentum: float
    momentum_label: str
    odds: dict[str, float]
    coverage: float


class IndexOut(Schema):
    relationship: str
    method_version: str
    latest: AssessmentOut | None
    series: list[AssessmentOut]


class ColumnsOut(Schema):
    """The series as columns: element n of each list is day n (a tenth of the rows' size)."""

    date: list[dt.date]
    index: list[float]
    low: list[float]
    high: list[float]
    band: list[str]
    momentum: list[float]
    momentum_label: list[str]
    odds: dict[str, list[float]]
    coverage: list[float]


class IndexColumnsOut(Schema):
    relationship: str
    method_version: str
    latest: AssessmentOut | None
    columns: ColumnsOut


class IndicatorOut(Schema):
    slug: str
    relationship: str
    name: str
    category: str
    family: str | None
    kind: str
    polarity: int
    weight: float
    latest_signal: float | None
    stale: bool


class ObservationOut(Schema):
    id: int
    relationship: str
    indicator: str
    occurred_on: dt.date
    precision: str
    recorded_at: dt.datetime
    magnitude: float | None
    value: float | None
    stage: str | None
    summary: str
    source: str
    url: str
    originator: str
    reliability: str
    credibility: int
    caveat: str
    status: str
    shared_event: str | None


@api.get(
    "/relationships/",
    response={200: list[RelationshipOut], **REFUSALS},
    summary="Watched relationships",
    openapi_extra=OTHER_MEDIA,
)
def relationships(request, format: Format = "json"):
    rows = [
        {"slug": r.slug, "title": r.title, "question": r.question, "actors": [r.actor_a, r.actor_b]}
        for r in Relationship.objects.order_by("title")
    ]
    return as_csv(rows, "relationships") if format == "csv" else rows


def _point(point) -> dict:
    return {
        "date": point.date,
        "index": round(point.index, 4),
        "low": round(point.low, 4),
        "high": round(point.high, 4),
        "band": point.band,
        "momentum": round(point.momentum, 4),
        "momentum_label": point.momentum_label,
        "odds": {slug: round(p, 6) for slug, p in point.odds.items()},
        "coverage": round(point.coverage, 4),
    }


def check_dates(dates: dict[str, dt.date | None]) -> None:
    """400, naming the parameter, for a date outside those Entente accepts (tracker.dates)."""
    today = today_utc()
    for name, day in dates.items():
        if day is not None and (problem := out_of_range(day, today)):
            raise bad(name, problem)


@api.get(
    "/relationships/{slug}/index",
    response={200: IndexOut | IndexColumnsOut, **PENDING, **REFUSALS, **NOT_FOUND},
    summary="The alignment index series",
    openapi_extra={
        "responses": {
            **OTHER_MEDIA["responses"],
            **{
                status: {
                    "headers": {
                        "Retry-After": {
                            "description": "Seconds to wait before asking again.",
                            "schema": {"type": "string"},
                        }
                    }
                }
                for status in (202, 503)
            },
        }
    },
)
def index(
    request,
    slug: str,
    date_from: Day | None = Query(None, alias="from"),
    date_to: Day | None = Query(None, alias="to"),
    as_of: Day | None = None,
    min_grade: str = "",
    format: Format = "json",
    shape: Literal["rows", "columns"] = "rows",
):
    """The daily series from `from` to `to`, optionally as known on `as_of` and from
    observations of at least `min_grade` (e.g. B2) only: a list of days (`shape=rows`), or
    one list per field (`shape=columns`, the compact form; JSON only)."""
    known = version_by_slug(Relationship, slug, page=False)  # a warm answer reads no row
    if known is None:
        raise Http404("No such relationship.")
    relationship_id, version = known
    check_dates({"from": date_from, "to": date_to, "as_of": as_of})
    if date_from and date_to and date_from > date_to:
        raise bad("from", "the range starts after it ends")
    if as_of and as_of > today_utc():
        raise bad("as_of", f"{as_of} is in the future")
    try:
        grade = parse_min_grade(min_grade)
    except ValueError as error:
        raise bad("min_grade", str(error)) from None
    if format == "csv" and shape == "columns":
        raise bad("shape", "a CSV is rows; ask for columns as JSON")
    # The answer depends only on the data version and the parameters: made once per version.
    view = (slug, date_from, date_to, as_of, min_grade, format, shape)
    key = fragments.key("api-index", version, *view)

    def body() -> dict:
        relationship = Relationship.objects.get(pk=relationship_id)
        return _index_body(relationship, date_from, date_to, as_of, grade, format, shape)

    try:
        found = fragments.cached(key, body)
    except ViewPending:
        return _ask_again(request, 202, "This view is being computed", RETRY_AFTER_SECONDS)
    except ViewUnavailable as error:
        detail = f"This view cannot be computed just now: {error}"
        return _ask_again(request, 503, detail, UNAVAILABLE_RETRY_AFTER_SECONDS)
    if format == "json":  # gzipped once per version, not on every answer
        return fragments.json_response(request, found, immutable=False)
    return csv_download(found["body"], f"{slug}-index")


def _index_body(relationship, date_from, date_to, as_of, grade, format, shape) -> dict:
    points = index_series(relationship, start=date_from, end=date_to, as_of=as_of, min_grade=grade)
    series = [_point(p) for p in points]
    if format == "csv":
        return {"body": csv_text(series)}
    head = {
        "relationship": relationship.slug,
        "method_version": method.METHOD_VERSION,
        "latest": series[-1] if series else None,
    }
    if shape == "columns":
        scenarios = relationship.scenarios.order_by("lower").values_list("slug", flat=True)
        head["columns"] = _columns(series, list(scenarios))
    else:
        head["series"] = series
    # Thousands of points: serialised directly rather than validated one by one against the
    # schema (which documents the shape; the tests check the two agree).
    return fragments.encoded(orjson.dumps(head))


def _columns(series: list[dict], scenarios: list[str]) -> dict:
    fields = ("date", "index", "low", "high", "band", "momentum", "momentum_label", "coverage")
    columns: dict = {field: [point[field] for point in series] for field in fields}
    columns["odds"] = {
        slug: [point["odds"].get(slug, 0.0) for point in series] for slug in scenarios
    }
    return columns


@api.get(
    "/indicators/",
    response={200: list[IndicatorOut], **REFUSALS},
    summary="The indicator catalogue",
    openapi_extra=OTHER_MEDIA,
)
def indicators(request, relationship: str = "", format: Format = "json"):
    """The catalogue (of one relationship with `relationship`, or at
    /relationships/{slug}/indicators)."""
    found = Indicator.objects.select_related("category", "family", "relationship").order_by(
        "relationship__title", "category__order", "name"
    )
    watched = Relationship.objects.all()
    if relationship:
        watched = watched.filter(slug=relationship)
        if not watched.exists():
            raise bad("relationship", f"there is no relationship {relationship!r}")
        found = found.filter(relationship__slug=relationship)
    stale = {s.indicator.pk for r in watched for s in stale_indicators(r)}
    readings = latest_readings(found)
    rows = [
        {
            "slug": i.slug,
            "relationship": i.relationship.slug,
            "name": i.name,
            "category": i.category.slug,
            "family": i.family.slug if i.family else None,
            "kind": i.kind,
            "polarity": i.polarity,
            "weight": i.weight,
            "latest_signal": readings.get(i.pk),
            "stale": i.pk in stale,
        }
        for i in found
    ]
    name = f"{relationship}-indicators" if relationship else "indicators"
    return as_csv(rows, name) if format == "csv" else rows


@api.get(
    "/observations/",
    response={200: list[ObservationOut], **REFUSALS},
    summary="Observations",
    openapi_extra=OTHER_MEDIA,
)
def observations(
    request,
    relationship: str = "",
    indicator: str = "",
    since: Day | None = None,
    until: Day | None = None,
    limit: int = Query(1000, ge=1, le=MAX_OBSERVATIONS),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    format: Format = "json",
):
    """Observations, retracted ones included (see `status`), oldest first; page with
    `limit` and `offset`; of one relationship with `relationship` (or at
    /relationships/{slug}/observations), of one indicator with `indicator`."""
    found = Observation.objects.select_related(
        "indicator__relationship", "source", "originator", "stage", "shared_event"
    ).order_by("occurred_on", "pk")
    if relationship:
        if not Relationship.objects.filter(slug=relationship).exists():
            raise bad("relationship", f"there is no relationship {relationship!r}")
        found = found.filter(indicator__relationship__slug=relationship)
    if indicator:
        if not Indicator.objects.filter(slug=indicator).exists():
            raise bad("indicator", f"there is no indicator {indicator!r}")
        found = found.filter(indicator__slug=indicator)
    check_dates({"since": since, "until": until})
    if since and until and since > until:
        raise bad("since", "the range starts after it ends")
    if since:
        found = found.filter(occurred_on__gte=since)
    if until:
        found = found.filter(occurred_on__lte=until)
    rows = [
        {
            "id": o.pk,
            "relationship": o.indicator.relationship.slug,
            "indicator": o.indicator.slug,
            "occurred_on": o.occurred_on,
            "precision": o.precision,
            "recorded_at": o.recorded_at,
            "magnitude": o.magnitude,
            "value": o.value,
            "stage": o.stage.name if o.stage_id else None,
            "summary": o.summary,
            "source": o.source.name,
            "url": o.url,
            "originator": o.originator.name,
            "reliability": o.reliability,
            "credibility": o.credibility,
            "caveat": o.caveat,
            "status": o.status,
            "shared_event": o.shared_event.slug if o.shared_event_id else None,
        }
        for o in found[offset : offset + limit]
    ]
    name = f"{relationship}-observations" if relationship else "observations"
    return as_csv(rows, name) if format == "csv" else rows


class ScoreOut(Schema):
    forecaster: str
    brier: float
    log: float
    days: int


class QuestionOut(Schema):
    slug: str
    relationship: str
    title: str
    criteria: str
    opens: dt.date
    closes: dt.date
    rule: str
    indicator: str | None
    resolution: str
    resolved_on: dt.date | None
    resolved_by_rule: bool
    probability: float | None
    trend_30_days: float | None
    scores: list[ScoreOut]


class ForecastOut(Schema):
    date: dt.date
    probability: float
    method_version: str


@api.get(
    "/questions/",
    response={200: list[QuestionOut], **REFUSALS},
    summary="Forecast questions, Entente's latest probability, resolutions and scores",
    openapi_extra=OTHER_MEDIA,
    url_name="questions",
)
def questions(request, relationship: str = "", format: Format = "json"):
    """Every question (of one relationship with `relationship`): open ones with Entente's
    latest probability and its 30-day change, resolved ones with each forecaster's mean
    Brier and log scores over the days the question was open (CSV: one row per question,
    a column per forecaster and score: scores.Entente.brier, scores.Base rate.log, ...)."""
    chosen = None
    if relationship:
        chosen = Relationship.objects.filter(slug=relationship).first()
        if chosen is None:
            raise bad("relationship", f"there is no relationship {relationship!r}")
    record = records.track_record(chosen)
    rows = [
        {
            "slug": row.question.slug,
            "relationship": row.question.relationship.slug,
            "title": row.question.title,
            "criteria": row.question.criteria,
            "opens": row.question.opens,
            "closes": row.question.closes,
            "rule": row.question.rule,
            "indicator": row.question.indicator.slug if row.question.indicator else None,
            "resolution": row.question.resolution,
            "resolved_on": row.question.resolved_on,
            "resolved_by_rule": row.question.resolved_by_id is None,
            "probability": row.probability,
            "trend_30_days": row.trend,
            "scores": [
                {"forecaster": s.forecaster, "brier": s.brier, "log": s.log, "days": s.days}
                for s in row.scores
            ],
        }
        for row in record.questions
    ]
    if format == "csv":
        name = f"{relationship}-questions" if relationship else "questions"
        return as_csv([_scores_by_forecaster(row) for row in rows], name)
    return rows


# Every list also under its relationship's path: /relationships/{slug}/indicators is
# /indicators/?relationship={slug}, and so on (one implementation, so the two cannot differ).
def _known(slug: str) -> str:
    get_object_or_404(Relationship, slug=slug)
    return slug


@api.get(
    "/relationships/{slug}/indicators",
    response={200: list[IndicatorOut], **REFUSALS, **NOT_FOUND},
    summary="One relationship's indicator catalogue",
    openapi_extra=OTHER_MEDIA,
)
def relationship_indicators(request, slug: str, format: Format = "json"):
    return indicators(request, relationship=_known(slug), format=format)


@api.get(
    "/relationships/{slug}/observations",
    response={200: list[ObservationOut], **REFUSALS, **NOT_FOUND},
    summary="One relationship's observations",
    openapi_extra=OTHER_MEDIA,
)
def relationship_observations(
    request,
    slug: str,
    indicator: str = "",
    since: Day | None = None,
    until: Day | None = None,
    limit: int = Query(1000, ge=1, le=MAX_OBSERVATIONS),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    format: Format = "json",
):
    return observations(
        request,
        relationship=_known(slug),
        indicator=indicator,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
        format=format,
    )


@api.get(
    "/relationships/{slug}/questions",
    response={200: list[QuestionOut], **REFUSALS, **NOT_FOUND},
    summary="One relationship's forecast questions",
    openapi_extra=OTHER_MEDIA,
)
def relationship_questions(request, slug: str, format: Format = "json"):
    return questions(request, relationship=_known(slug), format=format)


def _scores_by_forecaster(row: dict) -> dict:
    """A question's row with its scores keyed by forecaster, for one CSV column each."""
    scores = {
        ("Base rate" if s["forecaster"].startswith("Base rate") else s["forecaster"]): {
            "brier": s["brier"],
            "log": s["log"],
            "days": s["days"],
        }
        for s in row["scores"]
    }
    return {**row, "scores": scores}


@api.get(
    "/questions/{slug}/forecasts",
    response={200: list[ForecastOut], **REFUSALS, **NOT_FOUND},
    summary="Entente's daily forecasts for one question",
    openapi_extra=OTHER_MEDIA,
    url_name="question_forecasts",
)
def question_forecasts(request, slug: str, format: Format = "json"):
    """Entente's probability for the question on each day it was open, from what it knew
    that day (methodology §12)."""
    question = get_object_or_404(Question, slug=slug)
    days = question.forecasts.order_by("date")
    rows = [dict(row) for row in days.values("date", "probability", "method_version")]
    return as_csv(rows, f"{slug}-forecasts") if format == "csv" else rows
