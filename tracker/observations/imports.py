"""CSV imports of observations as jobs: uploaded in the request, checked and imported by a
worker, never inside the request (a large file would outlast any web worker's timeout).

An import is checked first (a dry run: every row validated, nothing written), then waits for
an analyst's confirmation, then is imported in one transaction: all or nothing, as in
`observations_import`. Each step keeps every row as it found it (`row_previews`: its cells,
its outcome, each problem beside its column) for the import's page. While a job runs it
reports how many rows it has read to the cache, which the import's page polls; what it
found (counts, each bad row) is kept on the `ObservationImport` row. A job whose message was
lost, or whose worker died, is asked for again by the sweep (`overdue_imports`); each step
is idempotent, so a rerun changes nothing.
"""

import csv
import datetime as dt
import io
import logging
from collections.abc import Callable, Sequence

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from import_export.formats.base_formats import CSV

from tracker.jobs import enqueue_on_commit
from tracker.models import ObservationImport
from tracker.observations.resources import observations_import, row_previews

logger = logging.getLogger(__name__)

# Measured (2 Dec 2026, SQLite, 2 cores): about 10 ms a row to check and as much to import.
# A job may run until just before the broker would deliver it again to another worker.
TIME_LIMIT = int(settings.CELERY_VISIBILITY_TIMEOUT * 0.8)  # 48 min by default
MAX_MEGABYTES = 20  # about 100,000 rows of 200 bytes: some 17 minutes a step, inside it
REPORT_EVERY = 100  # rows between progress reports: a cache write per 100 rows costs nothing
MAX_ATTEMPTS = 3  # a step whose job died this often (out of memory, say) is given up
MAX_ERRORS_KEPT = 1000  # a file wrong on every row is named row by row up to here, then counted
JOB = "tracker.tasks.import_observations"

Status = ObservationImport.Status


def import_upload(upload, *, by) -> ObservationImport:
    """Keep an uploaded file as an import to be checked, and ask a worker to check it."""
    if upload.size > MAX_MEGABYTES * 1024 * 1024:
        raise ValidationError(
            f"The file is {upload.size / 1024 / 1024:.0f} MB; the limit is {MAX_MEGABYTES} MB. "
            "Split it into smaller files."
        )
    data = upload.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            f"The file is not UTF-8 text (at byte {error.start}); save it as “CSV UTF-8”."
        ) from None
    if "\x00" in text:
        raise ValidationError("The file holds NUL characters: it is not a CSV text file.")
    job = ObservationImport.objects.create(
        filename=(upload.name or "upload.csv")[:255],
        content=text,
        uploaded_by=by,
        rows=_count_rows(text),  # for the progress bar until the job has parsed it
    )
    enqueue_on_commit(JOB, job.pk)
    return job


def import_confirm(job: ObservationImport, *, by) -> bool:
    """Import a checked file (once: a second confirmation finds it no longer waiting)."""
    confirmed = ObservationImport.objects.filter(pk=job.pk, status=Status.READY).update(
        status=Status.IMPORTING, confirmed_by=by, asked_at=timezone.now(), attempts=0
    )
    if confirmed:
        enqueue_on_commit(JOB, job.pk)
    return bool(confirmed)


def import_run(pk: int) -> str:
    """The job: check or import the file, as its status asks; anything else is done."""
    job = ObservationImport.objects.filter(pk=pk).first()
    if job is None:
        return "no such import"
    if job.is_running:
        # Counted before the step runs: a job that dies every time is given up, not rerun.
        ObservationImport.objects.filter(pk=pk).update(attempts=F("attempts") + 1)
        if job.attempts + 1 > MAX_ATTEMPTS:
            _finish(
                pk,
                Status.REFUSED,
                expected=job.status,
                errors=[
                    f"File: its job stopped without finishing {MAX_ATTEMPTS} times (see the "
                    "worker's log); nothing was imported."
                ],
            )
            return f"{job}: given up"
    if job.status == Status.CHECKING:
        return _check(job)
    if job.status == Status.IMPORTING:
        return _apply(job)
    return f"{job}: nothing to do"


def import_timed_out(pk: int) -> None:
    """A job stopped at its time limit: refuse the file with the reason, rather than ask
    again for a job that would stop the same way."""
    _finish(
        pk,
        Status.REFUSED,
        expected=None,
        errors=[
            f"File: checking or importing it took longer than an import may "
            f"({TIME_LIMIT // 60} minutes); nothing was imported. "
            "Split it into smaller files."
        ],
    )


def import_progress(job: ObservationImport) -> int:
    """Rows read so far by the running job (0 before it starts, or with no shared cache)."""
    return cache.get(_progress_key(job.pk), 0)


def overdue_imports(*, now: dt.datetime | None = None) -> list[int]:
    """Running imports asked for longer ago than any job may run: their job was lost."""
    cutoff = (now or timezone.now()) - dt.timedelta(
        seconds=TIME_LIMIT + settings.RECOMPUTE_OVERDUE_SECONDS
    )
    overdue = ObservationImport.objects.filter(
        status__in=ObservationImport.RUNNING, asked_at__lte=cutoff
    )
    pks = list(overdue.values_list("pk", flat=True))
    ObservationImport.objects.filter(pk__in=pks).update(asked_at=now or timezone.now())
    return pks


def _check(job: ObservationImport) -> str:
    try:
        dataset = _dataset(job)
    except ValidationError as error:
        _finish(
            job.pk,
            Status.REFUSED,
            expected=Status.CHECKING,
            errors=[f"File: {' '.join(error.messages)}"],
        )
        return f"{job}: refused"
    headers = list(dataset.headers or [])  # as uploaded (the import may add "reference")
    result, errors = observations_import(
        dataset, user=job.uploaded_by, dry_run=True, progress=_reporter(job.pk)
    )
    preview = row_previews(headers, dataset, result)
    if errors:
        _finish(
            job.pk,
            Status.REFUSED,
            expected=Status.CHECKING,
            errors=errors,
            rows=len(dataset),
            preview=preview,
        )
        return f"{job}: refused, {len(errors)} error(s)"
    ObservationImport.objects.filter(pk=job.pk, status=Status.CHECKING).update(
        status=Status.READY, rows=len(dataset), preview=preview, **_counts(result)
    )
    cache.delete(_progress_key(job.pk))
    return f"{job}: checked, {len(dataset)} row(s)"


def _apply(job: ObservationImport) -> str:
    dataset = _dataset(job)  # it parsed when it was checked
    with transaction.atomic():
        # The row lock makes a second delivery of this job wait, then find it imported.
        if not (
            ObservationImport.objects.select_for_update()
            .filter(pk=job.pk, status=Status.IMPORTING)
            .exists()
        ):
            return f"{job}: already done"
        headers = list(dataset.headers or [])
        result, errors = observations_import(
            dataset, user=job.confirmed_by, progress=_reporter(job.pk)
        )
        preview = row_previews(headers, dataset, result)
        if errors:  # rolled back whole: the data changed since the check
            _finish(
                job.pk,
                Status.REFUSED,
                expected=Status.IMPORTING,
                errors=[
                    "File: the data changed since the check, and these rows no longer "
                    "import; nothing was imported.",
                    *errors,
                ],
                preview=preview,
            )
            return f"{job}: refused on import"
        _finish(
            job.pk,
            Status.IMPORTED,
            expected=Status.IMPORTING,
            errors=(),
            preview=preview,
            **_counts(result),
        )
    return f"{job}: imported {len(dataset)} row(s)"


def _count_rows(text: str) -> int:
    try:
        return max(sum(1 for _ in csv.reader(io.StringIO(text))) - 1, 0)
    except csv.Error:
        return 0  # the job will say what is wrong with it


def _dataset(job: ObservationImport):
    try:
        return CSV(encoding="utf-8").create_dataset(job.content)
    except Exception as error:  # tablib's parse errors share no base class
        raise ValidationError(f"It is not a CSV table ({error}).") from None


def _counts(result) -> dict[str, int]:
    totals = result.totals
    return {"new": totals["new"], "changed": totals["update"], "unchanged": totals["skip"]}


def _finish(
    pk: int, status: str, *, expected: str | None, errors: Sequence[str] = (), **fields
) -> None:
    """End the step that found the import in `expected` (None: whichever is running), and
    only that: a late duplicate of a job cannot overwrite what another run finished."""
    kept = list(errors[:MAX_ERRORS_KEPT])
    if len(errors) > MAX_ERRORS_KEPT:
        kept.append(f"… and {len(errors) - MAX_ERRORS_KEPT} more.")
    running = ObservationImport.RUNNING if expected is None else (expected,)
    ObservationImport.objects.filter(pk=pk, status__in=running).update(
        status=status, errors=kept, finished_at=timezone.now(), **fields
    )
    cache.delete(_progress_key(pk))


def _reporter(pk: int) -> Callable[[int], None]:
    def report(rows: int) -> None:
        if rows % REPORT_EVERY == 0:
            cache.set(_progress_key(pk), rows, timeout=TIME_LIMIT)

    return report


def _progress_key(pk: int) -> str:
    return f"observation-import:{pk}:rows-read"
