"""Triage: the signals refresh jobs found, accepted into observations or dismissed.

Analysts only (tracker.change_signal). Every control works as a plain form too; with htmx a
decision replaces just its row.
"""

import contextlib

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard.access import TRIAGE, allowed
from dashboard.htmx import HtmxHttpRequest
from tracker.models import Indicator, Observation, Signal, Source
from tracker.observations.forms import ObservationForm
from tracker.parsing import whole_number
from tracker.sources.triage import signal_accept, signal_dismiss


@require_GET
@allowed(TRIAGE)
def triage(request: HtmxHttpRequest) -> HttpResponse:
    """The queue: new signals first, newest first, with their suggested indicators."""
    state = request.GET.get("state", Signal.State.NEW)
    if state not in Signal.State.values:
        state = Signal.State.NEW
    signals = (
        Signal.objects.filter(state=state)
        .select_related("source", "decided_by", "observation")
        .prefetch_related(
            Prefetch(
                "suggested",
                queryset=Indicator.objects.select_related("relationship").order_by(
                    "relationship__title", "name"
                ),
            )
        )
        .order_by("-published_at", "-pk")
    )
    if source := request.GET.get("source", ""):
        number = whole_number(source)
        signals = signals.filter(source_id=number) if number is not None else signals.none()
    page = Paginator(signals, 20).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "state": state,
        "states": Signal.State.choices,
        "sources": Source.objects.exclude(adapter="").order_by("name"),
        "source": source,
        "counts": {s: Signal.objects.filter(state=s).count() for s in Signal.State.values},
    }
    template = "dashboard/triage.html#queue" if request.htmx else "dashboard/triage.html"
    return render(request, template, context)


def _initial(signal: Signal) -> dict:
    """The observation form, pre-filled from the signal (and its dataset's proposal)."""
    proposal = signal.proposal or {}
    indicator = (
        Indicator.objects.filter(slug=proposal.get("indicator")).first()
        or signal.suggested.order_by("name").first()
    )
    return {
        "indicator": indicator,
        "occurred_on": proposal.get("occurred_on")
        or (signal.published_at.date() if signal.published_at else None),
        "summary": proposal.get("summary") or signal.title,
        "source": signal.source,
        "url": signal.url,
        "quote": proposal.get("quote") or signal.title,
        "magnitude": proposal.get("magnitude"),
        "value": proposal.get("value"),
        "reliability": proposal.get("reliability", ""),
        "credibility": proposal.get("credibility"),
    }


@require_http_methods(["GET", "POST"])
@allowed(TRIAGE)
def accept(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Accept a signal: the pre-filled observation form, validated like any other."""
    signal = get_object_or_404(Signal.objects.select_related("source"), pk=pk)
    if request.method == "GET":
        form = ObservationForm(initial=_initial(signal), instance=Observation())
        return render(
            request, "dashboard/triage.html#accept-form", {"signal": signal, "form": form}
        )
    chosen = whole_number(request.POST.get("indicator", ""))  # the form says if it is wrong
    indicator = Indicator.objects.filter(pk=chosen).first() if chosen is not None else None
    form = ObservationForm(request.POST, indicator=indicator, instance=Observation())
    if form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ObservationForm.Meta.fields}
        try:
            signal_accept(signal, by=request.user, **fields)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _decided(request, signal)
    return render(
        request,
        "dashboard/triage.html#accept-form",
        {"signal": signal, "form": form},
        status=200 if request.htmx else 422,
    )


@require_POST
@allowed(TRIAGE)
def dismiss(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    signal = get_object_or_404(Signal, pk=pk)
    with contextlib.suppress(ValidationError):  # already decided: show the row as it is
        signal_dismiss(signal, by=request.user)
    return _decided(request, signal)


def _decided(request: HtmxHttpRequest, signal: Signal) -> HttpResponse:
    if request.htmx:
        signal.refresh_from_db()
        return render(request, "dashboard/triage.html#decided", {"signal": signal})
    return HttpResponseRedirect(reverse("dashboard:triage"))
