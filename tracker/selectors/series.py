"""The assessment over time: the stored series, or one scored on demand.

Default views read the stored snapshots and never recompute. "As known on" a past date and
the minimum-grade filter are computed on demand from the observations' history with the
same method, and cached until any observation or catalogue entry changes. A relationship with
more observations than a page can score in about a second has them computed by a job
instead (`ViewPending` until it is done), so that no request, however many are sent, can
hold a web worker for the length of a recompute.
"""

import datetime as dt
import functools
import hashlib
import logging
from dataclasses import dataclass, fields

from django.core.cache import cache
from django.db import connection
from django.db.models import Max, Min
from kombu.exceptions import OperationalError as BrokerError

from tracker.clock import today_utc
from tracker.db import one_row
from tracker.jobs import enqueue_now
from tracker.models import (
    Alert,
    AnalystForecast,
    Category,
    Family,
    Indicator,
    Observation,
    Originator,
    Question,
    QuestionForecast,
    Relationship,
    Scenario,
    SharedEvent,
    Snapshot,
    Source,
    Stage,
)
from tracker.scoring import method
from tracker.scoring.compute import compute_series, day_fields
from tracker.scoring.inputs import (
    current_states,
    scoring_inputs,
    states_as_known_on,
)

logger = logging.getLogger(__name__)

CACHE_SECONDS = 24 * 3600
# Scoring on demand costs about 9 µs an observation (measured 2 Dec 2026 on 2 cores, SQLite:
# 0.21 s at 10k, 0.91 s at 100k); up to 50,000 a request does it itself (about half a
# second, with room for a busy machine), beyond that a job does.
INLINE_OBSERVATIONS = 50_000
ASK_SECONDS = 15 * 60  # a view asked for is not asked again for this long (its job runs)
# View jobs in flight at once, however many different views are asked for: each takes a
# worker for up to a recompute's length, and the queue is there for writes' recomputes too.
VIEW_JOB_SLOTS = 2
FAILED_SECONDS = 5 * 60  # a view whose job failed is said to have failed for this long
JOB = "tracker.tasks.compute_view"


class ViewPending(Exception):
    """A job is computing this view; ask again shortly."""


class ViewUnavailable(Exception):
    """The view cannot be computed now (the reason is the message); ask again later."""


@dataclass(frozen=True)
class Assessment:
    """The assessment on one day."""

    date: dt.date
    index: float
    low: float
    high: float
    band: str
    momentum: float
    odds: dict[str, float]
    coverage: float
    covered: int
    categories: dict[str, float]
    freshness: float
    families: dict[str, float]  # family slug to sub-index

    @property
    def momentum_label(self) -> str:
        return method.momentum_label(self.momentum)

    @property
    def sufficient(self) -> bool:
        """Enough of the catalogue has evidence for the band to be a verdict."""
        return self.coverage >= method.COVERAGE_MIN


ASSESSMENT_FIELDS = tuple(f.name for f in fields(Assessment))


@dataclass(frozen=True)
class Verdict(Assessment):
    """The latest assessment, with what a reader needs to weigh it."""

    band_name: str
    indicators: int
    method_version: str


def verdict_latest(relationship: Relationship) -> Verdict | None:
    snapshot = relationship.snapshots.order_by("-date").first()
    if snapshot is None:
        return None
    band = relationship.scenarios.filter(slug=snapshot.band).values_list("name", flat=True)
    return Verdict(
        **{name: getattr(snapshot, name) for name in ASSESSMENT_FIELDS},
        band_name=band.first() or snapshot.band,
        indicators=relationship.indicators.count(),
        method_version=snapshot.method_version,
    )


def index_series(
    relationship: Relationship,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    as_of: dt.date | None = None,
    min_grade: tuple[str, int] | None = None,
) -> list[Assessment]:
    """The daily series between `start` and `end`, optionally as known at the end of `as_of`
    and from observations of at least `min_grade` only."""
    if as_of is None and min_grade is None:
        snapshots = relationship.snapshots.order_by("date")
        if start:
            snapshots = snapshots.filter(date__gte=start)
        if end:
            snapshots = snapshots.filter(date__lte=end)
        return [Assessment(*row) for row in snapshots.values_list(*ASSESSMENT_FIELDS)]
    points = _computed_assessments(relationship, as_of, min_grade)
    return [p for p in points if (not start or p.date >= start) and (not end or p.date <= end)]


def series_bounds(relationship, *, as_of=None, min_grade=None) -> tuple[dt.date, dt.date] | None:
    """The first and last dates of the series (stored, or as known on / by grade)."""
    if as_of is None and min_grade is None:
        bounds = relationship.snapshots.aggregate(first=Min("date"), last=Max("date"))
        return (bounds["first"], bounds["last"]) if bounds["first"] else None
    points = _computed_assessments(relationship, as_of, min_grade)
    return (points[0].date, points[-1].date) if points else None


def assessment_on(relationship, day: dt.date, *, as_of=None, min_grade=None) -> Assessment | None:
    """The assessment on one day (the last one at or before it)."""
    found = index_series(relationship, end=day, start=day, as_of=as_of, min_grade=min_grade)
    return found[-1] if found else None


# Whose history stamps the data version: what is scored, and every name a page shows of it.
VERSIONED = (
    Observation,
    Indicator,
    Stage,
    Scenario,
    Family,
    Category,
    Source,
    Originator,
    SharedEvent,  # its title and description show beside each observation of it
)


def data_version() -> str:
    """Changes whenever an observation, the catalogue or a name a page shows of them (a
    source's, an originator's, a category's) changes: history is append-only. A source's
    refresh health is not part of it (not in its history), so that feeds polled every few
    minutes do not make every cached page new."""
    return "-".join(str(stamp or 0) for stamp in _stamps() or ())


@functools.cache
def _history_table(model) -> str:
    """The history table of `model`, looked up once: simple_history's `history` descriptor
    builds a new manager class on every access (a millisecond a page, asked for each model)."""
    return model.history.model._meta.db_table


def _aggregate(table: str, column: str, *, of: str = "MAX", where: str = "", params=()):
    """`of(column)` over `table` (rows matching `where`), as a subquery: (SQL, parameters)."""
    quote = connection.ops.quote_name
    condition = f" WHERE {where}" if where else ""
    return f"(SELECT {of}({quote(column)}) FROM {quote(table)}{condition})", list(params)


def _latest_history(model) -> tuple[str, list]:
    return _aggregate(_history_table(model), "history_id")


def _latest_of(model, owner: tuple[str, list]) -> tuple[str, list]:
    """The newest id of `model`'s rows of one relationship, whose id `owner` gives (SQL and
    parameters: a placeholder and the id, or a column of the outer query)."""
    where = f"{connection.ops.quote_name('relationship_id')} = {owner[0]}"
    return _aggregate(model._meta.db_table, "id", where=where, params=owner[1])


def _id_of(relationship: Relationship) -> tuple[str, list]:
    return "%s", [relationship.pk]


def _stamps(*first: tuple[str, list], outer: str = "", params=()) -> tuple | None:
    """The `first` subqueries (SQL and parameters) and the latest history id of each
    VERSIONED model, in one round trip; `outer` is a FROM clause the first may refer to
    (None when it finds no row)."""
    subqueries = [*first, *map(_latest_history, VERSIONED)]
    return one_row(  # prepared on PostgreSQL: every warm page asks it
        f"SELECT {', '.join(sql for sql, _ in subqueries)}{outer}",
        [*(p for _, values in subqueries for p in values), *params],
    )


def _computed_assessments(relationship, as_of, min_grade) -> list[Assessment]:
    key = _view_key(relationship, as_of, min_grade)
    points = cache.get(key)
    if points is not None:
        return points
    if scorable_inline(relationship):
        points = _compute_assessments(relationship, as_of, min_grade)
        cache.set(key, points, CACHE_SECONDS)
        return points
    if cache.get(f"{key}:failed"):
        raise ViewUnavailable("its job failed; the operators have the error")
    if cache.get(f"{key}:asked") is None:
        _ask(relationship, as_of, min_grade, key)
        points = cache.get(key)  # done already (eager jobs: tests, scripts)
        if points is not None:
            return points
    raise ViewPending(key)


def scorable_inline(relationship: Relationship) -> bool:
    """Few enough observations to score inside a request (INLINE_OBSERVATIONS)."""
    # Counted no further than the limit: every "as known on" request asks, and counting a
    # million observations took a tenth of a second on PostgreSQL. Unordered: a sliced
    # count keeps the model's ordering in its subquery, and sorting the rows before taking
    # 50,001 of them read every full row (250 ms at 1M on SQLite; from its index, 3 ms).
    observations = Observation.objects.filter(indicator__relationship=relationship).order_by()
    return observations.values("pk")[: INLINE_OBSERVATIONS + 1].count() <= INLINE_OBSERVATIONS


def _ask(relationship, as_of, min_grade, key) -> None:
    """Ask a job for the view, holding one of the few slots view jobs may take."""
    slot = next((n for n in range(VIEW_JOB_SLOTS) if cache.add(_slot(n), key, ASK_SECONDS)), None)
    if slot is None:  # the slots are taken, or the cache that holds them is unreachable
        raise ViewUnavailable("other views are being computed")
    if not cache.add(f"{key}:asked", slot, ASK_SECONDS):
        cache.delete(_slot(slot))
        if cache.get(f"{key}:asked") is None:  # the cache took the slot but not this
            raise ViewUnavailable("the cache is unavailable")
        return  # another request asked in between
    try:
        enqueue_now(
            JOB, relationship.pk, as_of.isoformat() if as_of else None, _grade(min_grade), key
        )
    except BrokerError:
        logger.warning("could not ask for %s: the broker is unreachable", key)
        cache.delete_many([f"{key}:asked", _slot(slot)])
        raise ViewUnavailable("the job queue is unreachable") from None


def view_compute(relationship_id: int, as_of: dt.date | None, min_grade, asked: str) -> str:
    """The job behind a `ViewPending`: compute the view into the cache, then free what the
    request that `asked` (its key) holds, whether it worked or not."""
    try:
        relationship = Relationship.objects.filter(pk=relationship_id).first()
        if relationship is None:
            return "no such relationship"
        key = _view_key(relationship, as_of, min_grade)
        if cache.get(key) is None:
            cache.set(key, _compute_assessments(relationship, as_of, min_grade), CACHE_SECONDS)
        return key
    except Exception:
        cache.set(f"{asked}:failed", True, FAILED_SECONDS)  # said on the page, not retried
        raise
    finally:
        slot = cache.get(f"{asked}:asked")
        cache.delete_many([f"{asked}:asked", *([_slot(slot)] if slot is not None else [])])


def _slot(n: int) -> str:
    return f"entente:view-job-slot:{n}"


def _view_key(relationship, as_of, min_grade) -> str:
    return (
        f"entente:series:{method.METHOD_VERSION}:{relationship.pk}:{as_of or 'now'}:"
        f"{_grade(min_grade) or 'all'}:{data_version()}"
    )


def _grade(min_grade: tuple[str, int] | None) -> str:
    """A minimum grade as written ("B2"; "" for none), as parse_min_grade reads it."""
    return "".join(map(str, min_grade)) if min_grade else ""


def _compute_assessments(relationship, as_of, min_grade) -> list[Assessment]:
    if as_of is None:
        states, end = current_states(relationship), None
    else:
        moment = dt.datetime.combine(as_of, dt.time.max, tzinfo=dt.UTC)
        states, end = states_as_known_on(relationship, moment), as_of
    states = [s for s in states if s.passes(min_grade)]
    end = end or relationship.snapshots.aggregate(last=Max("date"))["last"] or today_utc()
    return assessments_from(relationship, states, end)


def assessments_from(
    relationship, states, end: dt.date, version: str = method.METHOD_VERSION
) -> list[Assessment]:
    """The daily assessment scored from these observation states, up to `end`."""
    inputs = scoring_inputs(relationship)
    computed = compute_series(inputs, states, end, version)
    if computed is None:
        return []
    slugs = [s.slug for s in inputs.scenarios]
    return [
        Assessment(
            date=day,
            momentum=float(computed.momentum[n]),
            **day_fields(computed.aggregate, slugs, n),
        )
        for n, day in enumerate(computed.dates)
    ]


def snapshot_version(relationship: Relationship) -> int:
    """Changes when the stored series is rewritten (a refresh writes new rows)."""
    return relationship.snapshots.aggregate(last=Max("pk"))["last"] or 0


def series_version(relationship: Relationship) -> str:
    """Changes whenever the stored series or any observation or catalogue entry changes:
    a cache key part that needs no invalidation messages between processes."""
    return _series_text(_stamps(_latest_of(Snapshot, _id_of(relationship))))


def version_by_slug(
    model: type[Relationship | Indicator], slug: str | None, *, page: bool
) -> tuple[int, str] | None:
    """(relationship id, version) of the relationship or indicator (`model`) named `slug`
    (None: the first relationship), in one round trip with the lookup itself; None if there
    is none. What a warm cached answer needs, without loading the rows it names.

    The version is `series_version`'s, or with `page` the page version that whole rendered
    pages are keyed by: the series' and what a page shows beside the series that changes
    without it: the relationships watched, the alerts raised, the questions and their
    forecasts (Entente's are rewritten whole by each run, under new ids: ids are never
    reused, on PostgreSQL as on SQLite, where Django's keys are AUTOINCREMENT; analysts' have
    history), and the sources' refresh health."""
    quote = connection.ops.quote_name
    column = "id" if model is Relationship else "relationship_id"
    owner: tuple[str, list] = (f"{quote('owner')}.{quote(column)}", [])
    outer = f" FROM {quote(model._meta.db_table)} {quote('owner')}"
    if slug is None:
        outer, params = f"{outer} ORDER BY {quote('owner')}.{quote('id')} LIMIT 1", []
    else:
        outer, params = f"{outer} WHERE {quote('owner')}.{quote('slug')} = %s", [slug]
    first = _page_subqueries(owner) if page else [_latest_of(Snapshot, owner)]
    row = _stamps(owner, *first, outer=outer, params=params)
    if row is None:
        return None
    return row[0], (_page_text if page else _series_text)(row[1:])


def _page_subqueries(owner: tuple[str, list]) -> list[tuple[str, list]]:
    enabled = connection.ops.quote_name("enabled")
    return [
        _latest_of(Snapshot, owner),
        _latest_history(Relationship),
        _latest_history(Question),
        _latest_history(AnalystForecast),
        _latest_of(Alert, owner),
        _aggregate(QuestionForecast._meta.db_table, "id"),
        _aggregate(Source._meta.db_table, "last_fetched_at", where=enabled),
        _aggregate(Source._meta.db_table, "failures", of="SUM", where=enabled),
    ]


def _series_text(stamps) -> str:
    snapshot, *rest = stamps
    return f"{snapshot or 0}-{'-'.join(str(stamp or 0) for stamp in rest)}"


def _page_text(stamps) -> str:
    text = "-".join(str(stamp or 0) for stamp in stamps)
    return hashlib.sha256(text.encode()).hexdigest()[:16]  # timestamps hold spaces
