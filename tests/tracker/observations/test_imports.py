"""CSV import as a job: uploaded, checked by a worker (nothing written), confirmed, imported
all or nothing, with each bad row named; the page shows the job's progress while it runs."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.clock import NOW
from tests.factories import IndicatorFactory, ObservationFactory, SourceFactory
from tracker.models import Observation, ObservationImport, Originator
from tracker.observations import imports

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:tracker_observation_import")
HEADER = (
    "reference,indicator,occurred_on,precision,magnitude,value,stage,"
    "summary,source,url,quote,reliability,credibility"
)
Status = ObservationImport.Status


@pytest.fixture
def catalogue():
    IndicatorFactory(slug="drone-transfers")
    IndicatorFactory(slug="su35-deal", stage=True)
    SourceFactory(name="TASS", default_reliability="C")


class Importer:
    """An analyst at the import pages, with the jobs each step enqueues run on commit (the
    test settings run Celery tasks eagerly, in this process)."""

    def __init__(self, client, capture):
        self.client, self.capture = client, capture

    def upload(self, body, name="observations.csv"):
        data = body.encode() if isinstance(body, str) else body
        csv_file = SimpleUploadedFile(name, data, content_type="text/csv")
        with self.capture(execute=True):
            response = self.client.post(IMPORT, {"file": csv_file})
        if response.status_code != 302:
            return response  # the upload itself was refused
        return self.client.get(response["Location"])

    def confirm(self, job):
        with self.capture(execute=True):
            response = self.client.post(
                reverse("admin:tracker_observation_import_confirm", args=[job.pk])
            )
        assert response.status_code == 302
        return self.client.get(response["Location"])


@pytest.fixture
def importer(analyst_client, django_capture_on_commit_callbacks):
    return Importer(analyst_client, django_capture_on_commit_callbacks)


def page_text(response):
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


GOOD = "\n".join(
    [
        HEADER,
        "a-1,drone-transfers,2022-09-13,day,3,,,First Shahed downed,TASS,https://example.org/a,,,1",
        "a-2,su35-deal,2023-03-01,month,,,Contract,Contract reported,TASS,,,B,2",
        ",drone-transfers,2022-10-17,day,4,,,Kyiv struck,TASS,,,,1",
    ]
)


def test_the_check_writes_nothing_then_confirming_imports(importer, analyst, catalogue):
    checked = importer.upload(GOOD)
    job = checked.context["job"]
    assert (job.status, job.rows, job.new, job.errors) == (Status.READY, 3, 3, [])
    assert "All 3 rows are valid: 3 new" in page_text(checked)
    assert not Observation.objects.exists()  # the check is a dry run

    done = importer.confirm(job)
    job.refresh_from_db()
    assert (job.status, job.confirmed_by, job.new) == (Status.IMPORTED, analyst, 3)
    assert "3 new, 0 corrected" in page_text(done)
    assert Observation.objects.count() == 3
    first = Observation.objects.get(reference="a-1")
    assert (first.analyst, first.reliability) == (analyst, "C")  # the source's default grade
    assert first.history.get().history_user == analyst
    assert Observation.objects.get(reference="a-2").stage.name == "Contract"


def test_a_second_confirmation_imports_nothing_more(importer, catalogue):
    job = importer.upload(GOOD).context["job"]
    importer.confirm(job)
    again = importer.confirm(job)
    assert "is not waiting for confirmation" in page_text(again)
    assert Observation.objects.count() == 3


def test_a_redelivered_import_job_imports_once(importer, catalogue):
    """acks_late: a job whose worker died is delivered again; the rerun finds it done."""
    job = importer.upload(GOOD).context["job"]
    importer.confirm(job)
    assert imports.import_run(job.pk).endswith("nothing to do")
    assert Observation.objects.count() == 3


def test_importing_the_same_file_again_changes_nothing(importer, catalogue):
    importer.confirm(importer.upload(GOOD).context["job"])
    history = Observation.history.count()
    again = importer.upload(GOOD.replace(",2022-10-17,day,4,,,Kyiv struck", ",x,day,4,,,y"))
    job = again.context["job"]
    assert (job.status, job.unchanged) == (Status.REFUSED, 0)  # the changed row is bad now
    fixed = importer.upload(GOOD.replace(",2022-10-17,day,4,,,Kyiv struck\n", ""))
    assert fixed.context["job"].unchanged == 2
    assert Observation.history.count() == history


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (",no-such-indicator,2022-09-13,day,3,,,x,TASS,,,,1", "no indicator with the slug"),
        (",drone-transfers,13/09/2022,day,3,,,x,TASS,,,,1", "write it as YYYY-MM-DD"),
        (",drone-transfers,2022-09-13,week,3,,,x,TASS,,,,1", "valid: day, month, year"),
        (",drone-transfers,2022-09-13,day,,,,x,TASS,,,,1", "enter its magnitude"),
        (",drone-transfers,2022-09-13,day,three,,,x,TASS,,,,1", "is not a number"),
        (",su35-deal,2023-03-01,month,,,Delivered to Mars,x,TASS,,,,1", "not a stage of"),
        (",drone-transfers,2022-09-13,day,3,,,x,Nobody,,,,1", "no source named"),
        (",drone-transfers,2022-09-13,day,3,,,x,TASS,,,Q,1", "not a valid choice"),
        (",drone-transfers,2022-09-13,day,3,,,x,TASS,,,,9", "not a valid choice"),
        (",drone-transfers,2999-09-13,day,3,,,x,TASS,,,,1", "future"),
        (",drone-transfers,0001-01-01,day,3,,,x,TASS,,,,1", "1900"),
    ],
)
def test_one_bad_row_refuses_the_file_naming_its_row_and_field(importer, catalogue, row, message):
    response = importer.upload("\n".join([HEADER, GOOD.splitlines()[1], row]))
    job = response.context["job"]
    assert job.status == Status.REFUSED
    assert all(error.startswith("Row 2:") for error in job.errors)
    assert message in " ".join(job.errors)
    assert message in page_text(response)
    assert "Import 2 rows" not in page_text(response)  # no confirm button
    assert not Observation.objects.exists()


def test_a_file_with_wrong_columns_is_refused(importer, catalogue):
    job = importer.upload("indicator,when,summary\ndrone-transfers,2022-01-01,x").context["job"]
    [error] = job.errors  # the file's columns; its rows say nothing more
    assert error.startswith("File: The file cannot be imported:")
    assert "missing column(s): occurred_on, source, credibility" in error
    assert "unknown column(s): when" in error
    assert job.status == Status.REFUSED


def test_a_retracted_observation_is_not_corrected_by_import(importer, analyst, catalogue):
    from tracker.observations import services

    observation = ObservationFactory(reference="a-1")
    services.observation_retract(observation, by=analyst, reason="Withdrawn")
    job = importer.upload(GOOD).context["job"]
    assert job.status == Status.REFUSED
    assert "retracted" in job.errors[0]


def test_data_changed_since_the_check_refuses_the_import_and_writes_nothing(
    importer, analyst, catalogue
):
    job = importer.upload(GOOD).context["job"]
    from tracker.observations import services

    observation = ObservationFactory(reference="a-1")  # meanwhile, a-1 arrives and is retracted
    services.observation_retract(observation, by=analyst, reason="Withdrawn")
    done = importer.confirm(job)
    job.refresh_from_db()
    assert job.status == Status.REFUSED
    assert "changed since the check" in job.errors[0] and "retracted" in job.errors[1]
    assert "nothing was imported" in page_text(done)
    assert Observation.objects.count() == 1


def test_readers_cannot_import_or_see_imports(reader, importer, catalogue):
    job = importer.upload(GOOD).context["job"]
    reader_client = Client()
    reader_client.force_login(reader)
    assert reader_client.get(IMPORT).status_code == 403
    assert (
        reader_client.get(
            reverse("admin:tracker_observation_import_job", args=[job.pk])
        ).status_code
        == 403
    )
    confirm = reverse("admin:tracker_observation_import_confirm", args=[job.pk])
    assert reader_client.post(confirm).status_code == 403
    job.refresh_from_db()
    assert job.status == Status.READY


def test_the_in_request_import_step_is_not_served(analyst_client):
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        reverse("admin:tracker_observation_process_import")
    response = analyst_client.post("/admin/tracker/observation/process_import/")
    assert response.status_code in {302, 404}  # the admin's catch-all: no such observation
    assert not Observation.objects.exists()


def test_a_row_repeated_in_one_file_is_refused_with_both_row_numbers(importer, catalogue):
    repeated = "\n".join(
        [
            HEADER,
            ",drone-transfers,2022-10-17,day,4,,,Kyiv struck,TASS,,,,1",
            "b-1,drone-transfers,2022-10-18,day,2,,,Odesa struck,TASS,,,,1",
            ",drone-transfers,2022-10-17,day,4,,,Kyiv struck,TASS,,,,1",
            "b-1,drone-transfers,2022-10-19,day,2,,,Odesa again,TASS,,,,1",
        ]
    )
    page = page_text(importer.upload(repeated))
    assert "Row 3 repeats row 1: the same report can be imported once." in page
    assert "Row 4 repeats row 2: the reference “b-1” can be imported once." in page
    assert not Observation.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"\xff\xfe\x00garbage\x00\x01", "not UTF-8"),
        ("\u0000".encode() * 10, "NUL characters"),
        (b'not,a\n"csv', "missing column(s)"),
        (b"", "The submitted file is empty"),
    ],
)
def test_a_file_that_cannot_be_read_says_so_without_a_traceback(importer, catalogue, body, message):
    response = importer.upload(body)
    page = page_text(response)
    assert response.status_code == 200
    assert message in page
    assert "Traceback" not in page and "site-packages" not in page and ".py" not in page
    assert not Observation.objects.exists()


def test_a_file_over_the_limit_is_refused_at_upload(importer, catalogue, monkeypatch):
    monkeypatch.setattr(imports, "MAX_MEGABYTES", 1)
    response = importer.upload(GOOD + "\n" + "x" * (1024 * 1024))
    assert response.status_code == 200
    assert "the limit is 1 MB" in page_text(response)
    assert not ObservationImport.objects.exists()


def test_the_page_polls_while_the_job_runs_and_shows_rows_read(analyst_client, analyst, catalogue):
    """Between upload and its job (a busy worker), and while it runs: the progress bar."""
    job = ObservationImport.objects.create(
        filename="big.csv", content=GOOD, uploaded_by=analyst, rows=3
    )
    progress = reverse("admin:tracker_observation_import_progress", args=[job.pk])
    page = analyst_client.get(reverse("admin:tracker_observation_import_job", args=[job.pk]))
    assert f'hx-get="{progress}"' in page_text(page)
    assert "0 of about 3 rows read" in page_text(page)

    report = imports._reporter(job.pk)
    for row in range(1, 201):
        report(row)
    partial = analyst_client.get(progress)
    assert partial.template_name.endswith("#status")  # the status alone, not the page
    assert "200 of about 3 rows read" in page_text(partial)  # the estimate was low: honest

    imports.import_run(job.pk)
    final = page_text(analyst_client.get(progress))
    assert "hx-get" not in final  # done: the poll stops
    assert "All 3 rows are valid" in final


def test_the_job_reports_its_progress_every_hundred_rows(catalogue, analyst):
    rows = [
        f",drone-transfers,2022-10-{1 + n % 28:02d},day,{n % 5 + 1},,,r{n},TASS,,,,1"
        for n in range(250)
    ]
    job = ObservationImport.objects.create(
        filename="f.csv", content="\n".join([HEADER, *rows]), uploaded_by=analyst
    )
    seen = []
    original = imports._reporter

    def spy(pk):
        report = original(pk)

        def recording(row):
            report(row)
            seen.append(imports.import_progress(job))

        return recording

    imports._reporter = spy
    try:
        imports.import_run(job.pk)
    finally:
        imports._reporter = original
    assert sorted(set(seen)) == [0, 100, 200]
    job.refresh_from_db()
    assert (job.status, job.rows, job.new) == (Status.READY, 250, 250)
    assert imports.import_progress(job) == 0  # cleared once done


def test_an_import_stopped_at_the_time_limit_is_refused_with_the_reason(
    catalogue, analyst, monkeypatch
):
    from celery.exceptions import SoftTimeLimitExceeded

    from tracker import tasks

    def too_long(pk):
        raise SoftTimeLimitExceeded()

    job = ObservationImport.objects.create(filename="f.csv", content=GOOD, uploaded_by=analyst)
    monkeypatch.setattr(imports, "import_run", too_long)
    tasks.import_observations(job.pk)
    job.refresh_from_db()
    assert job.status == Status.REFUSED
    assert "took longer than an import may (48 minutes)" in job.errors[0]


def test_errors_beyond_the_first_thousand_are_counted(catalogue, analyst):
    bad = [f",no-such,2022-01-01,day,1,,,r{n},TASS,,,,1" for n in range(1005)]
    job = ObservationImport.objects.create(
        filename="f.csv", content="\n".join([HEADER, *bad]), uploaded_by=analyst
    )
    imports.import_run(job.pk)
    job.refresh_from_db()
    assert len(job.errors) == 1001
    assert job.errors[-1] == "… and 5 more."


def test_the_sweep_asks_again_for_an_import_whose_job_was_lost(
    catalogue, analyst, settings, time_machine
):
    time_machine.move_to(NOW, tick=False)
    from tracker import tasks

    job = ObservationImport.objects.create(filename="f.csv", content=GOOD, uploaded_by=analyst)
    assert imports.overdue_imports() == []  # its job may still be running
    time_machine.shift(imports.TIME_LIMIT + settings.RECOMPUTE_OVERDUE_SECONDS + 1)
    assert tasks.import_overdue() == 1  # the eager job runs it now
    job.refresh_from_db()
    assert job.status == Status.READY
    assert imports.overdue_imports() == []


def test_a_file_without_the_optional_reference_column_imports(importer, catalogue):
    """Each row new: reference is optional, though rows with one are matched on it."""
    text = "indicator,occurred_on,magnitude,summary,source,credibility\n"
    text += "drone-transfers,2022-10-17,4,Kyiv struck,TASS,1"
    job = importer.upload(text).context["job"]
    assert (job.status, job.errors, job.new) == (Status.READY, [], 1)
    importer.confirm(job)
    assert Observation.objects.get().reference == ""


def fault_at(monkeypatch, at_row, fault, seen):
    """`fault` raised while row `at_row` is read (the worker's soft time limit arrives as
    an exception in the middle of whatever the job is doing)."""
    original = imports._reporter

    def reporter(pk):
        report = original(pk)

        def wrapped(row):
            seen.append(row)
            if row == at_row:
                raise fault
            report(row)

        return wrapped

    monkeypatch.setattr(imports, "_reporter", reporter)


def test_the_time_limit_during_the_check_stops_it_and_says_why(catalogue, analyst, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    from tracker import tasks

    seen = []
    fault_at(monkeypatch, 1, SoftTimeLimitExceeded(), seen)
    job = ObservationImport.objects.create(filename="f.csv", content=GOOD, uploaded_by=analyst)
    tasks.import_observations(job.pk)
    job.refresh_from_db()
    assert seen == [1]  # no row read after the limit
    assert job.status == Status.REFUSED and "took longer" in job.errors[0]


def test_the_time_limit_during_the_import_writes_nothing_and_says_why(
    importer, catalogue, monkeypatch
):
    from celery.exceptions import SoftTimeLimitExceeded

    job = importer.upload(GOOD).context["job"]
    seen = []
    fault_at(monkeypatch, 2, SoftTimeLimitExceeded(), seen)
    importer.confirm(job)
    job.refresh_from_db()
    assert seen == [1, 2]
    assert job.status == Status.REFUSED and "took longer" in job.errors[0]
    assert not Observation.objects.exists()


def test_a_database_fault_mid_file_is_retried_not_blamed_on_a_row(catalogue, analyst, monkeypatch):
    from django.db import OperationalError

    seen = []
    fault_at(monkeypatch, 2, OperationalError("server closed the connection"), seen)
    job = ObservationImport.objects.create(filename="f.csv", content=GOOD, uploaded_by=analyst)
    with pytest.raises(OperationalError):  # the task's autoretry_for takes it from here
        imports.import_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.errors, job.attempts) == (Status.CHECKING, [], 1)
    monkeypatch.undo()
    imports.import_run(job.pk)  # the retry
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Status.READY, 2)


class Killed(BaseException):
    """The worker dying under the job (an out-of-memory kill): nothing catches it."""


def test_a_job_that_dies_every_time_is_given_up_after_three_runs(catalogue, analyst, monkeypatch):
    job = ObservationImport.objects.create(filename="f.csv", content=GOOD, uploaded_by=analyst)
    seen = []
    fault_at(monkeypatch, 1, Killed(), seen)
    for _ in range(imports.MAX_ATTEMPTS):
        with pytest.raises(Killed):
            imports.import_run(job.pk)
    assert imports.import_run(job.pk).endswith("given up")
    job.refresh_from_db()
    assert job.status == Status.REFUSED
    assert "stopped without finishing 3 times" in job.errors[0]


def test_a_late_duplicate_cannot_overwrite_a_finished_import(importer, catalogue):
    job = importer.upload(GOOD).context["job"]
    importer.confirm(job)
    imports.import_timed_out(job.pk)  # a duplicate's time limit, after the import finished
    job.refresh_from_db()
    assert (job.status, job.errors) == (Status.IMPORTED, [])


def test_the_import_pages_never_load_the_files_themselves(importer, catalogue, analyst_client):
    """The progress view is polled every second and a file may be 20 MB."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    job = importer.upload(GOOD).context["job"]
    pages = [
        IMPORT,
        reverse("admin:tracker_observation_import_job", args=[job.pk]),
        reverse("admin:tracker_observation_import_progress", args=[job.pk]),
    ]
    for page in pages:
        with CaptureQueriesContext(connection) as queries:
            assert analyst_client.get(page).status_code == 200
        reads = [q["sql"] for q in queries if "tracker_observationimport" in q["sql"]]
        assert reads and not any('"content"' in sql for sql in reads), page


def test_rows_name_their_originator_graded_apart_from_the_publisher(importer, catalogue):
    Originator.objects.create(name="US government", kind="government", default_reliability="B")
    header = f"{HEADER},originator,caveat"
    rows = [
        header,
        # Relayed by TASS (C), asserted by the US government: graded B, its usual grade.
        "o-1,drone-transfers,2022-09-13,day,3,,,US says drones,TASS,,,,2,US government,interested",
        # No originator named: TASS's own reporting, graded as TASS.
        "o-2,drone-transfers,2022-09-14,day,3,,,TASS reports,TASS,,,,2,,",
    ]
    importer.confirm(importer.upload("\n".join(rows)).context["job"])
    said, own = Observation.objects.get(reference="o-1"), Observation.objects.get(reference="o-2")
    assert (said.originator.name, said.reliability, said.caveat) == (
        "US government",
        "B",
        "interested",
    )
    assert (own.originator.name, own.reliability, own.caveat) == ("TASS", "C", "")


@pytest.mark.parametrize(
    ("cells", "message"),
    [(",Nobody,", "no originator named “Nobody”"), (",,lies", "'lies' is not a valid choice")],
)
def test_a_bad_originator_or_caveat_refuses_the_file(importer, catalogue, cells, message):
    header = f"{HEADER},originator,caveat"
    row = ",drone-transfers,2022-09-13,day,3,,,x,TASS,,,,1" + cells
    job = importer.upload("\n".join([header, row])).context["job"]
    assert job.status == Status.REFUSED and job.errors[0].startswith("Row 1:")
    assert message in " ".join(job.errors)
    assert not Observation.objects.exists()


def test_further_publishers_are_cited_once_and_an_unknown_one_refuses_the_file(importer, catalogue):
    SourceFactory(name="Reuters")
    header = f"{HEADER},also_published_by"
    row = "c-1,drone-transfers,2022-09-13,day,3,,,x,TASS,,,,1,Reuters <https://example.org/r>"
    checked = importer.upload("\n".join([header, row])).context["job"]
    assert checked.errors == []
    importer.confirm(checked)
    importer.confirm(importer.upload("\n".join([header, row])).context["job"])  # again: no more
    observation = Observation.objects.get(reference="c-1")
    assert [(c.source.name, c.url) for c in observation.citations.all()] == [
        ("Reuters", "https://example.org/r")
    ]
    bad = importer.upload("\n".join([header, row.replace("Reuters <", "Nobody <")]))
    assert bad.context["job"].status == Status.REFUSED
    assert "no source named “Nobody”" in " ".join(bad.context["job"].errors)


def test_a_correction_with_no_originator_keeps_who_said_it(importer, catalogue):
    Originator.objects.create(name="US government", kind="government", default_reliability="B")
    header = f"{HEADER},originator,caveat"
    row = "o-1,drone-transfers,2022-09-13,day,3,,,US says drones,TASS,,,B,2,{},interested"
    importer.confirm(
        importer.upload("\n".join([header, row.format("US government")])).context["job"]
    )
    corrected = row.format("").replace("US says drones", "US says many drones")
    importer.confirm(importer.upload("\n".join([header, corrected])).context["job"])
    observation = Observation.objects.get(reference="o-1")
    assert observation.summary == "US says many drones"
    assert observation.originator.name == "US government"


def preview_cell(html, number, column):
    """The text of one cell of the import's table of rows (its value and its problems)."""
    row = re.search(rf'<tr class="\w+" id="import-row-{number}">(.*?)</tr>', html, re.S)
    assert row, f"row {number} is not shown"
    cell = re.search(rf'<td data-column="{column}"[^>]*>(.*?)</td>', row[1], re.S)
    assert cell, f"row {number} has no {column} cell"
    return re.sub(r"<[^>]+>", " ", cell[1]).replace("&#x27;", "'")


def test_the_check_shows_every_row_good_and_bad_each_problem_beside_its_cell(importer, catalogue):
    """Issue 6: a file of one good row and one bad one shows both; each of the bad row's
    problems is text in its own cell (not behind a badge), a choice's lists the valid values."""
    bad = ",drone-transfers,20/11/2025,day,3,,,Odesa struck,Nobody,,,Z,9"
    response = importer.upload("\n".join([HEADER, GOOD.splitlines()[1], bad]))
    job = response.context["job"]
    assert job.status == Status.REFUSED and not Observation.objects.exists()
    html = page_text(response)
    assert "1 of 2 rows is bad: row 2" in html
    assert 'id="import-errors"' not in html  # the rows' problems are in the table, not twice
    # The good row, as it will be imported.
    assert 'id="import-row-1"' in html and "Valid: new" in preview_cell(html, 1, "Outcome")
    assert "First Shahed downed" in preview_cell(html, 1, "summary")
    # The bad row: each problem under the cell it is about, with the cell as written.
    date = preview_cell(html, 2, "occurred_on")
    assert "20/11/2025" in date and "write it as YYYY-MM-DD, here 2025-11-20" in date
    assert "no source named “Nobody”" in preview_cell(html, 2, "source")
    assert "Value 'Z' is not a valid choice; valid: A, B, C, D, E, F." in preview_cell(
        html, 2, "reliability"
    )
    assert "valid: 1, 2, 3, 4, 5, 6." in preview_cell(html, 2, "credibility")
    assert "Bad" in preview_cell(html, 2, "Outcome")
    assert "Import 2 rows" not in html


def test_the_rows_of_a_checked_file_are_shown_before_it_is_imported(importer, catalogue):
    job = importer.upload(GOOD).context["job"]
    assert [(row["number"], row["outcome"]) for row in job.preview] == [
        (1, "new"),
        (2, "new"),
        (3, "new"),
    ]
    assert job.preview[1]["cells"][6] == ["stage", "Contract", []]
    page = page_text(importer.confirm(job))  # imported: the rows as they were imported
    assert page.count("Valid: new") == 3
    again = importer.upload(GOOD).context["job"]
    # Matched on their references, the first two are unchanged; the third has none: new.
    assert [row["outcome"] for row in again.preview] == ["skip", "skip", "new"]


@pytest.mark.parametrize(
    "written", ["2025-11-20", "2025/11/20", "20251120", "20 Nov 2025", "Nov 20, 2025"]
)
def test_the_import_reads_the_dates_the_forms_read(importer, catalogue, written):
    row = f',drone-transfers,"{written}",day,3,,,x,TASS,,,,1'
    job = importer.upload("\n".join([HEADER, row])).context["job"]
    assert job.errors == []
    importer.confirm(job)
    assert Observation.objects.get().occurred_on.isoformat() == "2025-11-20"


def test_a_row_error_the_form_would_give_is_the_import_s_too(importer, catalogue):
    """One validation path: the same cell gives the same message in the form and the file."""
    from tests.factories import SourceFactory
    from tracker.observations.forms import ObservationForm

    indicator = IndicatorFactory()
    source = SourceFactory()
    for text in ("11/09/2024", "2025-02-30", "Smarch 3 2025"):
        form = ObservationForm(
            {
                "indicator": indicator.pk,
                "occurred_on": text,
                "precision": "day",
                "magnitude": "2",
                "summary": "x",
                "source": source.pk,
                "credibility": "1",
            },
            instance=Observation(),
        )
        row = f',drone-transfers,"{text}",day,3,,,x,TASS,,,,1'
        job = importer.upload("\n".join([HEADER, row])).context["job"]
        assert job.errors == [f"Row 1: occurred_on: {form.errors['occurred_on'][0]}"]


def test_a_long_file_shows_its_first_rows_then_only_the_bad_ones(importer, catalogue, monkeypatch):
    from tracker.observations import resources

    monkeypatch.setattr(resources, "PREVIEW_ROWS", 2)
    rows = [f",drone-transfers,2022-10-{n:02d},day,3,,,r{n},TASS,,,,1" for n in range(1, 7)]
    rows[4] = rows[4].replace("TASS", "Nobody")  # row 5
    response = importer.upload("\n".join([HEADER, *rows]))
    job = response.context["job"]
    assert [(row["number"], row["outcome"]) for row in job.preview] == [
        (1, "new"),
        (2, "new"),
        (5, "bad"),
    ]
    assert "(the first 2, then only the bad ones)" in page_text(response)


def test_a_cell_that_cannot_be_read_is_one_error_not_two(importer, catalogue):
    """As in the form: "x" is not a number, and not also a missing magnitude."""
    row = ",drone-transfers,2022-09-13,day,x,,,x,TASS,,,,1"
    job = importer.upload("\n".join([HEADER, row])).context["job"]
    assert job.errors == ["Row 1: magnitude: “x” is not a number."]


def test_bad_rows_past_the_previews_limit_are_counted_and_listed(importer, catalogue, monkeypatch):
    """The preview shows so many bad rows; the others are still named, with their errors."""
    monkeypatch.setattr("tracker.observations.resources.PREVIEW_BAD_ROWS", 1)
    bad = ",drone-transfers,2025-11-20,day,3,,,Odesa struck,Nobody,,,A,1"
    response = importer.upload("\n".join([HEADER, bad, bad.replace("Odesa", "Kherson")]))
    html = page_text(response)
    assert "2 of 2 rows are bad: rows 1, 2" in html
    listed = html.split('id="import-errors"')[1].split("</ul>")[0]
    assert "Row 2" in listed and "Row 1:" not in listed  # row 1's problems are in its cells
    assert 'id="import-row-1"' in html and 'id="import-row-2"' not in html
