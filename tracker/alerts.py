"""Alerts: what changed that an analyst should look at now, raised once and sent once.

After each recompute the verdict before and after are compared: a band change, momentum
crossing +-3, a tripwire crossed, new highly diagnostic evidence. A daily check raises stale
indicators. Each alert has a key naming its event, unique in the database, so re-running any
job raises nothing twice; sending claims the alert first, so nothing is sent twice either.
"""

import datetime as dt
import json
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from tracker.dates import EARLIEST
from tracker.models import (
    Alert,
    Observation,
    ObservationScore,
    Relationship,
    Tripwire,
)
from tracker.scoring import method
from tracker.selectors.series import verdict_latest
from tracker.selectors.staleness import stale_indicators
from tracker.series import store

DIAGNOSTIC_ALERT = 3.0  # nats: a report that alone shifts the odds twentyfold
WEBHOOK_TIMEOUT = 10


def verdict_state(relationship: Relationship) -> dict | None:
    """What alerts compare: the latest band, momentum label and tripwire readings (JSON)."""
    verdict = verdict_latest(relationship)
    if verdict is None:
        return None
    wires = Tripwire.objects.filter(indicator__relationship=relationship, enabled=True)
    column = store.COLUMN["reading"]
    wired = wires.values_list("indicator_id", flat=True)
    readings = {
        key: float(row[column]) for (key, _), row in store.on_days(wired, [verdict.date]).items()
    }
    # The newest observation scored so far: evidence above it is new. (Not a time: the job
    # takes this state after the new observations have committed, before rescoring them.)
    scored_up_to = ObservationScore.objects.filter(indicator__relationship=relationship).aggregate(
        last=Max("observation_id")
    )["last"]
    return {
        "date": verdict.date.isoformat(),
        "band": verdict.band,
        "momentum": verdict.momentum_label,
        "readings": {str(k): v for k, v in readings.items()},
        "scored_up_to": scored_up_to or 0,
    }


def alerts_evaluate(relationship: Relationship, before: dict | None) -> list[Alert]:
    """Raise the alerts that the change from `before` to now calls for."""
    after = verdict_state(relationship)
    if after is None:
        return []
    raised = []
    names = dict(relationship.scenarios.values_list("slug", "name"))
    day = after["date"]
    if before and before["band"] != after["band"]:
        raised.append(
            _raise(
                relationship,
                Alert.Kind.BAND,
                f"band:{relationship.slug}:{day}:{after['band']}",
                f"{relationship.title}: now {names.get(after['band'], after['band'])}",
                f"The alignment index moved from the {names.get(before['band'])} band into "
                f"the {names.get(after['band'])} band.",
            )
        )
    if (
        before
        and before["momentum"] != after["momentum"]
        and after["momentum"]
        in (
            "toward alliance",
            "toward divergence",
        )
    ):
        raised.append(
            _raise(
                relationship,
                Alert.Kind.MOMENTUM,
                f"momentum:{relationship.slug}:{day}:{after['momentum']}",
                f"{relationship.title}: momentum {after['momentum']}",
                f"Over the last {method.MOMENTUM_DAYS} days the index moved more than "
                f"{method.MOMENTUM_THRESHOLD:g} points {after['momentum']}.",
            )
        )
    raised += _tripwires(relationship, before, after, day)
    raised += _diagnostic(relationship, before)
    return [alert for alert in raised if alert is not None]


def _tripwires(relationship, before, after, day):
    raised = []
    wires = Tripwire.objects.filter(
        indicator__relationship=relationship, enabled=True
    ).select_related("indicator", "scenario")
    for wire in wires:
        now = after["readings"].get(str(wire.indicator_id))
        then = (before or {}).get("readings", {}).get(str(wire.indicator_id))
        if now is not None and wire.crossed(then, now):
            raised.append(
                _raise(
                    relationship,
                    Alert.Kind.TRIPWIRE,
                    f"tripwire:{wire.pk}:{day}:{wire.direction}",
                    f"Tripwire: {wire}",
                    f"{wire.indicator.name} {wire.get_direction_display()} "
                    f"{wire.threshold:g} (reading {now:.2f})."
                    + (f" Signpost toward {wire.scenario.name}." if wire.scenario else "")
                    + (f" {wire.note}" if wire.note else ""),
                )
            )
    return raised


def _diagnostic(relationship, before):
    """Observations scored for the first time that separate the scenarios sharply."""
    if not before or "scored_up_to" not in before:
        return []  # the first scoring of a relationship is not news
    scores = ObservationScore.objects.filter(
        indicator__relationship=relationship,
        observation_id__gt=before["scored_up_to"],
        diagnosticity__gte=DIAGNOSTIC_ALERT,
    ).select_related("observation__indicator")
    raised = []
    for score in scores:
        observation = score.observation
        raised.append(
            _raise(
                relationship,
                Alert.Kind.EVIDENCE,
                f"evidence:{observation.pk}",
                f"Diagnostic evidence: {observation.indicator.name}",
                f"{observation.occurred_label}: {observation.summary} "
                f"(grade {observation.grade}; favours {score.favours}).",
            )
        )
    return raised


def alerts_stale(relationship: Relationship, *, today: dt.date | None = None) -> list[Alert]:
    """One alert per indicator per stale spell (keyed on its last observation)."""
    raised = []
    for stale in stale_indicators(relationship, today=today):
        if stale.last_observed is None:
            continue  # never observed: shown on the dashboard, not news every day
        raised.append(
            _raise(
                relationship,
                Alert.Kind.STALE,
                f"stale:{stale.indicator.pk}:{stale.last_observed}",
                f"Stale: {stale.indicator.name}",
                f"No report since {stale.last_observed} ({stale.days_since} days; expected "
                f"within {stale.indicator.cadence_days}).",
            )
        )
    return [alert for alert in raised if alert is not None]


def alerts_unscorable(relationship: Relationship) -> list[Alert]:
    """One alert per accepted observation the method leaves out for its date (stored before
    dates were checked): the recompute goes on without it, and says so once."""
    raised = [
        _raise(
            relationship,
            Alert.Kind.DATA,
            f"date:{observation.pk}:{observation.occurred_on.isoformat()}",
            f"Left out: observation {observation.pk} of {observation.indicator.name}",
            f"It is dated {observation.occurred_on.isoformat()}, before {EARLIEST}: the "
            "assessment leaves it out until it is corrected or retracted.",
        )
        for observation in Observation.objects.unscorable()
        .filter(indicator__relationship=relationship)
        .select_related("indicator")
    ]
    return [alert for alert in raised if alert is not None]


def _raise(relationship, kind, key, title, message) -> Alert | None:
    """Create the alert unless its event was raised before (then None)."""
    try:
        with transaction.atomic():
            return Alert.objects.create(
                relationship=relationship, kind=kind, key=key, title=title, message=message
            )
    except IntegrityError:
        return None


def alert_send(alert_id: int) -> None:
    """E-mail and post an alert, each at most once: claim it first, then send.

    A failed send releases the claim and raises, so that the job retries it.
    """
    if settings.ALERT_EMAILS:
        _send_once(alert_id, "emailed_at", _email)
    if settings.ALERT_WEBHOOK_URL:
        _send_once(alert_id, "posted_at", _post)


def _send_once(alert_id, stamp, send):
    claimed = Alert.objects.filter(pk=alert_id, **{f"{stamp}__isnull": True}).update(
        **{stamp: timezone.now()}
    )
    if not claimed:
        return
    try:
        send(Alert.objects.select_related("relationship").get(pk=alert_id))
    except Exception:
        Alert.objects.filter(pk=alert_id).update(**{stamp: None})
        raise


def _email(alert: Alert) -> None:
    send_mail(
        subject=f"[Entente] {alert.title}",
        message=f"{alert.message}\n\n{alert.relationship.title}, "
        f"{alert.created_at:%Y-%m-%d %H:%M} UTC",
        from_email=None,
        recipient_list=settings.ALERT_EMAILS,
    )


def _post(alert: Alert) -> None:
    body = json.dumps(
        {
            "kind": alert.kind,
            "title": alert.title,
            "message": alert.message,
            "relationship": alert.relationship.slug,
            "created_at": alert.created_at.isoformat(),
            "key": alert.key,
        }
    ).encode()
    request = urllib.request.Request(
        settings.ALERT_WEBHOOK_URL,
        data=body,
        headers={"Content-Type": "application/json", "User-Agent": "Entente/1.0"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310
        response.read(1024)


def latest_alerts(
    relationship: Relationship, limit: int = 8, *, known_on: dt.date | None = None
) -> list[Alert]:
    """The latest alerts; with `known_on`, those raised by the end of that day."""
    alerts = relationship.alerts.all()
    if known_on is not None:
        alerts = alerts.filter(
            created_at__lte=dt.datetime.combine(known_on, dt.time.max, tzinfo=dt.UTC)
        )
    return list(alerts.order_by("-created_at", "-pk")[:limit])
