"""What moved the assessment: contributions add up to the change and name their reports."""

import datetime as dt

import pytest

from tests.tracker.support import END, catalogue, observe
from tracker.scoring import method
from tracker.scoring.inputs import scoring_inputs
from tracker.selectors.movement import contributions_between
from tracker.series.refresh import snapshots_refresh

pytestmark = pytest.mark.django_db


def test_contributions_add_up_and_name_the_observations():
    relationship, indicators = catalogue()
    observe(indicators[0], 0)
    observe(indicators[1], 0, 0.5)  # friction has evidence before the period, so that...
    drones = observe(indicators[0], 100, 4)
    friction = observe(indicators[1], 110, 3)
    snapshots_refresh(relationship, end=END)
    movement = contributions_between(relationship, dt.date(2024, 3, 1), END)
    assert sum(m.contribution for m in movement.moves) == pytest.approx(movement.change)
    by_indicator = {m.indicator.pk: m for m in movement.moves}
    event_move = by_indicator[indicators[0].pk]
    named = {share.observation.pk: share.contribution for share in event_move.observations}
    assert set(named) == {drones.pk}
    assert event_move.carryover + sum(named.values()) == pytest.approx(event_move.contribution)
    assert by_indicator[indicators[1].pk].contribution < 0  # ...more of it lowers the index
    assert friction.pk in {s.observation.pk for s in by_indicator[indicators[1].pk].observations}


def test_an_event_indicator_shows_its_three_largest_shares_and_counts_the_rest():
    relationship, indicators = catalogue()
    observe(indicators[0], 0)
    reports = [
        observe(indicators[0], 100 + n, measure) for n, measure in enumerate([1, 4, 2, 5, 3])
    ]
    snapshots_refresh(relationship, end=END)
    movement = contributions_between(relationship, dt.date(2024, 3, 1), END)
    move = next(m for m in movement.moves if m.indicator.pk == indicators[0].pk)
    # Each report's share, worked out here from the method's own mass of one event.
    spec = next(s for s in scoring_inputs(relationship).specs if s.key == indicators[0].pk)
    masses = {
        o.pk: method.event_mass(
            spec,
            o.magnitude,
            method.report_grade(o.reliability, o.credibility, o.caveat),
            (movement.end - o.occurred_on).days,
        )
        for o in reports
    }
    new_part = move.contribution - move.carryover
    expected = sorted(
        ((pk, new_part * mass / sum(masses.values())) for pk, mass in masses.items()),
        key=lambda share: -abs(share[1]),
    )
    shown = [(share.observation.pk, share.contribution) for share in move.observations]
    assert [pk for pk, _ in shown] == [pk for pk, _ in expected[:3]]
    assert [c for _, c in shown] == pytest.approx([c for _, c in expected[:3]], rel=1e-12)
    assert move.more == 2
