"""The read side: overview, indicator pages, methodology; plus the analysts' inline form.

Every view renders its whole page, or only the page's `content` partial when htmx asks for
it, so each URL works, bookmarks and tests without JavaScript. Pages read stored snapshots
(or, for "as known on" and the grade filter, cached on-demand series): they never rescore.
"""

import datetime as dt
import functools
import time
from collections.abc import Callable

import markdown
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import push_url

from dashboard import charts, fragments, pages
from dashboard.access import CORRECT, RECORD, allowed, readable
from dashboard.api import MAX_OBSERVATIONS
from dashboard.context_processors import several_relationships
from dashboard.filters import FILTER_PARAMS, PERIODS, FilterError, Filters
from dashboard.forms import CorrectionForm, InlineObservationForm, ReasonForm, show_refusal
from dashboard.htmx import HtmxHttpRequest
from tracker.alerts import latest_alerts
from tracker.clock import today_utc
from tracker.forecasts.records import open_questions
from tracker.models import (
    Category,
    Indicator,
    Observation,
    Relationship,
    Source,
)
from tracker.observations import services
from tracker.parsing import whole_number
from tracker.scoring import method
from tracker.selectors.evidence import chart_reports, key_events, latest_evidence, said_by
from tracker.selectors.grounds import verdict_grounds
from tracker.selectors.indicators import (
    attach_shared,
    indicator_history,
    indicator_observations,
    indicator_readings,
    latest_readings,
)
from tracker.selectors.movement import contributions_between
from tracker.selectors.sensitivity import verdict_sensitivity
from tracker.selectors.series import (
    ViewPending,
    ViewUnavailable,
    assessment_on,
    index_series,
    scorable_inline,
    series_bounds,
    series_version,
    snapshot_version,
    verdict_latest,
    version_by_slug,
)
from tracker.selectors.staleness import stale_indicators


def render_page(
    request: HtmxHttpRequest,
    template: str,
    context: dict,
    *,
    status: int = 200,
    filters: Filters | None = None,
) -> HttpResponse:
    """The whole page, or just its content partial for htmx (but not for a history restore,
    which needs the whole page back). With `filters`, an htmx swap also puts the view's
    canonical URL in the address bar, so that it can be bookmarked, shared and gone back to."""
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(
        request, f"{template}#content" if partial else template, context, status=status
    )
    if partial and filters is not None:
        query = filters.query()
        push_url(response, f"{request.path}?{query}" if query else request.path)
    return response


def bad_request(request: HtmxHttpRequest, error: FilterError) -> HttpResponse:
    return render(request, "dashboard/bad_request.html", {"error": error}, status=400)


def _relationship(slug: str | None) -> Relationship:
    relationships = Relationship.objects.order_by("pk")
    relationship = relationships.filter(slug=slug).first() if slug else relationships.first()
    if relationship is None:
        raise Http404("No such relationship.")
    return relationship


@require_GET
@readable
def overview(request: HtmxHttpRequest, slug: str | None = None) -> HttpResponse:
    """Where the relationship stands, which way it moves, how sure, and on what evidence."""
    found = version_by_slug(Relationship, slug, page=True)  # a warm page needs nothing else
    if found is None and slug is None:
        return render(request, "dashboard/empty.html")
    if found is None:
        raise Http404("No such relationship.")
    relationship_id, version = found

    # The filters are read in `build`: a refused view is never stored (only a 200 is), so a
    # page from the cache was a valid view of this version today, and a warm one asks
    # nothing more (a category's lookup was a second query).
    def build(extra: dict) -> HttpResponse:
        try:
            filters = Filters.from_query(request.GET, today=today_utc())
        except FilterError as error:
            return bad_request(request, error)
        relationship = Relationship.objects.get(pk=relationship_id)
        context = overview_context(relationship, filters, request.path)
        response = render_page(request, "dashboard/overview.html", context | extra, filters=filters)
        # A view still being computed (or that cannot be) is asked again: never stored.
        response.uncached = bool(context.get("pending") or context.get("unavailable"))  # type: ignore[attr-defined]
        return response

    return pages.cached_page(request, version, build, params=FILTER_PARAMS)


ASSESSMENT_PARTS = ("assessment", "stale")


def overview_context(relationship: Relationship, filters: Filters, path: str) -> dict:
    """The page's frame, its assessment (rendered once per data version and view, see
    dashboard.fragments) and what changes without the data (alerts, forecasts, sources)."""
    context = overview_assessed(relationship, filters, path)
    if context.get("parts"):
        context |= {
            "alerts": latest_alerts(relationship, known_on=filters.as_of),
            # Today's forecasts: an "as known on" view does not replay them (the questions
            # page shows each question's forecasts day by day).
            "questions": open_questions(relationship) if filters.as_of is None else [],
            **_source_health(),
        }
    return context


def overview_assessed(relationship: Relationship, filters: Filters, path: str) -> dict:
    """The page's frame and its assessment, from the cache when this view of this data
    version was rendered before (the recompute job warms the default view with this)."""
    version = series_version(relationship)
    context = {
        "relationship": relationship,
        "relationships": Relationship.objects.order_by("title"),
        "filters": filters,
        "path": path,
        "version": version,
        "scenarios": list(relationship.scenarios.order_by("lower")),
        "categories": _categories(relationship),
        "periods": list(PERIODS),
        "grades": ["", "A1", "B2", "C3", "D4"],
        "coverage_min": method.COVERAGE_MIN,
    }
    key = fragments.key("overview", version, relationship.pk, path, filters.query())
    return context | fragments.cached(key, lambda: _assessment(relationship, filters, context))


def _categories(relationship: Relationship) -> list[Category]:
    """The categories of the relationship's indicators, in their order."""
    return list(
        Category.objects.filter(indicators__relationship=relationship).distinct().order_by("order")
    )


def _assessment(relationship: Relationship, filters: Filters, frame: dict) -> dict:
    """The assessment's parts rendered, or the state that stands in for them."""
    series = {"as_of": filters.as_of, "min_grade": filters.grade}
    try:
        context = _assessed_context(relationship, filters, series, frame["scenarios"], dict(frame))
    except ViewPending:  # a job is scoring this view; the page asks again until it is there
        return {"pending": True, "uncached": True}
    except ViewUnavailable as error:
        return {"unavailable": str(error), "uncached": True}
    if not context.get("verdict"):
        return {"empty_window": context.get("empty_window")}
    return {"parts": fragments.render("dashboard/overview.html", ASSESSMENT_PARTS, context)}


def _window(relationship, filters, series) -> tuple[dt.date, dt.date] | None:
    """The dates the view shows (may be empty: start after end), or None with no series."""
    bounds = series_bounds(relationship, **series)
    return None if bounds is None else filters.window(*bounds)


def _assessed_context(relationship, filters, series, scenarios, context) -> dict:
    window = _window(relationship, filters, series)
    if window is None:
        return context
    start, end = window
    if start > end:
        return context | {"empty_window": (start, end)}
    moved_from, moved_to = filters.moved(end)
    verdict = assessment_on(relationship, end, **series)
    grounds = verdict and verdict_grounds(relationship, verdict, known_on=filters.as_of)
    stale = stale_indicators(relationship, known_on=filters.as_of)
    band_names = {s.slug: s.name for s in scenarios}
    context |= {
        "verdict": verdict,
        "grounds": grounds,
        "robustness": _robustness(relationship, verdict, grounds, series, band_names, context),
        "stale_count": len(stale),
        "band_names": band_names,
        "window": (start, end),
        "figures_url": _figures_url(relationship, filters, context["version"]),
        # As known on the as-of date, when there is one: nothing recorded later shows.
        "evidence": latest_evidence(
            relationship, category=filters.category, until=end, limit=10, known_on=filters.as_of
        ),
        "stale": [
            s
            for s in stale
            if filters.category is None or s.indicator.category_id == filters.category.pk
        ],
        "movement": _movement(relationship, filters, moved_from, moved_to),
        "moved": (moved_from, moved_to),
        "indicator_total": relationship.indicators.count(),
    }
    return context


def _robustness(relationship, verdict, grounds, series, band_names, context):
    """The card's line on how robust its band is (headline, detail), where it has a band."""
    if verdict is None or not grounds.sufficient:
        return None
    names = {c.slug: c.name for c in context["categories"]}
    found = verdict_sensitivity(relationship, verdict.date, **series, category_names=names)
    return (found.headline(), found.detail(band_names)) if found else None


def _figures_url(relationship: Relationship, filters: Filters, version: str) -> str:
    """Where the page's charts come from: their view, and the data version that makes the
    answer immutable (a page rendered for another version asks for it, and gets today's)."""
    query = _figures_view(filters)
    path = reverse("dashboard:overview-figures", args=[relationship.slug])
    return f"{path}?{query}&v={version}" if query else f"{path}?v={version}"


def _figures_view(filters: Filters) -> str:
    return filters.query(moved_from=None, moved_to=None)  # "what moved" draws no chart


@require_GET
@readable
def overview_figures(request: HttpRequest, slug: str) -> HttpResponse:
    """The overview's three figures as one JSON object (the page's charts fetch it): built
    and gzipped once per data version and view, and kept by the browser for as long as the
    URL names the current version."""
    known = version_by_slug(Relationship, slug, page=False)
    if known is None:
        raise Http404("No such relationship.")
    relationship_id, version = known
    try:
        filters = Filters.from_query(request.GET, today=today_utc())
    except FilterError as error:
        return JsonResponse({"detail": str(error)}, status=400)
    load = functools.partial(Relationship.objects.get, pk=relationship_id)
    found = figures_cached(relationship_id, filters, version, load)
    if found.get("uncached"):
        return JsonResponse({"detail": found["detail"]}, status=503, headers={"Retry-After": "10"})
    return fragments.json_response(request, found, immutable=request.GET.get("v") == version)


def figures_cached(
    relationship_id: int, filters: Filters, version: str, load: Callable[[], Relationship]
) -> dict:
    """The overview's figures for this view and version; `load` gives the relationship when
    they must be drawn (a warm answer reads no row)."""
    key = fragments.key("overview-figures", version, relationship_id, _figures_view(filters))
    return fragments.cached(key, lambda: _figures_body(load(), filters))


def _figures_body(relationship: Relationship, filters: Filters) -> dict:
    series = {"as_of": filters.as_of, "min_grade": filters.grade}
    scenarios = list(relationship.scenarios.order_by("lower"))
    categories = _categories(relationship)
    try:
        window = _window(relationship, filters, series)
        if window is None or window[0] > window[1]:
            return fragments.encoded("{}")
        drawn = _overview_figures(relationship, filters, window, scenarios, categories)
    except (ViewPending, ViewUnavailable) as error:
        return {"uncached": True, "detail": str(error) or "this view is being computed"}
    return fragments.encoded("{" + ",".join(f'"{k}":{v}' for k, v in drawn.items()) + "}")


def _overview_figures(relationship, filters, window, scenarios, categories) -> dict[str, str]:
    """The three figures as JSON, by the name of the element that draws each."""
    start, end = window
    shown = index_series(
        relationship, start=start, end=end, as_of=filters.as_of, min_grade=filters.grade
    )
    events = [
        {
            "date": e.observation.occurred_on.isoformat(),
            "y": _value_on(shown, e.observation.occurred_on, filters.category),
            "text": f"{e.observation.occurred_label} · "
            f"{charts.plain(e.observation.indicator.name)}<br>"
            f"{charts.plain(e.observation.summary[:140])}<br>"
            f"{charts.plain(said_by(e.observation.originator.name, e.observation.source.name))}"
            f" · {e.observation.grade}",
        }
        for e in key_events(
            relationship, start, end, category=filters.category, known_on=filters.as_of
        )
    ]
    return {
        "figure-index": charts.figure_json(
            charts.index_figure(shown, scenarios, events, category=filters.category)
        ),
        "figure-odds": charts.figure_json(charts.odds_figure(shown, scenarios)),
        "figure-categories": charts.figure_json(charts.categories_figure(shown, categories)),
    }


def _value_on(points, day, category):
    for point in reversed(points):
        if point.date <= day:
            return round(point.categories[category.slug] if category else point.index, 2)
    return None


def _source_health() -> dict[str, list[Source]]:
    """Enabled sources whose last refresh failed, and those it read with a warning (a
    damaged feed whose complete entries were kept), in one query."""
    sources = list(
        Source.objects.filter(Q(failures__gt=0) | ~Q(last_warning=""), enabled=True).order_by(
            "name"
        )
    )
    return {
        "failing": [source for source in sources if source.failing],
        "damaged": [source for source in sources if not source.failing],
    }


def _movement(relationship, filters, moved_from, moved_to):
    """What moved, as known on the as-of date when there is one, and the relationship is
    small enough to score inside the request; else as known today (the page says so)."""
    known_on = filters.as_of
    if known_on is not None and not scorable_inline(relationship):
        known_on = None
    movement = contributions_between(relationship, moved_from, moved_to, known_on=known_on)
    if movement is not None:
        movement.as_known_today = known_on is None
    if movement is not None and filters.category is not None:
        movement.moves = [
            m for m in movement.moves if m.indicator.category_id == filters.category.pk
        ]
    return movement


@require_GET
@readable
def indicator(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """One indicator: its series for its kind, every observation, its history."""
    found = version_by_slug(Indicator, slug, page=True)  # a warm page needs nothing else
    if found is None:
        raise Http404("No such indicator.")

    def build(extra: dict) -> HttpResponse:  # the filters read here, as the overview's
        try:
            filters = Filters.from_query(request.GET, today=today_utc())
        except FilterError as error:
            return bad_request(request, error)
        indicator = Indicator.objects.select_related("category", "relationship").get(slug=slug)
        form = _blank_form(request, indicator)
        context = indicator_context(request, indicator, filters, form=form)
        return render_page(request, "dashboard/indicator.html", context | extra, filters=filters)

    return pages.cached_page(request, found[1], build, params=FILTER_PARAMS | {"page"})


def indicator_context(
    request: HtmxHttpRequest,
    indicator: Indicator,
    filters: Filters,
    *,
    form: InlineObservationForm | None = None,
    editing: Observation | None = None,
) -> dict:
    relationship = indicator.relationship
    observations = indicator_observations(indicator)
    page = Paginator(observations, 25).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    attach_shared(page.object_list)
    version = series_version(relationship)
    drawn = _indicator_drawn(indicator.slug, filters, version, lambda: indicator)
    return {
        "relationship": relationship,
        "indicator": indicator,
        "filters": filters,
        "periods": list(PERIODS),
        "verdict": verdict_latest(relationship),
        "figure": drawn["figure"] is not None,  # drawn from figure_url, its own answer
        "figure_url": _indicator_figure_url(indicator, filters, version),
        "latest_reading": drawn["latest_reading"],
        "page": page,
        "observations_csv": reverse("api-1.0.0:observations")
        + f"?indicator={indicator.slug}&format=csv&limit={MAX_OBSERVATIONS}",
        "csv_limit": MAX_OBSERVATIONS,
        "history": indicator_history(indicator),
        "questions": open_questions(relationship, indicator=indicator),
        "form": form,
        "editing": editing,
        "can_record": request.user.has_perm(RECORD),
        "can_correct": request.user.has_perm(CORRECT),
    }


def _indicator_drawn(
    slug: str, filters: Filters, version: str, load: Callable[[], Indicator]
) -> dict:
    """The chart and the reading now depend only on the data and the view: once per version
    (`load` gives the indicator when they must be drawn)."""
    key = fragments.key("indicator", version, slug, filters.query())
    return fragments.cached(key, lambda: _indicator_drawing(load(), filters))


def _indicator_figure_url(indicator: Indicator, filters: Filters, version: str) -> str:
    """Where the page's chart comes from, naming the data version (as the overview's)."""
    path = reverse("dashboard:indicator-figure", args=[indicator.slug])
    query = filters.query()
    return f"{path}?{query}&v={version}" if query else f"{path}?v={version}"


@require_GET
@readable
def indicator_figure(request: HttpRequest, slug: str) -> HttpResponse:
    """An indicator's chart as its own JSON answer: built and compressed once per data
    version and view, kept by the browser while the URL names the current version; the page
    itself then carries no chart (an indicator's was most of its 200 KB at 1M)."""
    known = version_by_slug(Indicator, slug, page=False)
    if known is None:
        raise Http404("No such indicator.")
    version = known[1]
    try:
        filters = Filters.from_query(request.GET, today=today_utc())
    except FilterError as error:
        return JsonResponse({"detail": str(error)}, status=400)
    load = functools.partial(Indicator.objects.select_related("relationship").get, slug=slug)
    drawn = _indicator_drawn(slug, filters, version, load)
    if drawn["figure"] is None:
        return JsonResponse({"detail": "no evidence to draw in this period"}, status=404)
    immutable = request.GET.get("v") == version
    return fragments.json_response(request, drawn["figure"], immutable=immutable)


def _indicator_drawing(indicator: Indicator, filters: Filters) -> dict:
    """The indicator's chart for the view, as its answer's body (`fragments.encoded`; None
    with nothing to draw), and its latest reading there."""
    readings = indicator_readings(indicator, window=filters.window)
    if not readings:
        return {"figure": None, "latest_reading": None}
    reports = chart_reports(indicator, readings[0].date, readings[-1].date, charts.MAX_POINTS // 2)
    figure = charts.figure_json(charts.indicator_figure(indicator, readings, reports))
    if not figure:  # never reported: no line to draw
        return {"figure": None, "latest_reading": None}
    body = fragments.encoded(f'{{"figure-indicator": {figure}}}')
    return {"figure": body, "latest_reading": readings[-1].reading}


def _blank_form(request: HtmxHttpRequest, indicator: Indicator) -> InlineObservationForm | None:
    if not request.user.has_perm(RECORD):
        return None
    return InlineObservationForm(indicator=indicator, instance=Observation(indicator=indicator))


@require_http_methods(["POST"])
@allowed(RECORD)
def observation_add(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Record an observation from the indicator page (htmx: the page part updates in place)."""
    indicator = get_object_or_404(Indicator, slug=slug)
    form = InlineObservationForm(
        request.POST, indicator=indicator, instance=Observation(indicator=indicator)
    )
    if form.is_valid():
        before = snapshot_version(indicator.relationship)
        try:
            services.observation_record(indicator=indicator, analyst=request.user, **_fields(form))
        except ValidationError as error:
            show_refusal(form, error)
        else:
            return _after_write(request, indicator, "Observation recorded.", before)
    return _form_errors(request, indicator, form)


@require_http_methods(["GET", "POST"])
@allowed(CORRECT)
def observation_edit(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Correct an observation from the indicator page, saying why; the previous version
    stays in its history."""
    indicator = get_object_or_404(Indicator, slug=slug)
    observation = get_object_or_404(
        Observation, pk=pk, indicator=indicator, status=Observation.Status.ACCEPTED
    )
    if request.method == "GET":
        form = CorrectionForm(indicator=indicator, instance=observation)
        return _form_errors(request, indicator, form, editing=observation, status=200)
    form = CorrectionForm(request.POST, indicator=indicator, instance=observation)
    if form.is_valid():
        changed = {name: form.cleaned_data[name] for name in form.changed_data if name != "reason"}
        before = snapshot_version(indicator.relationship)
        try:
            services.observation_correct(
                Observation.objects.get(pk=pk),
                by=request.user,
                reason=f"Corrected: {form.cleaned_data['reason']}",
                **changed,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            return _after_write(request, indicator, "Observation corrected.", before)
    return _form_errors(request, indicator, form, editing=observation)


# What the indicator page can do to an observation besides correcting it: (the status it
# must have, the service, the heading of the form, the message once done).
DECISIONS = {
    "retract": (
        Observation.Status.ACCEPTED,
        services.observation_retract,
        "Retract the observation of {}",
        "Observation retracted: it no longer counts; it stays in the table and its history.",
    ),
    "reinstate": (
        Observation.Status.RETRACTED,
        services.observation_reinstate,
        "Reinstate the observation of {}",
        "Observation reinstated: it counts again; the retraction stays in its history.",
    ),
}


@require_http_methods(["GET", "POST"])
@allowed(CORRECT)
def observation_decide(request: HtmxHttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    """Retract an observation, or reinstate a retracted one, from the indicator page, with
    a reason; nothing is deleted."""
    status, service, heading, done = DECISIONS[action]
    indicator = get_object_or_404(Indicator, slug=slug)
    observation = get_object_or_404(Observation, pk=pk, indicator=indicator, status=status)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        before = snapshot_version(indicator.relationship)
        try:
            service(observation, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            show_refusal(form, error)
        else:
            return _after_write(request, indicator, done, before)
    deciding = {
        "observation": observation,
        "form": form,
        "heading": heading.format(observation.occurred_label),
        "action": action,
    }
    context = indicator_context(request, indicator, Filters(), form=_blank_form(request, indicator))
    context["deciding"] = deciding
    code = 200 if request.method == "GET" or request.htmx else 422
    return render_page(request, "dashboard/indicator.html", context, status=code)


def _fields(form) -> dict:
    return {name: form.cleaned_data[name] for name in form.fields}


def _after_write(
    request: HtmxHttpRequest, indicator: Indicator, message: str, before: int
) -> HttpResponse:
    messages.success(request, message)
    if request.htmx:
        context = indicator_context(
            request, indicator, Filters(), form=_blank_form(request, indicator)
        )
        if snapshot_version(indicator.relationship) == before:
            # The worker recomputes after the commit: poll until the new series is stored.
            context["pending"] = before
        return render(request, "dashboard/indicator.html#content", context)
    return HttpResponseRedirect(reverse("dashboard:indicator", args=[indicator.slug]))


PATIENCE = 60  # seconds the poller waits for the worker before saying so


@require_GET
@readable
def indicator_refreshed(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """For the poller after a write: the updated page part once the series is recomputed,
    else 204 (htmx swaps nothing, and asks again) for up to PATIENCE seconds."""
    indicator = get_object_or_404(Indicator.objects.select_related("relationship"), slug=slug)
    after, since = request.GET.get("after", ""), request.GET.get("since", "")
    after_version, since_time = whole_number(after), whole_number(since)
    if after_version is None:
        return HttpResponse("after: a whole number is required", status=400)
    if since_time is None:
        return HttpResponse("since: a whole number is required", status=400)
    waited = time.time() - since_time
    if snapshot_version(indicator.relationship) == after_version and waited < PATIENCE:
        return HttpResponse(status=204)
    context = indicator_context(request, indicator, Filters(), form=_blank_form(request, indicator))
    if waited >= PATIENCE:
        messages.warning(
            request, "The assessment has not been recomputed yet: is the worker running?"
        )
    return render(request, "dashboard/indicator.html#content", context)


def _form_errors(
    request: HtmxHttpRequest,
    indicator: Indicator,
    form: InlineObservationForm,
    *,
    editing: Observation | None = None,
    status: int | None = None,
) -> HttpResponse:
    context = indicator_context(request, indicator, Filters(), form=form, editing=editing)
    # htmx swaps only successful responses by default; without it, a 422 page says it all.
    code = status or (200 if request.htmx else 422)
    return render_page(request, "dashboard/indicator.html", context, status=code)


@require_GET
@readable
def methodology(request: HtmxHttpRequest) -> HttpResponse:
    """docs/methodology.md, rendered, with the live catalogue beside it."""
    text = (settings.BASE_DIR / "docs" / "methodology.md").read_text(encoding="utf-8")
    html = markdown.markdown(text, extensions=["tables", "toc"])
    # The first watched relationship's, or the one ?relationship= names.
    relationship = (
        _relationship(request.GET["relationship"])
        if request.GET.get("relationship")
        else Relationship.objects.order_by("pk").first()
    )
    catalogue = []
    robustness = None
    if relationship:
        indicators = relationship.indicators.select_related("category")
        readings = latest_readings(indicators)
        stale = {s.indicator.pk for s in stale_indicators(relationship)}
        for indicator in indicators.order_by("category__order", "name"):
            catalogue.append((indicator, readings.get(indicator.pk), indicator.pk in stale))
        robustness = _sensitivity_context(relationship)
    return render(
        request,
        "dashboard/methodology.html",
        {
            "html": html,
            "catalogue": catalogue,
            "relationship": relationship,
            "relationships": Relationship.objects.order_by("title")
            if several_relationships(request)
            else [],
            "robustness": robustness,
        },
    )


def _sensitivity_context(relationship: Relationship) -> dict | None:
    """The latest verdict under each parameter variant: a table's rows and a chart."""
    last = relationship.snapshots.aggregate(last=Max("date"))["last"]
    found = last and verdict_sensitivity(relationship, last)
    if not found:
        return None
    scenarios = list(relationship.scenarios.order_by("lower"))
    names = {s.slug: s.name for s in scenarios}
    return {
        "result": found,
        "line": found.line(names),
        "leading": names.get(found.published.leading, found.published.leading),
        "names": names,
        "rows": [
            (o, names.get(o.band, o.band), 100 * o.odds[found.published.leading], found.effect(o))
            for o in found.outcomes
        ],
        "figure": charts.figure_json(charts.sensitivity_figure(found, scenarios)),
    }


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers and docker-compose: the app answers and reaches its
    database."""
    Relationship.objects.exists()
    return HttpResponse("ok", content_type="text/plain")
