"""Run one source's adapter now, on its URL or on a local file: ingest SOURCE [--file PATH]
[--charset NAME] (the charset a server would name for the file, e.g. windows-1251)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from tracker.management.database import require_migrated
from tracker.models import Source
from tracker.parsing import whole_number
from tracker.sources.base import IngestError
from tracker.sources.refresh import source_refresh


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("source", help="The source's name (or id).")
        parser.add_argument("--file", type=Path, help="Parse this file instead of fetching.")
        parser.add_argument(
            "--charset",
            default="",
            help="With --file: the charset its server would name (outranks the file's own).",
        )

    def handle(self, *args, source: str, file: Path | None = None, charset: str = "", **options):
        require_migrated()
        number = whole_number(source)
        match = Q(name__iexact=source) | (Q(pk=number) if number is not None else Q())
        found = Source.objects.filter(match).first()
        if found is None:
            feeds = Source.objects.exclude(adapter="").values_list("name", flat=True)
            raise CommandError(
                f"No source {source!r}. Sources with an adapter: {', '.join(feeds) or 'none'}."
            )
        body = None
        if file is not None:
            try:
                body = file.read_bytes()
            except OSError as error:
                raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        try:
            outcome = source_refresh(found, body=body, charset=charset)
        except IngestError as error:  # a network fault: recorded on the source too
            raise CommandError(f"{found.name}: {error}") from None
        if outcome.status == "failed":
            raise CommandError(str(outcome))
        self.stdout.write(str(outcome))
