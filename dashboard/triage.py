"""Triage: the signals refresh jobs found, accepted into observations or dismissed, and
decisions undone.

Analysts only (tracker.change_signal). Every control works as a plain form or link too, each
answered with a whole page; with htmx a decision replaces just its row and updates the
counts beside the queue.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from dashboard.access import CORRECT, TRIAGE, allowed
from dashboard.forms import show_refusal
from dashboard.htmx import HtmxHttpRequest
from tracker.models import Indicator, Observation, Relationship, Reliability, Signal, Source
from tracker.observations.forms import ObservationForm
from tracker.parsing import whole_number
from tracker.sources.triage import (
    NewSource,
    Outlet,
    signal_accept,
    signal_dismiss,
    signal_outlet,
    signal_undo,
)

ADD_SOURCE = "tracker.add_source"
# What a first submit records unless the analyst changes it: an event of the catalogue's
# "notable" step (fixtures/README.md: 1 routine – 5 exceptional), and a claim graded
# "possibly true", the grade structured datasets propose too (ObservationProposal).
DEFAULT_MAGNITUDE = 2.0
DEFAULT_CREDIBILITY = 3
PER_PAGE = 20


def _queue_query(params: QueryDict) -> dict[str, str]:
    """The queue's view (state, source, page) from `params`, anything else left out."""
    query: dict[str, str] = {}
    if (state := params.get("state", "")) in Signal.State.values:
        query["state"] = str(state)
    for name in ("source", "page"):
        if whole_number(value := str(params.get(name, ""))) is not None:
            query[name] = value
    return query


def _queue_url(query: dict[str, str]) -> str:
    url = reverse("dashboard:triage")
    return f"{url}?{urlencode(query)}" if query else url


def _back(request: HtmxHttpRequest) -> dict[str, str]:
    """The queue view a control was used from: its own query for a GET, the form's `back`
    field for a POST."""
    if request.method == "GET":
        return _queue_query(request.GET)
    return _queue_query(QueryDict(request.POST.get("back", "")))


def _counts(back: dict[str, str]) -> dict:
    """The state switcher: each state's count, the one shown, and the rest of the view."""
    found = dict(Signal.objects.values_list("state").annotate(n=Count("pk")).order_by())
    state = back.get("state", Signal.State.NEW)
    others = {k: v for k, v in back.items() if k == "source"}
    return {
        "counts": [
            (value, label, found.get(value, 0), _queue_url({"state": value, **others}))
            for value, label in Signal.State.choices
        ],
        "state": state,
    }


def _frame() -> dict:
    """What the masthead needs: the overview it links to (the first watched relationship's)."""
    return {"relationship": Relationship.objects.order_by("pk").first()}


def _partial(request: HtmxHttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


@require_GET
@allowed(TRIAGE)
def triage(request: HtmxHttpRequest) -> HttpResponse:
    """The queue: new signals first, newest first, with their suggested indicators."""
    back = _queue_query(request.GET)
    state = back.get("state", Signal.State.NEW)
    signals = (
        Signal.objects.filter(state=state)
        .select_related("source", "decided_by", "observation__indicator")
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
    source = request.GET.get("source", "")
    if source:
        number = whole_number(source)
        signals = signals.filter(source_id=number) if number is not None else signals.none()
    page = Paginator(signals, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        **_frame(),
        **_counts(back),
        "page": page,
        "sources": Source.objects.exclude(adapter="").order_by("name"),
        "source": source,
        "back": urlencode(back),
    }
    template = "dashboard/triage.html#queue" if _partial(request) else "dashboard/triage.html"
    return render(request, template, context)


class AcceptForm(ObservationForm):
    """The observation form for one signal: only the measure its indicator's kind takes,
    and, when the item credits a publisher not yet known, that publisher to add."""

    new_source = forms.BooleanField(
        required=False,
        label="Add it to the sources",
        help_text="Untick to choose a known source instead.",
    )
    new_source_name = forms.CharField(max_length=120, required=False, label="New source's name")
    new_source_homepage = forms.URLField(
        required=False, assume_scheme="https", label="Its homepage"
    )
    new_source_kind = forms.ChoiceField(
        choices=Source.Kind.choices, required=False, label="Its kind"
    )
    new_source_reliability = forms.ChoiceField(
        choices=Reliability.choices,
        required=False,
        label="Its usual reliability",
        help_text="F when nothing is known of it yet.",
    )
    NEW_SOURCE = {
        "name": "new_source_name",
        "homepage": "new_source_homepage",
        "kind": "new_source_kind",
        "default_reliability": "new_source_reliability",
    }

    def __init__(self, *args, indicator: Indicator | None, outlet: Outlet, **kwargs):
        super().__init__(*args, indicator=indicator, **kwargs)
        measure = Indicator.MEASURE_FIELD[Indicator.Kind(indicator.kind)] if indicator else ""
        for field in Indicator.MEASURE_FIELD.values():
            if field != measure:
                del self.fields[field]
        if indicator is None:
            self.fields["indicator"].help_text = "Choose one to see what it measures."
        elif measure != "stage":
            self.fields[measure].help_text = f"In its unit: {indicator.unit}."
        source = self.fields["source"]
        source.error_messages["required"] = "Choose the publisher where it was read."
        source.help_text = outlet.note
        if outlet.proposed is None:
            for name in ("new_source", *self.NEW_SOURCE.values()):
                del self.fields[name]
        elif self.is_bound and self.data.get(self.add_prefix("new_source")):
            source.required = False  # the new one is added instead

    def entries(self) -> list[forms.BoundField]:
        """The observation's fields, in the form's order."""
        return [self[name] for name in self.fields if not name.startswith("new_source")]

    def source_proposal(self) -> list[forms.BoundField]:
        """The proposed publisher's fields (none when the outlet is known)."""
        return [
            self[name] for name in ("new_source", *self.NEW_SOURCE.values()) if name in self.fields
        ]

    @property
    def adds_source(self) -> bool:
        """Whether the analyst asks for the proposed publisher to be added."""
        return "new_source" in self.fields and bool(self.data.get(self.add_prefix("new_source")))

    def clean(self):
        cleaned = super().clean()
        if not (self.adds_source and cleaned.get("new_source")):
            return cleaned
        if cleaned.get("source") is not None:
            self.add_error(
                "new_source", "Choose a known source or add the new one, not both: untick this."
            )
            return cleaned
        proposed = self.new_source_proposed()
        try:
            Source(
                name=proposed.name,
                homepage=proposed.homepage,
                kind=proposed.kind,
                default_reliability=proposed.default_reliability,
            ).full_clean()
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                self.add_error(self.NEW_SOURCE.get(name), problems)
        return cleaned

    def new_source_proposed(self) -> NewSource:
        data = self.cleaned_data
        return NewSource(
            name=data.get("new_source_name", "").strip(),
            homepage=data.get("new_source_homepage", ""),
            kind=data.get("new_source_kind", ""),
            default_reliability=data.get("new_source_reliability", ""),
        )

    def observation(self) -> dict:
        """The validated entries, as the observation services take them."""
        return {
            name: self.cleaned_data[name]
            for name in Observation.ENTRY_FIELDS
            if name in self.fields and not (name == "source" and self.adds_source)
        }


def _proposed_indicator(signal: Signal) -> Indicator | None:
    proposal = signal.proposal or {}
    return (
        Indicator.objects.filter(slug=proposal.get("indicator", "")).first()
        or signal.suggested.order_by("name").first()
    )


def _measure_default(indicator: Indicator | None, proposal: dict) -> dict:
    """The measure a first submit records: the dataset's, else a notable event, else the
    stage the ladder stands on now (a report mostly restates it). A level's value is never
    guessed."""
    if indicator is None:
        return {}
    if indicator.kind == Indicator.Kind.EVENT:
        return {"magnitude": proposal.get("magnitude") or DEFAULT_MAGNITUDE}
    if indicator.kind == Indicator.Kind.LEVEL:
        return {"value": proposal.get("value")}
    latest = (
        Observation.objects.accepted()
        .filter(indicator=indicator, stage__isnull=False)
        .order_by("-occurred_on", "-recorded_at")
        .values_list("stage", flat=True)
        .first()
    )
    return {"stage": latest}


def _initial(signal: Signal, indicator: Indicator | None, outlet: Outlet) -> dict:
    """The observation form, pre-filled from the signal (and its dataset's proposal).

    The quote stays empty: a headline is not the source's words about the event.
    """
    proposal = signal.proposal or {}
    initial = {
        "indicator": indicator,
        "occurred_on": proposal.get("occurred_on")
        or (signal.published_at.date() if signal.published_at else None),
        "summary": proposal.get("summary") or signal.title,
        "source": outlet.source,
        "url": signal.url,
        "quote": proposal.get("quote", ""),
        "reliability": proposal.get("reliability", ""),
        "credibility": proposal.get("credibility") or DEFAULT_CREDIBILITY,
        **_measure_default(indicator, proposal),
    }
    if outlet.proposed is not None:
        initial |= {
            "new_source": True,
            "new_source_name": outlet.proposed.name,
            "new_source_homepage": outlet.proposed.homepage,
            "new_source_kind": outlet.proposed.kind,
            "new_source_reliability": outlet.proposed.default_reliability,
        }
    return initial


def _refreshed(data: QueryDict, signal: Signal, indicator: Indicator | None) -> dict:
    """What the analyst entered, for the form of another indicator: its measure pre-filled
    afresh, the others' dropped."""
    measures = Indicator.MEASURE_FIELD.values()
    kept: dict[str, object] = {name: data.get(name) for name in data if name not in measures}
    kept["new_source"] = bool(data.get("new_source"))
    return kept | _measure_default(indicator, signal.proposal or {})


def _form(signal: Signal, outlet: Outlet, indicator: Indicator | None, **kwargs) -> AcceptForm:
    form = AcceptForm(
        indicator=indicator,
        outlet=outlet,
        instance=Observation(),
        auto_id=f"s{signal.pk}-%s",
        **kwargs,
    )
    # With htmx, choosing another indicator shows its fields at once (the form's "Show its
    # fields" button does the same without).
    form.fields["indicator"].widget.attrs |= {
        "data-hx-post": reverse("dashboard:triage-accept", args=[signal.pk]),
        "data-hx-trigger": "change",
        "data-hx-target": f"#accept-{signal.pk}",
        "data-hx-swap": "outerHTML",
        "data-hx-vals": '{"refresh": "1"}',
    }
    return form


@require_http_methods(["GET", "POST"])
@allowed(TRIAGE)
def accept(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Accept a signal: the pre-filled observation form, validated like any other.

    In a queue row with htmx, or as a page of its own; choosing another indicator shows
    its fields (the `refresh` button, or htmx on the select), keeping what was entered.
    """
    signal = get_object_or_404(Signal.objects.select_related("source"), pk=pk)
    back = _back(request)
    if signal.state != Signal.State.NEW:
        return _decided(request, signal, back, f"This signal was already {signal.state}.")
    outlet = signal_outlet(signal)
    in_row = request.POST.get("in_row", request.GET.get("in_row", "")) == "1" and _partial(request)
    if request.method == "GET":
        indicator = _proposed_indicator(signal)
        form = _form(signal, outlet, indicator, initial=_initial(signal, indicator, outlet))
        return _accept_form(request, signal, form, back, in_row=in_row)
    chosen = whole_number(request.POST.get("indicator", ""))  # the form says if it is wrong
    indicator = Indicator.objects.filter(pk=chosen).first() if chosen is not None else None
    if request.POST.get("refresh"):
        initial = _refreshed(request.POST, signal, indicator)
        form = _form(signal, outlet, indicator, initial=initial)
        return _accept_form(request, signal, form, back, in_row=in_row)
    form = _form(signal, outlet, indicator, data=request.POST)
    if form.adds_source and not request.user.has_perm(ADD_SOURCE):
        raise PermissionDenied("Adding a source needs tracker.add_source.")
    if form.is_valid():
        new_source = form.new_source_proposed() if form.adds_source else None
        try:
            signal_accept(signal, by=request.user, new_source=new_source, **form.observation())
        except ValidationError as error:
            show_refusal(form, error)
        else:
            message = f"Accepted: “{signal.title}” is recorded as an observation."
            return _decided(request, signal, back, message, in_row=in_row)
    return _accept_form(
        request, signal, form, back, in_row=in_row, status=200 if _partial(request) else 422
    )


def _accept_form(
    request: HtmxHttpRequest,
    signal: Signal,
    form: AcceptForm,
    back: dict[str, str],
    *,
    in_row: bool,
    status: int = 200,
) -> HttpResponse:
    """The form alone for htmx (in its queue row when the row asked for it), else its page."""
    context = {**_frame(), "signal": signal, "form": form, "back": urlencode(back)}
    context |= {"queue_url": _queue_url(back), "in_row": in_row, "accepting": True}
    template = "dashboard/triage.html"
    if _partial(request):
        opening = in_row and request.method == "GET"
        template += "#accept-row" if opening else "#accept-form"
    return render(request, template, context, status=status)


@require_POST
@allowed(TRIAGE)
def dismiss(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Set a signal aside; a second click (or another analyst's) changes nothing."""
    signal = get_object_or_404(Signal, pk=pk)
    back = _back(request)
    try:
        signal_dismiss(signal, by=request.user)
    except ValidationError as error:  # already decided: show the row as it is
        return _decided(request, signal, back, " ".join(error.messages), level=messages.WARNING)
    return _decided(request, signal, back, f"Dismissed: “{signal.title}”.")


@require_POST
@allowed(TRIAGE)
def undo(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Return a decided signal to the queue; an acceptance's observation is retracted, with
    the reason given (which is why undoing one needs tracker.change_observation)."""
    signal = get_object_or_404(Signal, pk=pk)
    back = _back(request)
    if signal.state == Signal.State.ACCEPTED and not request.user.has_perm(CORRECT):
        raise PermissionDenied("Retracting the observation needs tracker.change_observation.")
    accepted = signal.state == Signal.State.ACCEPTED
    try:
        signal_undo(signal, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        return _decided(
            request, signal, back, " ".join(error.messages), level=messages.ERROR, failed=True
        )
    message = f"Back in the queue: “{signal.title}”"
    message += ", its observation retracted." if accepted else "."
    return _decided(request, signal, back, message)


def _decided(
    request: HtmxHttpRequest,
    signal: Signal,
    back: dict[str, str],
    message: str,
    *,
    level: int = messages.SUCCESS,
    failed: bool = False,
    in_row: bool = True,
) -> HttpResponse:
    """After a decision: with htmx, the signal's row as it now stands and the counts beside
    the queue; without, the queue again, saying what was done."""
    if _partial(request) and in_row:
        signal = Signal.objects.select_related(
            "source", "decided_by", "observation__indicator"
        ).get(pk=signal.pk)
        context = {
            "signal": signal,
            "back": urlencode(back),
            "row_error": message if failed else "",
            "oob": True,
            **_counts(back),
        }
        response = render(request, "dashboard/triage.html#decision", context)
        # The accept form answers in its own place; a decision replaces the whole row.
        return reswap(retarget(response, f"#signal-{signal.pk}"), "outerHTML")
    messages.add_message(request, level, message)
    return HttpResponseRedirect(_queue_url(back))
