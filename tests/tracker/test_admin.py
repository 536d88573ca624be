"""The analyst's workbench: add, correct, retract, see history; clear messages; no deletes."""

import re

import pytest
import tablib
from django.urls import reverse

from tests.factories import IndicatorFactory, ObservationFactory, SourceFactory
from tracker.admin import SafeCSV
from tracker.models import Indicator, Observation, Originator
from tracker.observations import services

pytestmark = pytest.mark.django_db

ADD = reverse("admin:tracker_observation_add")
CHANGELIST = reverse("admin:tracker_observation_changelist")


def change_url(observation):
    return reverse("admin:tracker_observation_change", args=[observation.pk])


def form_data(indicator, source, **overrides):
    data = {
        "indicator": indicator.pk,
        "occurred_on": "2024-09-10",
        "precision": "day",
        "magnitude": "3",
        "value": "",
        "stage": "",
        "summary": "Russia received Fath-360 missiles.",
        "source": source.pk,
        "url": "https://example.org/missiles",
        "quote": "",
        "reliability": "",
        "credibility": "2",
        # The inline of further publishers (citations), empty.
        "citations-TOTAL_FORMS": "0",
        "citations-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_analyst_adds_an_observation(analyst_client, analyst):
    indicator, source = IndicatorFactory(), SourceFactory(default_reliability="C")
    response = analyst_client.post(ADD, form_data(indicator, source))
    assert response.status_code == 302, response.context["adminform"].form.errors
    observation = Observation.objects.get()
    assert observation.analyst == analyst
    assert observation.reliability == "C"  # the source's default
    assert observation.history.get().history_user == analyst
    # No originator named: the publisher's own reporting, graded as the publisher.
    assert observation.originator.name == source.name


def test_analyst_grades_the_originator_and_cites_a_further_publisher(analyst_client):
    indicator, relay, wire = (
        IndicatorFactory(),
        SourceFactory(default_reliability="D"),
        SourceFactory(),
    )
    said = Originator.objects.create(
        name="US government", kind="government", default_reliability="C"
    )
    data = form_data(indicator, relay, originator=said.pk, caveat="interested")
    data |= {
        "citations-TOTAL_FORMS": "1",
        "citations-0-source": wire.pk,
        "citations-0-url": "https://example.org/wire",
        "citations-0-quote": "",
    }
    response = analyst_client.post(ADD, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    observation = Observation.objects.get()
    # Graded on who said it (C), not on the relay it was read in (D).
    assert (observation.originator, observation.reliability) == (said, "C")
    assert observation.caveat == "interested"
    assert [c.source for c in observation.citations.all()] == [wire]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"magnitude": ""}, "magnitude", "enter its magnitude"),
        ({"value": "5"}, "value", "Only level indicators take a value"),
        ({"occurred_on": "2999-01-01"}, "occurred_on", "future"),
        ({"occurred_on": "10 Sept"}, "occurred_on", "write it as YYYY-MM-DD, e.g. 2026-11-29"),
        # The locale's day-first form is no longer read: the import never read it.
        ({"occurred_on": "10/09/2024"}, "occurred_on", "ambiguous: 10 September 2024 or"),
        ({"occurred_on": "20/11/2024"}, "occurred_on", "here 2024-11-20"),
        ({"precision": "month"}, "occurred_on", "first day of the month (2024-09-01)"),
        ({"credibility": "7"}, "credibility", "Value '7' is not a valid choice; valid: 1, 2,"),
        ({"reliability": "Z"}, "reliability", "valid: A, B, C, D, E, F."),
        ({"caveat": "lies"}, "caveat", "valid: denial, interested, or empty."),
        ({"summary": ""}, "summary", "This field is required"),
        ({"url": "not a url"}, "url", "Enter a valid URL"),
        ({"magnitude": "-2"}, "magnitude", "above zero"),
    ],
)
def test_invalid_input_names_the_field_and_writes_nothing(
    analyst_client, overrides, field, message
):
    indicator, source = IndicatorFactory(), SourceFactory()
    response = analyst_client.post(ADD, form_data(indicator, source, **overrides))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field])
    assert not Observation.objects.exists()


def test_stage_choices_are_the_indicators_ladder(analyst_client):
    su35 = IndicatorFactory(stage=True, name="Su-35 deal")
    IndicatorFactory(stage=True, name="Treaty")
    response = analyst_client.get(f"{ADD}?indicator={su35.pk}")
    stages = list(response.context["adminform"].form.fields["stage"].queryset)
    assert stages == list(su35.stages.all())
    observation = ObservationFactory(indicator=su35)
    response = analyst_client.get(change_url(observation))
    assert list(response.context["adminform"].form.fields["stage"].queryset) == stages


def test_a_stage_of_another_ladder_is_refused_with_a_message(analyst_client):
    su35 = IndicatorFactory(stage=True, name="Su-35 deal")
    treaty = IndicatorFactory(stage=True, name="Treaty")
    data = form_data(su35, SourceFactory(), magnitude="", stage=treaty.stages.first().pk)
    response = analyst_client.post(ADD, data)
    assert response.context["adminform"].form.errors["stage"] == [
        "Choose a stage of the “Su-35 deal” ladder."
    ]
    # The option list carries each stage's indicator for the form's filter.
    assert f'data-indicator="{su35.pk}"' in response.content.decode()


def test_analyst_corrects_and_sees_the_history(analyst_client, analyst):
    observation = ObservationFactory(magnitude=2)
    data = form_data(observation.indicator, observation.source, magnitude="4", reliability="B")
    response = analyst_client.post(change_url(observation), data)
    assert response.status_code == 302
    observation.refresh_from_db()
    assert observation.magnitude == 4
    history = analyst_client.get(
        reverse("admin:tracker_observation_history", args=[observation.pk])
    )
    assert history.status_code == 200
    page = history.content.decode()
    assert "Corrected" in page
    assert analyst.username in page
    assert observation.history.count() == 2


def test_retract_action_asks_for_a_reason_then_retracts(analyst_client):
    observations = ObservationFactory.create_batch(2)
    ids = [o.pk for o in observations]
    data = {"action": "retract_selected", "_selected_action": ids}
    response = analyst_client.post(CHANGELIST, data)
    assert response.status_code == 200
    assert "Reason" in response.content.decode()
    assert Observation.objects.accepted().count() == 2

    response = analyst_client.post(CHANGELIST, {**data, "reason": "Duplicate reports"})
    assert response.status_code == 302
    assert Observation.objects.accepted().count() == 0
    assert set(Observation.objects.values_list("retraction_reason", flat=True)) == {
        "Duplicate reports"
    }
    # A retracted observation is shown, not edited.
    page = analyst_client.get(change_url(observations[0]))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]


def test_no_one_deletes_observations_from_the_admin(admin_client):
    observation = ObservationFactory()
    response = admin_client.get(CHANGELIST)
    assert "delete_selected" not in response.content.decode()
    delete = reverse("admin:tracker_observation_delete", args=[observation.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Observation.objects.filter(pk=observation.pk).exists()


def test_changelist_filters_and_search(analyst_client):
    ObservationFactory(summary="Shahed drones over Kyiv", reliability="B")
    ObservationFactory(summary="Rail link signed", reliability="C")
    response = analyst_client.get(CHANGELIST, {"q": "Shahed"})
    assert [o.summary for o in response.context["cl"].result_list] == ["Shahed drones over Kyiv"]
    response = analyst_client.get(CHANGELIST, {"reliability__exact": "C"})
    assert [o.summary for o in response.context["cl"].result_list] == ["Rail link signed"]


def test_changelist_query_count_does_not_grow(analyst_client, django_assert_max_num_queries):
    ObservationFactory.create_batch(30)
    with django_assert_max_num_queries(20):
        assert analyst_client.get(CHANGELIST).status_code == 200


def test_autocomplete_finds_indicators_for_analysts(analyst_client):
    IndicatorFactory(name="Iranian drones for Russia")
    response = analyst_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "drones",
            "app_label": "tracker",
            "model_name": "observation",
            "field_name": "indicator",
        },
    )
    assert [r["text"] for r in response.json()["results"]] == ["Iranian drones for Russia"]


class TestCataloguePermissions:
    def test_analyst_reads_but_cannot_change_the_catalogue(self, analyst_client):
        indicator = IndicatorFactory(weight=2.0)
        url = reverse("admin:tracker_indicator_change", args=[indicator.pk])
        response = analyst_client.get(url)
        assert response.status_code == 200
        assert not response.context["has_change_permission"]
        analyst_client.post(url, {"weight": "9"})
        indicator.refresh_from_db()
        assert indicator.weight == 2.0

    def test_editor_without_tune_permission_cannot_change_weights(self, client, analyst):
        from django.contrib.auth.models import Permission

        analyst.user_permissions.add(Permission.objects.get(codename="change_indicator"))
        client.force_login(analyst)
        indicator = IndicatorFactory(weight=2.0)
        url = reverse("admin:tracker_indicator_change", args=[indicator.pk])
        form = client.get(url).context["adminform"].form
        assert "weight" not in form.fields
        assert "description" in form.fields

    def test_tune_permission_unlocks_weights(self, client, analyst):
        from django.contrib.auth.models import Permission

        analyst.user_permissions.add(
            *Permission.objects.filter(codename__in=["change_indicator", "tune_indicator"])
        )
        client.force_login(analyst)
        indicator = IndicatorFactory()
        url = reverse("admin:tracker_indicator_change", args=[indicator.pk])
        assert "weight" in client.get(url).context["adminform"].form.fields

    def test_indicator_admin_links_to_its_evidence(self, analyst_client):
        indicator = IndicatorFactory()
        page = analyst_client.get(reverse("admin:tracker_indicator_change", args=[indicator.pk]))
        assert f"?indicator={indicator.pk}" in page.content.decode()
        assert Indicator.objects.count() == 1


def history_form(model_name, obj):
    version = obj.history.order_by("history_id").first().history_id
    return reverse(f"admin:tracker_{model_name}_simple_history", args=[obj.pk, version])


def test_a_reader_cannot_change_a_row_through_its_history_form(reader_client):
    indicator = IndicatorFactory(name="Drones")
    url = history_form("indicator", indicator)
    assert reader_client.get(url).status_code == 200  # history stays readable
    response = reader_client.post(url, {"name": "Renamed", "slug": "renamed", "cadence_days": 1})
    assert response.status_code == 403
    indicator.refresh_from_db()
    assert (indicator.name, indicator.history.count()) == ("Drones", 1)


def test_no_one_reinstates_a_retraction_through_history(analyst_client, analyst, admin_client):
    observation = ObservationFactory()
    services.observation_retract(observation, by=analyst, reason="A duplicate")
    before = history_form("observation", observation)  # the version before the retraction
    for client in (analyst_client, admin_client):
        assert client.post(before, {"summary": observation.summary}).status_code == 403
    observation.refresh_from_db()
    assert observation.is_retracted and observation.retraction_reason == "A duplicate"
    assert b"Revert" not in analyst_client.get(before).content


def test_the_admins_csv_export_defuses_formula_cells():
    data = tablib.Dataset(("=cmd|calc", "-3.5", "@SUM(A1)"), headers=["a", "b", "c"])
    exported = SafeCSV().export_data(data)
    assert exported.splitlines()[1] == "'=cmd|calc,-3.5,'@SUM(A1)"


def test_the_observation_form_shows_and_takes_dates_as_yyyy_mm_dd(analyst_client):
    """The admin's calendar widget showed 11/09/2024 (the en-gb locale) for 2024-09-11."""
    observation = ObservationFactory(occurred_on="2024-09-11")
    html = analyst_client.get(change_url(observation)).content.decode()
    box = re.search(r'<input[^>]*name="occurred_on"[^>]*>', html)[0]
    assert 'value="2024-09-11"' in box and 'type="text"' in box
    assert 'inputmode="numeric"' in box and 'placeholder="YYYY-MM-DD"' in box
    assert 'id="id_occurred_on_helptext"' in html
    assert "YYYY-MM-DD, e.g. 2026-11-29" in html  # the format, beside the box
    assert "11/09/2024" not in html


def test_other_admin_dates_are_read_the_same_way(admin_client):
    """A shared event's date (and a question's): the same box and reader as an observation's."""
    from tracker.models import SharedEvent

    add = reverse("admin:tracker_sharedevent_add")
    assert 'placeholder="YYYY-MM-DD"' in admin_client.get(add).content.decode()
    data = {"slug": "drill", "title": "A drill", "description": ""}
    refused = admin_client.post(add, data | {"occurred_on": "11/09/2024"})
    assert "is ambiguous: 11 September 2024 or 9 November 2024?" in " ".join(
        refused.context["adminform"].form.errors["occurred_on"]
    )
    assert admin_client.post(add, data | {"occurred_on": "29 Nov 2025"}).status_code == 302
    assert SharedEvent.objects.get().occurred_on.isoformat() == "2025-11-29"
    question = admin_client.get(reverse("admin:tracker_question_add")).content.decode()
    for name in ("opens", "closes", "resolved_on"):
        box = re.search(rf'<input[^>]*name="{name}"[^>]*>', question)[0]
        assert 'placeholder="YYYY-MM-DD"' in box, name
