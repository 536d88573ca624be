"""CSV import in the admin: a dry-run preview, all-or-nothing, row-level messages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import IndicatorFactory, ObservationFactory, SourceFactory
from tracker.models import Observation

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:tracker_observation_import")
PROCESS = reverse("admin:tracker_observation_process_import")
HEADER = (
    "reference,indicator,occurred_on,precision,magnitude,value,stage,"
    "summary,source,url,quote,reliability,credibility"
)


@pytest.fixture
def catalogue():
    IndicatorFactory(slug="drone-transfers")
    IndicatorFactory(slug="su35-deal", stage=True)
    SourceFactory(name="TASS", default_reliability="C")


def upload(client, text):
    csv_file = SimpleUploadedFile("observations.csv", text.encode(), content_type="text/csv")
    return client.post(IMPORT, {"import_file": csv_file, "format": "0"})


GOOD = "\n".join(
    [
        HEADER,
        "a-1,drone-transfers,2022-09-13,day,3,,,First Shahed downed,TASS,https://example.org/a,,,1",
        "a-2,su35-deal,2023-03-01,month,,,Contract,Contract reported,TASS,,,B,2",
        ",drone-transfers,2022-10-17,day,4,,,Kyiv struck,TASS,,,,1",
    ]
)


def test_preview_writes_nothing_then_confirm_imports(analyst_client, analyst, catalogue):
    preview = upload(analyst_client, GOOD)
    assert preview.status_code == 200
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["new"] == 3
    assert not Observation.objects.exists()  # the preview is a dry run

    confirm = preview.context["confirm_form"]
    response = analyst_client.post(PROCESS, {**confirm.initial})
    assert response.status_code == 302
    assert Observation.objects.count() == 3
    first = Observation.objects.get(reference="a-1")
    assert (first.analyst, first.reliability) == (analyst, "C")  # the source's default grade
    assert first.history.get().history_user == analyst
    assert Observation.objects.get(reference="a-2").stage.name == "Contract"


def test_importing_the_same_file_again_changes_nothing(analyst_client, catalogue):
    analyst_client.post(PROCESS, upload(analyst_client, GOOD).context["confirm_form"].initial)
    history = Observation.history.count()
    again = upload(analyst_client, GOOD.replace(",2022-10-17,day,4,,,Kyiv struck", ",x,day,4,,,y"))
    assert again.context["result"].totals["skip"] == 2
    assert Observation.history.count() == history


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (",no-such-indicator,2022-09-13,day,3,,,x,TASS,,,,1", "no indicator with the slug"),
        (",drone-transfers,13/09/2022,day,3,,,x,TASS,,,,1", "write it as YYYY-MM-DD"),
        (",drone-transfers,2022-09-13,day,,,,x,TASS,,,,1", "enter its magnitude"),
        (",drone-transfers,2022-09-13,day,three,,,x,TASS,,,,1", "is not a number"),
        (",su35-deal,2023-03-01,month,,,Delivered to Mars,x,TASS,,,,1", "not a stage of"),
        (",drone-transfers,2022-09-13,day,3,,,x,Nobody,,,,1", "no source named"),
        (",drone-transfers,2022-09-13,day,3,,,x,TASS,,,Q,1", "not a valid choice"),
        (",drone-transfers,2022-09-13,day,3,,,x,TASS,,,,9", "not a valid choice"),
        (",drone-transfers,2999-09-13,day,3,,,x,TASS,,,,1", "future"),
    ],
)
def test_one_bad_row_rejects_the_file_with_its_row_and_field(
    analyst_client, catalogue, row, message
):
    text = "\n".join([HEADER, GOOD.splitlines()[1], row])
    response = upload(analyst_client, text)
    result = response.context["result"]
    assert result.has_validation_errors()
    assert "confirm_form" not in response.context
    [invalid] = result.invalid_rows
    assert invalid.number == 2
    assert message in " ".join(m for ms in invalid.error_dict.values() for m in ms)
    assert message in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert not Observation.objects.exists()


def test_a_file_with_wrong_columns_is_refused(analyst_client, catalogue):
    response = upload(analyst_client, "indicator,when,summary\ndrone-transfers,2022-01-01,x")
    result = response.context["result"]
    assert result.has_errors()
    page = response.content.decode()
    assert "missing column(s): occurred_on, source, credibility" in page
    assert "unknown column(s): when" in page
    assert not Observation.objects.exists()


def test_a_retracted_observation_is_not_corrected_by_import(analyst_client, analyst, catalogue):
    from tracker.observations import services

    observation = ObservationFactory(reference="a-1")
    services.observation_retract(observation, by=analyst, reason="Withdrawn")
    result = upload(analyst_client, GOOD).context["result"]
    assert "retracted" in str(result.invalid_rows[0].error_dict)


def test_readers_cannot_import(reader_client):
    assert reader_client.get(IMPORT).status_code == 403


def test_a_row_repeated_in_one_file_is_refused_with_both_row_numbers(analyst_client, catalogue):
    repeated = "\n".join(
        [
            HEADER,
            ",drone-transfers,2022-10-17,day,4,,,Kyiv struck,TASS,,,,1",
            "b-1,drone-transfers,2022-10-18,day,2,,,Odesa struck,TASS,,,,1",
            ",drone-transfers,2022-10-17,day,4,,,Kyiv struck,TASS,,,,1",
            "b-1,drone-transfers,2022-10-19,day,2,,,Odesa again,TASS,,,,1",
        ]
    )
    response = upload(analyst_client, repeated)
    result = response.context["result"]
    assert result.has_validation_errors()
    page = response.content.decode()
    assert "Row 3 repeats row 1: the same report can be imported once." in page
    assert "Row 4 repeats row 2: the reference “b-1” can be imported once." in page
    assert not Observation.objects.exists()


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe\x00garbage\x00\x01", b'not,a\n"csv', b"", "\u0000".encode() * 10],
)
def test_a_file_that_cannot_be_read_says_so_without_a_traceback(analyst_client, catalogue, body):
    csv_file = SimpleUploadedFile("observations.csv", body, content_type="text/csv")
    response = analyst_client.post(IMPORT, {"import_file": csv_file, "format": "0"})
    page = response.content.decode(errors="replace")
    assert response.status_code == 200
    assert "Traceback" not in page and "site-packages" not in page and ".py" not in page
    assert not Observation.objects.exists()
