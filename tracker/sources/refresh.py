"""Refreshing a source: fetch, parse with its adapter, store signals, record its health.

All or nothing: a body that cannot be fetched or parsed writes no signal, and the reason is
recorded on the source (`last_error`) for operators; only network faults are raised again,
for the job to retry with backoff. What an adapter read past (the damaged end of a feed)
is recorded as the source's `last_warning`, beside the signals it did read. Storing is
idempotent on (source, external_id): the same item twice is one signal. Structured
datasets record some observations directly, with a machine grade; news waits for an
analyst in triage.
"""

import datetime
import hashlib
import logging
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tracker.clock import today_utc
from tracker.models import Indicator, Observation, Signal, Source
from tracker.observations import services
from tracker.sources import sanctions
from tracker.sources.adapters import ADAPTERS, LISTS
from tracker.sources.base import FetchError, IngestError, ObservationProposal, SignalData
from tracker.sources.fetch import FetchResult, fetch
from tracker.sources.triage import signal_recorded_by_job

logger = logging.getLogger(__name__)
OFAC_LISTS = (Source.Adapter.OFAC_SDN, Source.Adapter.OFAC_CONSOLIDATED)


@dataclass
class RefreshOutcome:
    source: str
    status: str  # "ok", "not modified" or "failed"
    found: int = 0
    new: int = 0
    recorded: int = 0
    error: str = ""
    warnings: tuple[str, ...] = field(default=())

    def __str__(self):
        if self.status == "failed":
            return f"{self.source}: failed: {self.error}"
        if self.status == "not modified":
            return f"{self.source}: not modified since the last refresh"
        text = (
            f"{self.source}: {self.found} item(s), {self.new} new signal(s), "
            f"{self.recorded} observation(s) recorded"
        )
        return text + "".join(f"; warning: {warning}" for warning in self.warnings)


def source_refresh(
    source: Source, *, body: bytes | None = None, charset: str = ""
) -> RefreshOutcome:
    """Refresh one source from its URL (or from `body`, e.g. a local file, with the
    `charset` a server would have named).

    Raises FetchError (after recording it) so that the job can retry a network fault.
    """
    outcome = RefreshOutcome(source=source.name, status="ok")
    adapter = ADAPTERS.get(source.adapter)
    try:
        if adapter is None:
            raise IngestError(f"no adapter {source.adapter!r} (choose one on the source)")
        if body is None:
            result = _download(source)
            if result is None:
                outcome.status = "not modified"
                _record(source, outcome, keep_warning=True)
                return outcome
            body, charset = result.body or b"", result.charset
        parsed = adapter.parse(body, url=source.feed_url, charset=charset)
        with transaction.atomic():
            outcome.found = len(parsed.signals)
            outcome.warnings = parsed.warnings
            outcome.new, outcome.recorded = _store(source, parsed.signals)
            _record(source, outcome)
    except FetchError as error:
        _record_failure(source, error)
        raise
    except (IngestError, ValidationError) as error:
        _record_failure(source, error)
        return RefreshOutcome(source=source.name, status="failed", error=_message(error))
    logger.info("%s", outcome)
    return outcome


def _message(error) -> str:
    if isinstance(error, ValidationError):
        return "an item could not be recorded: " + "; ".join(error.messages)
    return str(error)


def _download(source: Source) -> FetchResult | None:
    """What the server sent, or None when it says the body has not changed."""
    if not source.feed_url:
        raise IngestError("the source has no feed URL")
    url = source.feed_url
    if source.adapter == Source.Adapter.GDELT and url.endswith("lastupdate.txt"):
        # GDELT publishes a new export every 15 minutes; lastupdate.txt names the latest.
        listing = fetch(url, max_bytes=64 * 1024, allowed_hosts=settings.FETCH_ALLOWED_HOSTS)
        url = gdelt_export_url(listing.body or b"")
    result = fetch(
        url,
        etag=source.etag,
        last_modified=source.last_modified,
        allowed_hosts=settings.FETCH_ALLOWED_HOSTS,
    )
    if result.status == 304:
        return None
    Source.objects.filter(pk=source.pk).update(
        etag=result.etag[:200], last_modified=result.last_modified[:100]
    )
    return result


def gdelt_export_url(listing: bytes) -> str:
    """The events export's URL from GDELT's lastupdate.txt ("size hash url" per line)."""
    for line in listing.decode("ascii", errors="replace").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2].endswith(".export.CSV.zip"):
            return parts[2]
    raise IngestError("lastupdate.txt names no events export (.export.CSV.zip)")


def _store(source: Source, items: list[SignalData]) -> tuple[int, int]:
    """Upsert signals; record what structured datasets record directly. Returns counts."""
    known = {
        s.external_id: s
        for s in Signal.objects.filter(
            source=source, external_id__in=[item.external_id for item in items]
        )
    }
    slugs = {slug for item in items for slug in item.suggested}
    if any(item.proposal for item in items):
        slugs |= {item.proposal.indicator for item in items if item.proposal}
    indicators = Indicator.objects.in_bulk(slugs, field_name="slug")
    fresh, recorded = [], 0
    for item in items:
        signal = known.get(item.external_id)
        if signal is None:
            signal = _create_signal(source, item, indicators)
            fresh.append((signal, item))
        if item.proposal and records_directly(source, item):
            recorded += _record_proposal(source, signal, item.proposal, indicators)
    if source.adapter in LISTS and fresh:
        recorded += _record_designations(source, fresh, indicators)
    return len(fresh), recorded


def records_directly(source: Source, item: SignalData) -> bool:
    """Which structured items become observations without triage.

    GDELT's daily dyadic tone is a measurement, recorded as a level. Its single events are
    machine-coded news, often miscoded; they go to triage with their proposal pre-filled,
    rather than flooding event indicators with noise.
    """
    return source.adapter == Source.Adapter.GDELT and item.external_id.startswith("tone-")


def _create_signal(source, item: SignalData, indicators) -> Signal:
    signal = Signal.objects.create(
        source=source,
        external_id=item.external_id,
        published_at=item.published_at,
        title=item.title[:300],
        url=item.url[:500],
        excerpt=item.excerpt,
        proposal=_proposal_json(item.proposal, outlet=item.outlet),
    )
    signal.suggested.set([indicators[s] for s in item.suggested if s in indicators])
    return signal


def _proposal_json(proposal: ObservationProposal | None, *, outlet: str = "") -> dict:
    """What the item proposes to record, as stored on its signal: a dataset's observation,
    and the publisher a relaying feed credits (`outlet`, the observation's source)."""
    stored: dict = {"outlet": outlet} if outlet else {}
    if proposal is None:
        return stored
    return {**stored, **asdict(proposal), "occurred_on": proposal.occurred_on.isoformat()}


def _record_proposal(source, signal, proposal: ObservationProposal, indicators) -> int:
    """Record (or correct, keeping history) the observation a structured item proposes."""
    indicator = indicators.get(proposal.indicator)
    if indicator is None:
        raise IngestError(f"the catalogue has no indicator {proposal.indicator!r}")
    reference = f"{source.pk}:{signal.external_id}"
    fields = {**asdict(proposal), "indicator": indicator}
    existing = Observation.objects.filter(reference=reference).first()
    if existing is None:
        observation = services.observation_record(
            source=source, url=signal.url, reference=reference, **fields
        )
    else:
        changed = {k: v for k, v in fields.items() if getattr(existing, k) != v}
        if not changed or existing.is_retracted:
            return 0
        observation = services.observation_correct(
            existing, by=None, reason=f"Updated by {source.name}", **changed
        )
    signal.proposal = _proposal_json(proposal)
    signal_recorded_by_job(signal, observation)
    return 1


def _record_designations(source, fresh: list[tuple[Signal, SignalData]], indicators) -> int:
    """New designations on an official list: one observation per watched pair and day.

    The day is when the list says the entry was listed (the UN's LISTED_ON), or, for a list
    that does not say (OFAC's), the day the refresh first saw it.
    """
    groups: dict[tuple[str, datetime.date], list[tuple[Signal, SignalData]]] = defaultdict(list)
    # OFAC lists some entries on both its lists under one ent_num (Rosoboronexport): one
    # designation, counted once, by the list that recorded it first.
    counted = set()
    if source.adapter in OFAC_LISTS:
        counted = set(
            Signal.objects.filter(
                source__adapter__in=OFAC_LISTS,
                external_id__in=[item.external_id for _, item in fresh],
                observation__isnull=False,
            )
            .exclude(source=source)
            .values_list("external_id", flat=True)
        )
    for signal, item in fresh:
        if item.external_id in counted:
            continue
        day = item.published_at.date() if item.published_at else today_utc()
        for indicator in item.suggested:
            groups[indicator, day].append((signal, item))
    list_name = getattr(ADAPTERS[source.adapter], "list_name", source.name)
    recorded = 0
    for (indicator, day), members in sorted(groups.items()):
        pair = sanctions.pair_for(indicator)
        proposal = pair and sanctions.designations_proposal(
            [item for _, item in members], on=day, list_name=list_name, pair=pair
        )
        if not proposal:
            continue
        ids = ",".join(sorted(item.external_id for _, item in members))
        digest = hashlib.sha256(f"{indicator}|{ids}".encode()).hexdigest()[:16]
        indicator_row = indicators.get(indicator)  # suggested, so loaded by _store
        if indicator_row is None:
            raise IngestError(f"the catalogue has no indicator {indicator!r}")
        observation = services.observation_record(
            **{**asdict(proposal), "indicator": indicator_row},
            source=source,
            url=members[0][0].url,
            reference=f"{source.pk}:designations:{digest}",
        )
        for signal, _ in members:
            signal_recorded_by_job(signal, observation)
        recorded += 1
    return recorded


def _record(source: Source, outcome: RefreshOutcome, *, keep_warning: bool = False) -> None:
    """A successful refresh; an unchanged body keeps the warnings of the last one read."""
    now = timezone.now()
    warning = {} if keep_warning else {"last_warning": "\n".join(outcome.warnings)[:2000]}
    Source.objects.filter(pk=source.pk).update(
        **warning,
        last_fetched_at=now,
        last_success_at=now,
        last_error="",
        failures=0,
        fetch_count=F("fetch_count") + 1,
        signal_count=F("signal_count") + outcome.new,
    )


def source_failed(source: Source, message: str) -> None:
    """Record a failed refresh on its source (for what stops a refresh outside this module,
    such as the job's time limit)."""
    _record_failure(source, IngestError(message))


def _record_failure(source: Source, error) -> None:
    now = timezone.now()
    message = _message(error)
    logger.warning("refreshing %s failed: %s", source.name, message)
    Source.objects.filter(pk=source.pk).update(
        last_fetched_at=now,
        last_error_at=now,
        last_error=message[:2000],
        failures=F("failures") + 1,
        fetch_count=F("fetch_count") + 1,
    )
