"""Alerts are raised once per event and sent once, by e-mail and to a webhook."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from tests.factories import (
    IndicatorFactory,
    ObservationFactory,
    RelationshipFactory,
    ScenarioFactory,
)
from tracker import alerts, tasks
from tracker.models import Alert, Tripwire
from tracker.series.refresh import snapshots_refresh

pytestmark = pytest.mark.django_db
END = dt.date(2024, 6, 30)


@pytest.fixture
def relationship():
    relationship = RelationshipFactory()
    for slug, lower, upper in [("u", 0, 25), ("c", 25, 50), ("s", 50, 75), ("a", 75, 100)]:
        ScenarioFactory(
            relationship=relationship, slug=slug, name=slug.upper(), lower=lower, upper=upper
        )
    return relationship


def test_band_change_tripwire_and_evidence_raise_once(relationship, monkeypatch):
    drones = IndicatorFactory(relationship=relationship, weight=1.0, half_life_days=1000)
    quiet = IndicatorFactory(relationship=relationship, weight=1.0, polarity=-1)
    ObservationFactory(indicator=quiet, occurred_on=dt.date(2024, 1, 1), magnitude=0.001,
                       reliability="A", credibility=1)  # fmt: skip  # next to no friction: ~1
    wire = Tripwire.objects.create(indicator=drones, threshold=0.5, note="Mass deliveries.")
    ObservationFactory(indicator=drones, occurred_on=dt.date(2024, 1, 1), magnitude=0.5,
                       reliability="A", credibility=1)  # fmt: skip
    snapshots_refresh(relationship, end=END)

    # In the job's order: the observation commits, then the job takes `before` and rescores.
    ObservationFactory(indicator=drones, occurred_on=dt.date(2024, 6, 1), magnitude=20,
                       reliability="A", credibility=1)  # fmt: skip
    before = alerts.verdict_state(relationship)
    assert before["band"] == "s"  # (0.12 + 1) / 2
    snapshots_refresh(relationship, since=dt.date(2024, 6, 1), indicator_ids=[drones.pk], end=END)
    raised = alerts.alerts_evaluate(relationship, before)
    kinds = {a.kind for a in raised}
    assert {"band", "tripwire", "evidence"} <= kinds
    assert Alert.objects.get(kind="tripwire").message.startswith(drones.name)
    assert str(wire.threshold) in Alert.objects.get(kind="tripwire").message
    # Evaluating the same change again raises nothing new.
    assert alerts.alerts_evaluate(relationship, before) == []
    assert Alert.objects.count() == len(raised)


def test_first_scoring_is_not_news(relationship):
    indicator = IndicatorFactory(relationship=relationship)
    ObservationFactory(indicator=indicator, occurred_on=dt.date(2024, 1, 1))
    snapshots_refresh(relationship, end=END)
    assert alerts.alerts_evaluate(relationship, None) == []


def test_stale_alerts_once_per_spell(relationship):
    indicator = IndicatorFactory(relationship=relationship, cadence_days=30)
    IndicatorFactory(relationship=relationship)  # never observed: no daily alert for it
    ObservationFactory(indicator=indicator, occurred_on=dt.date(2024, 1, 1))
    [alert] = alerts.alerts_stale(relationship, today=dt.date(2024, 3, 1))
    assert alert.kind == "stale" and "2024-01-01" in alert.message
    assert alerts.alerts_stale(relationship, today=dt.date(2024, 3, 2)) == []


@pytest.fixture
def webhook():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()


def test_an_alert_is_emailed_and_posted_once(relationship, settings, webhook):
    url, received = webhook
    settings.ALERT_EMAILS = ["desk@example.org"]
    settings.ALERT_WEBHOOK_URL = url
    alert = Alert.objects.create(
        relationship=relationship, kind="band", key="band:x", title="Now S", message="Moved."
    )
    tasks.send_alert.delay(alert.pk)
    tasks.send_alert.delay(alert.pk)  # a duplicate job sends nothing more
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["desk@example.org"]
    assert [r["key"] for r in received] == ["band:x"]
    alert.refresh_from_db()
    assert alert.emailed_at and alert.posted_at


def test_a_failed_webhook_releases_its_claim_for_the_retry(relationship, settings):
    settings.ALERT_WEBHOOK_URL = "http://127.0.0.1:9/hook"  # nothing listens
    alert = Alert.objects.create(
        relationship=relationship, kind="band", key="band:y", title="t", message="m"
    )
    with pytest.raises(OSError):
        alerts.alert_send(alert.pk)
    alert.refresh_from_db()
    assert alert.posted_at is None  # the retry will send it


def test_recompute_job_evaluates_alerts(relationship):
    indicator = IndicatorFactory(relationship=relationship, weight=1.0, half_life_days=1000)
    ObservationFactory(indicator=indicator, occurred_on=dt.date(2024, 1, 1), magnitude=0.5)
    result = tasks.recompute_snapshots.delay(relationship.pk).get()
    assert "full rebuild" in result
    assert relationship.snapshots.exists()
    assert not Alert.objects.exists()  # the first scoring is not news

    report = ObservationFactory(indicator=indicator, occurred_on=dt.date(2024, 6, 1),
                                magnitude=20, reliability="A", credibility=1)  # fmt: skip
    tasks.recompute_snapshots.delay(relationship.pk, "2024-06-01", [indicator.pk]).get()
    assert Alert.objects.filter(kind="evidence", key=f"evidence:{report.pk}").exists()
