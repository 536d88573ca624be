"""Forecast questions: the track record, a question's page, and the analysts' writes (a
new question, a forecast). Reading as the dashboard; writing needs the model permission."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from dashboard import charts
from dashboard.access import allowed, readable
from dashboard.forms import AnalystForecastForm, QuestionForm
from dashboard.htmx import HtmxHttpRequest
from tracker.clock import today_utc
from tracker.forecasts import records
from tracker.forecasts.service import base_rates, scores
from tracker.models import AnalystForecast, Question, Relationship
from tracker.tasks import forecast_questions

ADD_QUESTION = "tracker.add_question"
ADD_FORECAST = "tracker.add_analystforecast"


@require_GET
@readable
def questions(request: HtmxHttpRequest) -> HttpResponse:
    """Open questions with Entente's probability, and its track record beside baselines."""
    relationship = None
    if slug := request.GET.get("relationship", ""):
        relationship = Relationship.objects.filter(slug=slug).first()
        if relationship is None:
            raise Http404(f"No relationship {slug!r}")
    record = records.track_record(relationship)
    context = {
        "record": record,
        "chosen": relationship,
        "relationships": Relationship.objects.order_by("title"),
        "figure": charts.figure_json(charts.calibration_figure(record.calibration))
        if record.calibration
        else None,
        "can_add": request.user.has_perm(ADD_QUESTION),
    }
    return render(request, "dashboard/questions.html", context)


def _question_context(request, question: Question, form=None) -> dict:
    forecasts = list(question.forecasts.order_by("date").values_list("date", "probability"))
    analyst = list(question.analyst_forecasts.select_related("analyst").order_by("made_on", "pk"))
    evidence = records.question_evidence(question)
    rate = base_rates(list(Question.objects.all())).get(question.pk)
    return {
        "question": question,
        "relationship": question.relationship,
        "latest": forecasts[-1] if forecasts else None,
        "scores": scores(question, base_rate=rate),
        "analyst_forecasts": analyst,
        "evidence": evidence,
        "figure": charts.figure_json(
            charts.forecast_figure(forecasts, analyst, evidence, resolved_on=question.resolved_on)
        )
        if forecasts or analyst
        else None,
        "form": form
        if form is not None
        else (AnalystForecastForm() if request.user.has_perm(ADD_FORECAST) else None),
    }


@require_GET
@readable
def question(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """One question: its criteria, status, Entente's forecast over time beside the
    analysts', the evidence under it, and its scores once resolved."""
    questions = Question.objects.select_related("relationship", "indicator", "stage", "scenario")
    found = get_object_or_404(questions, slug=slug)
    return render(request, "dashboard/question.html", _question_context(request, found))


@require_http_methods(["POST"])
@allowed(ADD_FORECAST)
def forecast_add(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """An analyst's forecast, dated today; a resolved question takes no more."""
    found = get_object_or_404(Question, slug=slug)
    mine = AnalystForecast(question=found, analyst=cast(User, request.user))  # @allowed: a user
    form = AnalystForecastForm(request.POST, instance=mine)
    if not found.is_open:
        form.add_error(None, "The question is resolved: it takes no more forecasts.")
    elif found.closes < today_utc():
        # Closed but not yet resolved: a forecast now would be made knowing the window's end.
        closed = found.closes.isoformat()
        form.add_error(None, f"The question closed on {closed}: it takes no more forecasts.")
    if not form.is_valid():
        context = _question_context(request, found, form)
        return render(request, "dashboard/question.html", context, status=400)
    form.save()
    messages.success(request, f"Your forecast of {form.instance.probability:.0%} is recorded.")
    return HttpResponseRedirect(reverse("dashboard:question", args=[found.slug]) + "#forecast")


@require_http_methods(["GET", "POST"])
@allowed(ADD_QUESTION)
def question_add(request: HtmxHttpRequest) -> HttpResponse:
    """A new question; Entente forecasts it from the next recompute on."""
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        question = form.save(commit=False)
        question._change_reason = "Written on the dashboard"
        question.save()
        pk = question.relationship_id
        transaction.on_commit(lambda: forecast_questions.delay(pk))
        messages.success(request, "Question recorded: Entente forecasts it from its next run.")
        return HttpResponseRedirect(reverse("dashboard:question", args=[question.slug]))
    status = 400 if request.method == "POST" else 200
    return render(request, "dashboard/question_form.html", {"form": form}, status=status)
